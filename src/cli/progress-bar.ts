import cliProgress from 'cli-progress';
import { formatBytes } from '../util/byte-size.js';
import type { ItemProgress, Logger, ProgressEvent } from '../util/logger.js';
import { terminalLogger, type ProgressSink, type Verbosity } from './terminal-logger.js';

/** stderr as a stream: cli-progress moves the cursor on it, and reads `isTTY` and `columns` from it. */
export type TerminalStream = NodeJS.WritableStream & { isTTY?: boolean; columns?: number };

/**
 * One live line on a terminal while a backup or restore runs: a bar over what has a known total (a restore's items,
 * a backup's resource types), the counts, item rate and ETA, and the bytes volume copies have moved so far.
 * Log lines go above it through `line`, so they never land inside the bar.
 *
 * It changes no terminal mode (no hidden cursor, no wrap switch): a process killed mid-run leaves only a last,
 * partly drawn line behind.
 */
export class ProgressBar {
  private readonly bars: cliProgress.MultiBar;
  private bar?: cliProgress.SingleBar;
  private items?: ItemProgress;
  private readonly volumes = new Map<string, { done: number; finished: boolean }>();
  private startedAt = 0;
  private volumesStartedAt = 0;
  private stopped = false;

  constructor(
    stream: TerminalStream,
    /** Where lines go when no bar is drawn (before the first event, after the end). */
    private readonly plain: (line: string) => void,
    private readonly signal?: AbortSignal
  ) {
    this.bars = new cliProgress.MultiBar(
      {
        stream,
        format: (options, params) => this.render(options, params),
        // Cropped to the terminal's width by cli-progress instead of switching the terminal's line wrap off.
        linewrap: true,
        // Log lines are written over the bar's line; without this, a bar whose text has not changed since its last
        // draw is not drawn again under them, and vanishes (seen with a backup's last log lines).
        forceRedraw: true,
        hideCursor: false,
        etaBuffer: 1000
      },
      cliProgress.Presets.shades_classic
    );
    signal?.addEventListener('abort', this.stop, { once: true });
  }

  readonly update: ProgressSink = (event: ProgressEvent) => {
    if (this.stopped) return;
    if (event.what === 'volume bytes') {
      if (!this.volumesStartedAt) this.volumesStartedAt = Date.now();
      const known = this.volumes.get(event.volume);
      // A failed copy's last event reports 0: what it moved is kept in the total rather than taken back.
      this.volumes.set(event.volume, { done: Math.max(event.done, known?.done ?? 0), finished: event.finished === true });
    } else {
      this.items = event;
    }
    const [value, total] = this.measure();
    if (!this.bar) {
      this.startedAt = Date.now();
      this.bar = this.bars.create(total, value);
      // Drawn now rather than at the next tick, so no line printed meanwhile can come before it.
      this.bars.update();
    } else {
      this.bar.setTotal(total);
      this.bar.update(value);
    }
  };

  /** A log line, printed above the bar while one is drawn. */
  readonly line = (text: string): void => {
    if (this.bar && !this.stopped) this.bars.log(`${text}\n`);
    else this.plain(text);
  };

  /** Draws the bar a last time and leaves it as a line of its own; later lines print plainly. Safe to call twice. */
  readonly stop = (): void => {
    if (this.stopped) return;
    this.stopped = true;
    this.signal?.removeEventListener('abort', this.stop);
    if (!this.bar) return;
    // The logs still buffered first, then the final state (stop alone would drop the buffered lines).
    this.bars.update();
    this.bars.stop();
  };

  /** The bar's value and total: a restore's items, else a backup's resource types. */
  private measure(): [number, number] {
    const items = this.items;
    if (items?.total !== undefined) return [items.done, items.total];
    if (items?.resourceTypes) return [items.resourceTypes.done, items.resourceTypes.total];
    return [0, 0];
  }

  private render(options: cliProgress.Options, params: cliProgress.Params): string {
    const items = this.items;
    const seconds = Math.max((Date.now() - this.startedAt) / 1000, 0.001);
    const parts: string[] = [];
    const complete = params.total > 0 && params.value >= params.total;
    if (params.total > 0) {
      const fraction = Math.min(params.value / params.total, 1);
      parts.push(`${items?.what === 'restored' ? 'Restoring' : 'Backing up'} ${cliProgress.Format.BarFormat(fraction, options)} ${Math.floor(fraction * 100)}%`);
    } else parts.push(items?.what === 'restored' ? 'Restoring' : 'Backing up');
    if (items) {
      if (items.total !== undefined) parts.push(`${items.done}/${items.total} items`);
      else {
        if (items.resourceTypes) parts.push(`${items.resourceTypes.done}/${items.resourceTypes.total} resource types`);
        parts.push(`${items.done} items`);
      }
      parts.push(`${Math.round(items.done / seconds)} items/s`);
    }
    if (this.volumes.size) parts.push(this.volumeText());
    if (complete || this.stopped) parts.push(`${formatDuration(seconds)}`);
    else if (typeof params.eta === 'number' && params.total > 0 && params.value > 0) parts.push(`ETA ${cliProgress.Format.TimeFormat(params.eta, options, 5)}`);
    // One column spare: a line exactly as wide as the terminal makes some terminals wrap on the next write.
    return parts.join(' | ').slice(0, Math.max(params.maxWidth - 1, 20));
  }

  private volumeText(): string {
    let bytes = 0;
    let copying = 0;
    for (const volume of this.volumes.values()) {
      bytes += volume.done;
      if (!volume.finished) copying++;
    }
    const seconds = Math.max((Date.now() - this.volumesStartedAt) / 1000, 0.001);
    const rate = `${formatBytes(Math.round(bytes / seconds))}/s`;
    return `volumes ${formatBytes(bytes)}${copying ? ` (${copying} copying, ${rate})` : ''}`;
  }
}

function formatDuration(seconds: number): string {
  return seconds < 60 ? `${seconds.toFixed(1)} s` : `${Math.floor(seconds / 60)} min ${Math.round(seconds % 60)} s`;
}

/** What a long command reports through: a logger, and the end of its progress display before the result prints. */
export interface CommandOutput {
  logger: Logger;
  finishProgress: () => void;
}

/**
 * A live bar when stderr is a terminal and the command asked for one (not with --quiet); otherwise the plain,
 * throttled `Progress:` lines, which is also what a log file or CI wants.
 */
export function commandOutput(io: { err: (line: string) => void; stderr?: TerminalStream; stderrIsTerminal?: boolean; signal?: AbortSignal }, verbosity: Verbosity, progressBar: boolean): CommandOutput {
  if (!progressBar || verbosity === 'quiet' || !io.stderrIsTerminal || !io.stderr) return { logger: terminalLogger(io, verbosity), finishProgress: () => undefined };
  const bar = new ProgressBar(io.stderr, io.err, io.signal);
  return { logger: terminalLogger({ err: bar.line }, verbosity, bar.update), finishProgress: bar.stop };
}
