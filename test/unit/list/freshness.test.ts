import { describe, expect, it } from '@jest/globals';
import { checkFreshness, newestCompleted, type ListedBackup } from '../../../src/list/freshness.js';
import { listedBackup } from '../../../src/list/run-list.js';
import { backupListRows, shortAge } from '../../../src/report/backup-report.js';
import { listOutputs } from '../../../src/report/list-report.js';
import { parseListSettings } from '../../../src/settings/list-delete-settings.js';
import { mapReader } from '../../../src/settings/input-reader.js';

const HOUR = 3_600_000;
const now = new Date('2026-03-10T12:00:00Z');
const at = (hoursAgo: number) => new Date(now.getTime() - hoursAgo * HOUR).toISOString();

function backup(name: string, hoursAgo: number, extra: Partial<ListedBackup> = {}): ListedBackup {
  return { name, phase: 'Completed', started: at(hoursAgo + 0.5), completed: at(hoursAgo), sizeBytes: 100, ...extra };
}

describe('checkFreshness', () => {
  const cases: [string, ListedBackup[], { maxAgeMs: number; scheduleName?: string }, { fresh: boolean; newest?: string; message: RegExp }][] = [
    ['fresh: the newest finished within max-age', [backup('a', 30), backup('b', 2)], { maxAgeMs: 26 * HOUR }, { fresh: true, newest: 'b', message: /b, finished .*, 2h0m0s ago \(max-age 26h0m0s\)/ }],
    ['stale: the newest finished before max-age', [backup('a', 50), backup('b', 27)], { maxAgeMs: 26 * HOUR }, { fresh: false, newest: 'b', message: /b, finished .*, 27h0m0s ago: older than max-age 26h0m0s/ }],
    ['no backup at all is stale', [], { maxAgeMs: HOUR }, { fresh: false, message: /^no Completed backup in the location; max-age is 1h0m0s$/ }],
    ['a newer PartiallyFailed or Failed one does not count', [backup('old', 30), backup('partial', 1, { phase: 'PartiallyFailed' }), backup('failed', 1, { phase: 'Failed' })], { maxAgeMs: 26 * HOUR }, { fresh: false, newest: 'old', message: /old/ }],
    ['unfinished folders do not count', [backup('old', 30), { name: 'half', phase: 'Unfinished', sizeBytes: 5 }], { maxAgeMs: 26 * HOUR }, { fresh: false, newest: 'old', message: /old/ }],
    [
      'schedule-name narrows it to that schedule',
      [backup('nightly-1', 30, { schedule: 'nightly' }), backup('hourly-1', 1, { schedule: 'hourly' })],
      { maxAgeMs: 26 * HOUR, scheduleName: 'nightly' },
      { fresh: false, newest: 'nightly-1', message: /of schedule 'nightly', nightly-1/ }
    ],
    ['a schedule with no backup is stale', [backup('hourly-1', 1, { schedule: 'hourly' })], { maxAgeMs: HOUR, scheduleName: 'nightly' }, { fresh: false, message: /^no Completed backup of schedule 'nightly'/ }],
    ['age runs from completion, not start', [backup('slow', 25, { started: at(30) })], { maxAgeMs: 26 * HOUR }, { fresh: true, newest: 'slow', message: /25h0m0s ago/ }],
    ['without a completion time, from the start', [backup('veleroish', 0, { started: at(28), completed: undefined })], { maxAgeMs: 26 * HOUR }, { fresh: false, newest: 'veleroish', message: /28h0m0s ago/ }]
  ];
  it.each(cases)('%s', (_, backups, policy, expected) => {
    const result = checkFreshness(backups, { ...policy, now });
    expect(result.fresh).toBe(expected.fresh);
    expect(result.newest?.name).toBe(expected.newest);
    expect(result.message).toMatch(expected.message);
  });

  it('orders by completion, then by name when two completed together', () => {
    expect(newestCompleted([backup('b', 3), backup('a', 1), backup('c', 1)])?.name).toBe('c');
  });
});

