/**
 * An error the user can fix by changing one input. The message names the input (as the action spells it; the CLI
 * maps it to its flag) and says what to do, so a failed run reads as an instruction, not a stack trace.
 */
export class InputError extends Error {
  constructor(
    readonly input: string,
    readonly problem: string,
    readonly fix?: string
  ) {
    super(`Input '${input}': ${problem}${fix ? `. ${fix}` : ''}`);
    this.name = 'InputError';
  }
}

/** Thrown by stores and clusters when the thing asked for does not exist. */
export class NotFoundError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'NotFoundError';
  }
}

/** Thrown by a conditional create (`If-None-Match: *`, exclusive file create) when the key already exists. */
export class AlreadyExistsError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'AlreadyExistsError';
  }
}

export function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
