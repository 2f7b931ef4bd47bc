import { describe, expect, it } from '@jest/globals';
import { logProgressLine, MemoryLogger, type Logger, type ProgressEvent } from '../../../src/util/logger.js';
import { RunLog } from '../../../src/util/run-log.js';

const clock = () => new Date('2026-01-02T03:04:05Z');

describe('the run log and progress', () => {
  it('keeps the throttled progress lines in the stored log even when the terminal drops them for a bar', () => {
    const shown: string[] = [];
    const events: ProgressEvent[] = [];
    const terminal: Logger = { debug() {}, info: (m) => shown.push(m), warn() {}, error() {}, progress: (e) => events.push(e), progressLine: () => undefined };
    const log = new RunLog(terminal, 'backup=b1', clock);
    log.info('Starting backup b1');
    log.progress({ what: 'backed up', done: 10, resourceTypes: { done: 1, total: 4 } });
    logProgressLine(log, 'Progress: 10 items backed up');
    expect(shown).toEqual(['Starting backup b1']);
    expect(events).toEqual([{ what: 'backed up', done: 10, resourceTypes: { done: 1, total: 4 } }]);
    expect(log.text()).toBe(
      'time="2026-01-02T03:04:05.000Z" level=info msg="Starting backup b1" backup=b1\n' + 'time="2026-01-02T03:04:05.000Z" level=info msg="Progress: 10 items backed up" backup=b1\n'
    );
  });

  it('sends progress lines to info for a logger without progressLine', () => {
    const memory = new MemoryLogger();
    logProgressLine(new RunLog(memory, 'restore=r1', clock), 'Progress: 3/5 items');
    expect(memory.lines).toEqual([{ level: 'info', message: 'Progress: 3/5 items' }]);
  });
});
