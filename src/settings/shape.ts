import { InputError } from '../util/errors.js';

/**
 * Reads untyped YAML/JSON into typed values. Every mistake becomes an InputError whose problem starts with the exact
 * path (`resources[0].pre[1].exec.onError`), so a user can find the line without guessing.
 */
export class ShapeReader {
  constructor(readonly input: string) {}

  fail(path: string, problem: string, fix?: string): never {
    throw new InputError(this.input, `${path}: ${problem}`, fix);
  }

  /**
   * A mapping with only the keys listed. Unknown keys are refused rather than ignored: a misspelt `onEror` or
   * `labelSelectors` silently dropped would run a hook where the user asked for none, or skip a freeze.
   */
  mapping(value: unknown, path: string, known: readonly string[]): Record<string, unknown> {
    if (!isMapping(value)) this.fail(path, `expected a mapping, found ${describe(value)}`);
    for (const key of Object.keys(value)) {
      if (!known.includes(key)) this.fail(path, `unknown field '${key}'`, `Known fields: ${known.join(', ')}`);
    }
    return value;
  }

  /** null and absent are the same thing, as in Velero's nullable fields. */
  list(value: unknown, path: string): unknown[] {
    if (value === undefined || value === null) return [];
    if (!Array.isArray(value)) this.fail(path, `expected a list, found ${describe(value)}`);
    return value;
  }

  stringList(value: unknown, path: string): string[] {
    return this.list(value, path).map((item, i) => this.string(item, `${path}[${i}]`));
  }

  string(value: unknown, path: string): string {
    if (typeof value !== 'string') {
      const quoted = typeof value === 'number' || typeof value === 'boolean';
      this.fail(path, `expected a string, found ${describe(value)}`, quoted ? `Quote it: '${String(value)}'` : undefined);
    }
    return value;
  }

  optionalString(value: unknown, path: string): string | undefined {
    return value === undefined || value === null ? undefined : this.string(value, path);
  }

  stringMap(value: unknown, path: string): Record<string, string> {
    if (value === undefined || value === null) return {};
    if (!isMapping(value)) this.fail(path, `expected a mapping, found ${describe(value)}`);
    const out: Record<string, string> = {};
    for (const [key, item] of Object.entries(value)) out[key] = this.string(item, `${path}.${key}`);
    return out;
  }
}

export function isMapping(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function describe(value: unknown): string {
  if (value === null || value === undefined) return 'nothing';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'a mapping';
  if (typeof value === 'string') return `'${value}'`;
  return `${typeof value} ${String(value)}`;
}
