import type { Logger, ProgressEvent } from '../util/logger.js';

/**
 * How much a command says while it works (stderr; stdout is the result):
 * - `quiet`: warnings and errors only, then the result;
 * - `normal`: what the run does, step by step, and a progress line every few seconds, but not a line per object;
 * - `verbose`: also a line per object (a restore's outcome for each) and debug lines.
 */
export type Verbosity = 'quiet' | 'normal' | 'verbose';

/**
 * Where progress events go. The seam for a progress bar on a terminal (items, rate, ETA): without one, the engine's
 * own `Progress:` lines every five seconds are the progress, which is also what a log file or CI wants.
 */
export type ProgressSink = (event: ProgressEvent) => void;

/** The engine's logger on a terminal: everything to stderr, so stdout stays the command's result. */
export function terminalLogger(io: { err: (line: string) => void }, verbosity: Verbosity = 'normal', progress?: ProgressSink): Logger {
  const normal = verbosity !== 'quiet';
  const verbose = verbosity === 'verbose';
  return {
    debug: (m) => verbose && io.err(`debug: ${m}`),
    info: (m) => normal && io.err(m),
    item: (m) => verbose && io.err(m),
    warn: (m) => io.err(`warning: ${m}`),
    error: (m) => io.err(`error: ${m}`),
    progress: (event) => normal && progress?.(event),
    // A sink shows progress live; without one the throttled lines are the progress.
    progressLine: (m) => normal && !progress && io.err(m)
  };
}

/** `--quiet` and `--verbose` as one value; both at once is a mistake worth naming. */
export function verbosityOf(options: { quiet?: unknown; verbose?: unknown }): Verbosity {
  if (options.quiet === true && options.verbose === true) throw new Error('--quiet and --verbose contradict each other: pass one');
  return options.quiet === true ? 'quiet' : options.verbose === true ? 'verbose' : 'normal';
}
