import { describe, expect, it } from '@jest/globals';
import { exitStatusOf } from '../../../src/cli/program-support.js';
import { terminalLogger, verbosityOf, type Verbosity } from '../../../src/cli/terminal-logger.js';
import { logItem } from '../../../src/util/logger.js';

describe('what a command prints while it works', () => {
  it.each<[Verbosity, string[]]>([
    ['quiet', ['warning: w', 'error: e']],
    ['normal', ['step', 'warning: w', 'error: e']],
    ['verbose', ['debug: d', 'step', 'created: configmaps ns/a', 'warning: w', 'error: e']]
  ])('%s', (verbosity, expected) => {
    const lines: string[] = [];
    const events: number[] = [];
    const logger = terminalLogger({ err: (l) => lines.push(l) }, verbosity, (e) => events.push(e.done));
    logger.debug('d');
    logger.info('step');
    logItem(logger, 'created: configmaps ns/a');
    logger.warn('w');
    logger.error('e');
    logger.progress?.({ what: 'restored', done: 3, total: 5 });
    expect(lines).toEqual(expected);
    expect(events).toEqual(verbosity === 'quiet' ? [] : [3]);
  });

  it('refuses --quiet with --verbose', () => {
    expect(() => verbosityOf({ quiet: true, verbose: true })).toThrow('--quiet and --verbose contradict each other');
    expect(verbosityOf({})).toBe('normal');
  });
});

describe('exit codes', () => {
  it.each([
    ['Completed', false, 0],
    ['PartiallyFailed', false, 2],
    ['PartiallyFailed', true, 1],
    ['Failed', false, 1],
    ['FailedValidation', false, 1]
  ])('%s (fail-on-partial %s): %d', (phase, failOnPartial, code) => {
    expect(exitStatusOf(phase as string, failOnPartial as boolean)).toBe(code);
  });
});