describe('listedBackup', () => {
  it('takes phase, schedule, times, items and counts from the record', () => {
    const record = {
      apiVersion: 'velero.io/v1',
      kind: 'Backup',
      metadata: { name: 'n1', labels: { 'velero.io/schedule-name': 'nightly' } },
      status: { phase: 'PartiallyFailed', startTimestamp: at(3), completionTimestamp: at(2), expiration: at(-700), errors: 2, warnings: 1, progress: { totalItems: 12, itemsBackedUp: 11 } }
    };
    expect(listedBackup({ name: 'n1', state: 'complete', backup: record }, 4096)).toEqual({
      name: 'n1',
      phase: 'PartiallyFailed',
      schedule: 'nightly',
      started: at(3),
      completed: at(2),
      expires: at(-700),
      items: 11,
      errors: 2,
      warnings: 1,
      sizeBytes: 4096
    });
    expect(listedBackup({ name: 'x', state: 'unfinished' }, 7)).toEqual({ name: 'x', phase: 'Unfinished', sizeBytes: 7 });
    expect(listedBackup({ name: 'y', state: 'corrupt', problem: 'bad' }, 0)).toEqual({ name: 'y', phase: 'Corrupt', sizeBytes: 0 });
  });
});

describe('the list table and outputs', () => {
  it('shows age, expiry, schedule, items and size in the shared rows', () => {
    const rows = backupListRows([backup('a', 50, { schedule: 'nightly', items: 42, errors: 0, warnings: 3, expires: at(-10), sizeBytes: 2048 }), { name: 'half', phase: 'Unfinished', sizeBytes: 10 }], now);
    expect(rows).toEqual([
      ['a', 'Completed', '0', '3', at(50.5), '2d2h', at(-10), 'nightly', '42', '2 KiB'],
      ['half', 'Unfinished', '', '', '', '', '', '', '', '10 bytes']
    ]);
  });

  it.each([
    [0, '0s'],
    [45_000, '45s'],
    [3 * HOUR + 12 * 60_000 + 5_000, '3h12m'],
    [26 * HOUR, '1d2h'],
    [48 * HOUR + 30_000, '2d']
  ])('shortAge(%d) is %s', (ms, text) => expect(shortAge(ms)).toBe(text));

  it('puts every field a workflow reads into the backups output', () => {
    const listed = [backup('b', 1, { schedule: 'nightly', items: 3, errors: 0, warnings: 0, expires: at(-5) }), { name: 'half', phase: 'Unfinished', sizeBytes: 9 }];
    const outputs = listOutputs({ location: 'file:///x', now, backups: listed, newest: listed[0] });
    expect(outputs.count).toBe('2');
    expect(outputs.newest).toBe('b');
    expect(JSON.parse(outputs.backups!)).toEqual([
      { name: 'b', phase: 'Completed', schedule: 'nightly', started: at(1.5), completed: at(1), expires: at(-5), items: 3, errors: 0, warnings: 0, sizeBytes: 100 },
      { name: 'half', phase: 'Unfinished', schedule: null, started: null, completed: null, expires: null, items: null, errors: null, warnings: null, sizeBytes: 9 }
    ]);
  });
});

describe('parseListSettings', () => {
  it('reads max-age as a Go duration and schedule-name as a name', () => {
    expect(parseListSettings(mapReader({ 'max-age': '26h', 'schedule-name': 'nightly' }))).toEqual({ maxAgeMs: 26 * HOUR, scheduleName: 'nightly' });
    expect(parseListSettings(mapReader({}))).toEqual({});
  });
  it.each([
    ['2d', "Input 'max-age': '2d' uses days, which Go durations do not have. Write 48h"],
    ['soon', "Input 'max-age': 'soon' is not a duration"],
    ['0', "Input 'max-age': '0' would fail every run"]
  ])('refuses max-age %s', (value, message) => expect(() => parseListSettings(mapReader({ 'max-age': value }))).toThrow(message));
});
