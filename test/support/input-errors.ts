import { InputError } from '../../src/util/errors.js';

/** Runs `fn` and relabels an InputError as the CLI edge does (`--name`), to check what a CLI user would read. */
export function asFlags<T>(fn: () => T): T {
  try {
    return fn();
  } catch (err) {
    throw err instanceof InputError ? err.relabel((name) => `--${name}`) : err;
  }
}
