import { logItem, logProgressLine, type Logger, type ProgressEvent } from './logger.js';

/**
 * A logger that forwards to another and keeps every line in logrus' text form, Velero's log format, for the
 * `-logs.gz` file stored with a backup or restore (`velero backup logs` prints it as is).
 */
export class RunLog implements Logger {
  private readonly lines: string[] = [];

  constructor(
    private readonly forward: Logger,
    private readonly field: string,
    private readonly clock: () => Date = () => new Date()
  ) {}

  debug(message: string): void {
    this.record('debug', message);
    this.forward.debug(message);
  }
  info(message: string): void {
    this.record('info', message);
    this.forward.info(message);
  }
  warn(message: string): void {
    this.record('warning', message);
    this.forward.warn(message);
  }
  error(message: string): void {
    this.record('error', message);
    this.forward.error(message);
  }
  item(message: string): void {
    this.record('info', message);
    logItem(this.forward, message);
  }
  progress(event: ProgressEvent): void {
    this.forward.progress?.(event);
  }
  progressLine(message: string): void {
    this.record('info', message);
    logProgressLine(this.forward, message);
  }

  text(): string {
    return this.lines.length ? `${this.lines.join('\n')}\n` : '';
  }

  private record(level: string, message: string): void {
    this.lines.push(`time="${this.clock().toISOString()}" level=${level} msg=${JSON.stringify(message)} ${this.field}`);
  }
}
