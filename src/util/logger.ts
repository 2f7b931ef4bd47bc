/**
 * The engine's only way to speak. The action renders it through @actions/core (with masking), the CLI to the
 * terminal, tests into an array. Messages never carry secret values: callers log names, counts and keys.
 */
export interface Logger {
  debug(message: string): void;
  info(message: string): void;
  warn(message: string): void;
  error(message: string): void;
  /**
   * A line about one object (a restore's outcome for it): the run log file keeps every one, a terminal shows them
   * only when asked (--verbose), since a run of 5,000 objects would otherwise print 5,000 lines. Absent: `info`.
   */
  item?(message: string): void;
  /** How far a run is, for a progress bar; the throttled `Progress:` info lines still go out for logs. */
  progress?(event: ProgressEvent): void;
  /**
   * A throttled `Progress:` line (counts, rate): logs and CI keep it, a terminal drawing a progress bar drops it,
   * since the bar shows the same numbers live. Absent: `info`.
   */
  progressLine?(message: string): void;
}

export type ProgressEvent = ItemProgress | VolumeByteProgress;

export interface ItemProgress {
  /** What is counted: objects backed up, objects restored. */
  what: 'backed up' | 'restored';
  done: number;
  /** Known for a restore (its plan's size), not for a backup (the walk finds the objects as it goes). */
  total?: number;
  /** A backup's walk: the resource types listed so far, of those discovered, the part of a backup known up front. */
  resourceTypes?: { done: number; total: number };
}

/** One volume's file-system copy: uncompressed tar bytes moved so far, about every second while it runs. */
export interface VolumeByteProgress {
  what: 'volume bytes';
  /** The volume as the run's log lines name it (namespace/claim, or namespace/pod/volume). */
  volume: string;
  done: number;
  /** Known on restore (the recorded size), not on backup. */
  total?: number;
  /** This copy's last event, sent whether it succeeded or failed (then `done` is 0: what it moved is not known). */
  finished?: boolean;
}

/** Sends a per-object line where the logger wants it: `item` when it has one, else `info`. */
export function logItem(logger: Logger, message: string): void {
  if (logger.item) logger.item(message);
  else logger.info(message);
}

/** Sends a throttled progress line where the logger wants it: `progressLine` when it has one, else `info`. */
export function logProgressLine(logger: Logger, message: string): void {
  if (logger.progressLine) logger.progressLine(message);
  else logger.info(message);
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
