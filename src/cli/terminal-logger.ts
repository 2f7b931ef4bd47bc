import type { Logger } from '../util/logger.js';

/** The engine's logger on a terminal: progress to stderr, so stdout stays the command's result. */
export function terminalLogger(io: { err: (line: string) => void }, verbose = false): Logger {
  return {
    debug: (m) => verbose && io.err(`debug: ${m}`),
    info: (m) => io.err(m),
    warn: (m) => io.err(`warning: ${m}`),
    error: (m) => io.err(`error: ${m}`)
  };
}
