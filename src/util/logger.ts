/**
 * The engine's only way to speak. The action renders it through @actions/core (with masking), the CLI to the
 * terminal, tests into an array. Messages never carry secret values: callers log names, counts and keys.
 */
export interface Logger {
  debug(message: string): void;
  info(message: string): void;
  warn(message: string): void;
  error(message: string): void;
}

/** Collects messages, for tests and for the per-run log file Velero's layout keeps next to a backup. */
export class MemoryLogger implements Logger {
  readonly lines: { level: 'debug' | 'info' | 'warn' | 'error'; message: string }[] = [];
  debug(message: string): void {
    this.lines.push({ level: 'debug', message });
  }
  info(message: string): void {
    this.lines.push({ level: 'info', message });
  }
  warn(message: string): void {
    this.lines.push({ level: 'warn', message });
  }
  error(message: string): void {
    this.lines.push({ level: 'error', message });
  }
}

export const silentLogger: Logger = { debug() {}, info() {}, warn() {}, error() {} };
