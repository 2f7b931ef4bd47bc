import { Writable } from 'node:stream';
import { describe, expect, it } from '@jest/globals';
import { commandOutput, ProgressBar } from '../../../src/cli/progress-bar.js';
import { FakeTerminal } from '../../support/terminal-screen.js';

/** A restore of `total` items reporting each from `from` to `upTo`. */
function restoreOf(bar: ProgressBar, total: number, from: number, upTo: number): void {
  for (let done = from; done <= upTo; done++) bar.update({ what: 'restored', done, total });
}

describe('the progress bar on a terminal', () => {
  it('draws a restore to its total and leaves a final line with the counts', () => {
    const terminal = new FakeTerminal();
    const plain: string[] = [];
    const bar = new ProgressBar(terminal, (l) => plain.push(l));
    restoreOf(bar, 7, 1, 3);
    bar.line('Restoring namespace shop');
    restoreOf(bar, 7, 4, 7);
    bar.stop();
    bar.line('Restore r1 Completed');

    const lines = terminal.lines();
    expect(lines).toHaveLength(2);
    expect(lines[0]).toBe('Restoring namespace shop');
    expect(lines[1]).toMatch(/^Restoring █+ 100% \| 7\/7 items \| \d+ items\/s \| \d/);
    expect(terminal.raw.endsWith('\n')).toBe(true);
    // Once the bar has ended, lines go where they went before it.
    expect(plain).toEqual(['Restore r1 Completed']);
  });

  it('shows a backup by its resource types, with the items found so far', () => {
    const terminal = new FakeTerminal();
    const bar = new ProgressBar(terminal, () => undefined);
    bar.update({ what: 'backed up', done: 120, resourceTypes: { done: 10, total: 40 } });
    bar.update({ what: 'backed up', done: 480, resourceTypes: { done: 40, total: 40 } });
    bar.stop();
    expect(terminal.lines()).toEqual([expect.stringMatching(/^Backing up █+ 100% \| 40\/40 resource types \| 480 items \| /)]);
  });

  it('draws the bar again under a log line that came after its last change', () => {
    const terminal = new FakeTerminal();
    const bar = new ProgressBar(terminal, () => undefined);
    bar.update({ what: 'backed up', done: 480, resourceTypes: { done: 40, total: 40 } });
    bar.line('Backup b1 Completed: 480 items');
    bar.stop();
    expect(terminal.lines()).toEqual(['Backup b1 Completed: 480 items', expect.stringMatching(/^Backing up █+ 100% \| 40\/40 resource types \| 480 items \| /)]);
  });

  it('adds the bytes of volume copies, counting a failed copy by what it had moved', () => {
    const terminal = new FakeTerminal();
    const bar = new ProgressBar(terminal, () => undefined);
    bar.update({ what: 'backed up', done: 1, resourceTypes: { done: 1, total: 4 } });
    bar.update({ what: 'volume bytes', volume: 'shop/data', done: 1024 * 1024 });
    bar.update({ what: 'volume bytes', volume: 'shop/logs', done: 512 * 1024 });
    bar.update({ what: 'volume bytes', volume: 'shop/data', done: 2 * 1024 * 1024, finished: true });
    bar.update({ what: 'volume bytes', volume: 'shop/logs', done: 0, finished: true });
    bar.stop();
    const [line] = terminal.lines();
    expect(line).toMatch(/^Backing up [█░]+ 25% \| 1\/4 resource types \| 1 items \| \d+ items\/s \| volumes 2\.5 MiB \| /);
  });

  it('keeps a copy still running in the line, with its rate', () => {
    const terminal = new FakeTerminal();
    const bar = new ProgressBar(terminal, () => undefined);
    bar.update({ what: 'restored', done: 0, total: 2 });
    bar.update({ what: 'volume bytes', volume: 'shop/data', done: 3 * 1024, total: 8 * 1024 });
    bar.stop();
    expect(terminal.lines()[0]).toMatch(/\| volumes 3 KiB \(1 copying, [\d.]+ (bytes|KiB|MiB)\/s\)/);
  });

  it('prints log lines above the bar, each whole, however many arrive between two draws', () => {
    const terminal = new FakeTerminal();
    const bar = new ProgressBar(terminal, () => undefined);
    bar.update({ what: 'restored', done: 1, total: 4 });
    for (const n of [1, 2, 3]) bar.line(`warning: line ${n}`);
    bar.update({ what: 'restored', done: 4, total: 4 });
    bar.line('last');
    bar.stop();
    const lines = terminal.lines();
    expect(lines.slice(0, 4)).toEqual(['warning: line 1', 'warning: line 2', 'warning: line 3', 'last']);
    expect(lines[4]).toMatch(/^Restoring █+ 100% \| 4\/4 items/);
    expect(lines).toHaveLength(5);
  });

  it('stops where it is when the run is cancelled, and later lines print plainly', () => {
    const terminal = new FakeTerminal();
    const plain: string[] = [];
    const cancel = new AbortController();
    const bar = new ProgressBar(terminal, (l) => plain.push(l), cancel.signal);
    restoreOf(bar, 10, 1, 2);
    cancel.abort(new Error('cancelled (SIGINT)'));
    bar.update({ what: 'restored', done: 3, total: 10 });
    bar.line('Restore r1 Failed: cancelled (SIGINT)');
    expect(terminal.lines()).toEqual([expect.stringMatching(/^Restoring [█░]+ 20% \| 2\/10 items/)]);
    expect(terminal.raw.endsWith('\n')).toBe(true);
    expect(plain).toEqual(['Restore r1 Failed: cancelled (SIGINT)']);
    bar.stop();
  });

  it('draws nothing when no progress came', () => {
    const terminal = new FakeTerminal();
    const plain: string[] = [];
    const bar = new ProgressBar(terminal, (l) => plain.push(l));
    bar.line('Backup b1 Failed: no such namespace');
    bar.stop();
    expect(terminal.raw).toBe('');
    expect(plain).toEqual(['Backup b1 Failed: no such namespace']);
  });
});

