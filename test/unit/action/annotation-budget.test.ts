import { describe, expect, it } from '@jest/globals';
import { annotatingLogger, ANNOTATIONS_SHOWN_PER_STEP, type AnnotationSink } from '../../../src/action/logger.js';

function recorder() {
  const calls: { kind: keyof AnnotationSink; message: string }[] = [];
  const sink: AnnotationSink = {
    debug: (message) => calls.push({ kind: 'debug', message }),
    info: (message) => calls.push({ kind: 'info', message }),
    warning: (message) => calls.push({ kind: 'warning', message }),
    error: (message) => calls.push({ kind: 'error', message })
  };
  return { sink, calls, of: (kind: keyof AnnotationSink) => calls.filter((c) => c.kind === kind).map((c) => c.message) };
}

describe('annotations within the runner’s per-step limit', () => {
  it('annotates the first errors and warnings, says more follow, and logs the rest as plain lines', () => {
    const { sink, of } = recorder();
    const logger = annotatingLogger(sink);
    for (let i = 1; i <= 30; i++) logger.error(`item ${i} failed`);
    for (let i = 1; i <= 3; i++) logger.warn(`warning ${i}`);
    const errors = of('error');
    // 8 items and the note leave one of the ten for the step's own failure.
    expect(errors).toHaveLength(ANNOTATIONS_SHOWN_PER_STEP - 1);
    expect(errors.slice(0, 8)).toEqual(Array.from({ length: 8 }, (_, i) => `item ${i + 1} failed`));
    expect(errors[8]).toMatch(/More errors follow in the job log only/);
    expect(of('info')).toEqual(Array.from({ length: 22 }, (_, i) => `error: item ${i + 9} failed`));
    // Warnings keep their own count.
    expect(of('warning')).toEqual(['warning 1', 'warning 2', 'warning 3']);
  });

  it('defuses workflow commands in annotations and in the overflow lines alike', () => {
    const { sink, calls } = recorder();
    const logger = annotatingLogger(sink, 1);
    logger.warn('::add-mask::a');
    logger.warn('::add-mask::b');
    expect(calls.every((c) => !/^::/m.test(c.message))).toBe(true);
  });
});
