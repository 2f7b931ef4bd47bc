import { logProgressLine, type Logger } from '../util/logger.js';

const PROGRESS_INTERVAL_MS = 5000;

/** A progress line at most every five seconds, so a long restore shows it is moving without a line per item. */
export class RestoreProgress {
  private done = 0;
  private lastLogged: number;

  constructor(
    private readonly log: Logger,
    private readonly clock: () => Date,
    private readonly total: number
  ) {
    this.lastLogged = clock().getTime();
  }

  itemDone(): void {
    this.done++;
    this.log.progress?.({ what: 'restored', done: this.done, total: this.total });
    if (this.clock().getTime() - this.lastLogged > PROGRESS_INTERVAL_MS) {
      this.lastLogged = this.clock().getTime();
      logProgressLine(this.log, `Progress: ${this.done}/${this.total} items`);
    }
  }
}