describe('which progress a command shows', () => {
  /** A run's messages through the logger commandOutput gives: a step, two progress updates, a warning. */
  function run(io: Parameters<typeof commandOutput>[0], verbosity: 'quiet' | 'normal' = 'normal', progressBar = true): void {
    const { logger, finishProgress } = commandOutput(io, verbosity, progressBar);
    logger.info('Restoring namespace shop');
    logger.progress?.({ what: 'restored', done: 1, total: 2 });
    logger.progressLine?.('Progress: 1/2 items');
    logger.progress?.({ what: 'restored', done: 2, total: 2 });
    logger.warn('w');
    finishProgress();
  }

  it('a terminal: the bar, lines above it once it is drawn, and no throttled progress lines', () => {
    const terminal = new FakeTerminal();
    const err: string[] = [];
    run({ err: (l) => err.push(l), stderr: terminal, stderrIsTerminal: true });
    expect(err).toEqual(['Restoring namespace shop']);
    expect(terminal.lines()).toEqual(['warning: w', expect.stringMatching(/^Restoring █+ 100% \| 2\/2 items/)]);
  });

  it.each([
    ['not a terminal', { stderrIsTerminal: false }, 'normal', true],
    ['a command without a bar', { stderrIsTerminal: true }, 'normal', false]
  ] as const)('%s: plain lines, the periodic progress line among them', (_case, tty, verbosity, progressBar) => {
    const stream = new CollectingStream();
    const err: string[] = [];
    run({ err: (l) => err.push(l), stderr: stream, ...tty }, verbosity, progressBar);
    expect(err).toEqual(['Restoring namespace shop', 'Progress: 1/2 items', 'warning: w']);
    expect(stream.written).toBe('');
  });

  it('--quiet on a terminal: no bar, only the warning', () => {
    const terminal = new FakeTerminal();
    const err: string[] = [];
    run({ err: (l) => err.push(l), stderr: terminal, stderrIsTerminal: true }, 'quiet');
    expect(err).toEqual(['warning: w']);
    expect(terminal.raw).toBe('');
  });
});

class CollectingStream extends Writable {
  written = '';
  override _write(chunk: Buffer | string, _encoding: BufferEncoding, done: () => void): void {
    this.written += chunk.toString();
    done();
  }
}
