import { InputError } from '../util/errors.js';

/**
 * Raw input values by their action name (`include-namespaces`), whether they came from action inputs or CLI
 * flags. Errors name the input by this key; each edge renders it the way its user spelled it (InputError.relabel).
 */
export interface InputReader {
  get(name: string): string | undefined;
}

/** A reader over a plain map, for the CLI and tests. */
export function mapReader(values: Record<string, string | undefined>): InputReader {
  return {
    get: (name) => {
      const value = values[name]?.trim();
      return value ? value : undefined;
    }
  };
}

const TRUE = new Set(['true', 'yes', 'y', 'on', '1']);
const FALSE = new Set(['false', 'no', 'n', 'off', '0']);

export function readBoolean(reader: InputReader, name: string, fallback: boolean): boolean {
  const raw = reader.get(name);
  if (raw === undefined) return fallback;
  const value = raw.toLowerCase();
  if (TRUE.has(value)) return true;
  if (FALSE.has(value)) return false;
  throw new InputError(name, `'${raw}' is not a boolean`, 'Use true or false');
}

export function readChoice<T extends string>(reader: InputReader, name: string, choices: readonly T[], fallback?: T): T {
  const raw = reader.get(name);
  if (raw === undefined) {
    if (fallback !== undefined) return fallback;
    throw new InputError(name, 'is required', `Use one of: ${choices.join(', ')}`);
  }
  const match = choices.find((c) => c.toLowerCase() === raw.toLowerCase());
  if (!match) throw new InputError(name, `'${raw}' is not one of ${choices.join(', ')}`);
  return match;
}

export function readPositiveInteger(reader: InputReader, name: string, fallback: number, max = Number.MAX_SAFE_INTEGER): number {
  const raw = reader.get(name);
  if (raw === undefined) return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 1 || value > max) {
    throw new InputError(name, `'${raw}' is not a whole number between 1 and ${max}`);
  }
  return value;
}
