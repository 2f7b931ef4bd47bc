import { describe, expect, it } from '@jest/globals';
import { backupName } from '../../../src/backup/naming.js';
import { CronError, cronSlot, parseCron } from '../../../src/settings/cron-slot.js';

describe('cronSlot', () => {
  it.each([
    // cron, now, slot
    ['0 2 * * *', '2026-11-24T02:00:00Z', '2026-11-24T02:00:00.000Z', 'exactly on the tick'],
    ['0 2 * * *', '2026-11-24T02:00:00.999Z', '2026-11-24T02:00:00.000Z', 'within the tick second'],
    ['0 2 * * *', '2026-11-24T02:17:43Z', '2026-11-24T02:00:00.000Z', 'a typical late start'],
    ['0 2 * * *', '2026-11-24T05:00:00Z', '2026-11-24T02:00:00.000Z', 'three hours late'],
    ['0 2 * * *', '2026-11-25T01:58:00Z', '2026-11-24T02:00:00.000Z', '23h58m late, before the next tick'],
    ['0 2 * * *', '2026-11-24T01:59:30Z', '2026-11-24T02:00:00.000Z', '30s early (clock skew): the coming tick'],
    ['0 2 * * *', '2026-11-24T01:59:00Z', '2026-11-24T02:00:00.000Z', '60s early: still the coming tick'],
    ['0 2 * * *', '2026-11-24T01:58:59Z', '2026-11-23T02:00:00.000Z', 'more than 60s early: the previous tick'],
    ['*/15 * * * *', '2026-11-24T10:43:59Z', '2026-11-24T10:30:00.000Z', 'every 15 minutes'],
    ['*/15 * * * *', '2026-11-24T10:44:59Z', '2026-11-24T10:45:00.000Z', 'every 15 minutes, 1s before a tick'],
    ['30 3 * * 1', '2026-11-26T12:00:00Z', '2026-11-23T03:30:00.000Z', 'weekly, on Monday'],
    ['30 3 * * MON', '2026-11-26T12:00:00Z', '2026-11-23T03:30:00.000Z', 'weekday by name'],
    ['0 0 1 * *', '2026-11-24T00:00:00Z', '2026-11-01T00:00:00.000Z', 'monthly'],
    ['0 0 1 JAN *', '2026-11-24T00:00:00Z', '2026-01-01T00:00:00.000Z', 'month by name'],
    ['0 0 1 1 *', '2027-01-01T00:00:30Z', '2027-01-01T00:00:00.000Z', 'across a year boundary'],
    ['5 4 * * 0,6', '2026-11-24T04:05:00Z', '2026-11-22T04:05:00.000Z', 'weekends only']
  ])('%s at %s is %s (%s)', (cron, now, slot) => {
    expect(cronSlot(cron, new Date(now)).toISOString()).toBe(slot);
  });

  it('gives two runs of one tick the same backup name, however late each starts', () => {
    const names = ['2026-11-24T02:03:00Z', '2026-11-24T02:41:12Z', '2026-11-24T04:59:59Z'].map((now) =>
      backupName({ scheduleName: 'nightly', now: new Date(now), slot: cronSlot('0 2 * * *', new Date(now)) })
    );
    expect(new Set(names)).toEqual(new Set(['nightly-20261124020000']));
  });

  it('honours a zero tolerance', () => {
    expect(cronSlot('0 2 * * *', new Date('2026-11-24T01:59:59Z'), 0).toISOString()).toBe('2026-11-23T02:00:00.000Z');
  });
});

describe('parseCron', () => {
  it.each([
    ['', /0 fields/],
    ['0 2 * *', /4 fields; GitHub's schedule uses 5/],
    ['0 0 2 * * *', /6 fields/],
    ['@daily', /1 fields/],
    ['61 * * * *', /minute|61/],
    ['0 25 * * *', /25/],
    ['0 2 L * *', /day of month field 'L'/],
    ['H 2 * * *', /minute field 'H'/],
    ['0 2 * * 1#2', /day of week field/],
    ['0 2 ? * *', /day of month field/],
    ['0 0 31 2 *', /not a valid cron expression/],
    ['a b c d e', /minute field 'a'/]
  ])("refuses '%s'", (cron, message) => {
    expect(() => parseCron(cron)).toThrow(CronError);
    expect(() => parseCron(cron)).toThrow(message);
  });

  it('accepts GitHub examples', () => {
    for (const cron of ['30 5,17 * * *', '30 5 * * 1,3', '30 5 * * 2-4', '*/30 * * * *', '0 0 * * SUN', '15 4 1-7 jan,jul *']) expect(() => parseCron(cron)).not.toThrow();
  });
});
