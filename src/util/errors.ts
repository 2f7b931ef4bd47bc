/**
 * An error the user can fix by changing one input. It carries the input's key (`keep-last`), the problem and the
 * fix, so a failed run reads as an instruction, not a stack trace. The engine always names inputs by their key;
 * each edge relabels the error in its user's words (`--keep-last` on the CLI).
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

  /** The same error, naming the input as `label` spells it. */
  relabel(label: (input: string) => string): InputError {
    return new InputError(label(this.input), this.problem, this.fix);
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

/** Thrown by a conditional replace (`If-Match`, a compare-and-swap on disk) when the object changed or is gone. */
export class ChangedMeanwhileError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ChangedMeanwhileError';
  }
}

/**
 * Thrown by a store's deleteMany when it refuses to delete an object it holds: Object Lock retention, a legal hold,
 * a WORM bucket or a policy. `retention` says what protects it, where the store tells.
 */
export class DeleteRefusedError extends Error {
  constructor(
    readonly key: string,
    readonly retention: string
  ) {
    super(`the store refuses to delete '${key}': ${retention}`);
    this.name = 'DeleteRefusedError';
  }
}

export function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
