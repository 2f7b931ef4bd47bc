import { describe, expect, it } from '@jest/globals';
import { mapReader } from '../../../src/settings/input-reader.js';
import { parseLeaseSettings, parsePruneSettings, parseScheduleSettings, parseSyncSettings } from '../../../src/settings/lifecycle-settings.js';

const reader = (values: Record<string, string>) => mapReader(values);

describe('parseScheduleSettings', () => {
  it.each([
    // inputs, event schedule, backup, expected
    [{}, '0 2 * * *', { scheduleName: 'nightly' }, { cron: '0 2 * * *', source: 'schedule event' }],
    [{ cron: '0 3 * * *' }, '0 2 * * *', { scheduleName: 'nightly' }, { cron: '0 2 * * *', source: 'schedule event' }],
    [{ cron: '0 3 * * *' }, undefined, { scheduleName: 'nightly' }, { cron: '0 3 * * *', source: 'cron input' }],
    [{}, undefined, { scheduleName: 'nightly' }, undefined],
    [{}, '0 2 * * *', {}, undefined],
    [{}, '0 2 * * *', { scheduleName: 'nightly', name: 'fixed' }, undefined]
  ])('%j with event %s and %j', (inputs, event, backup, expected) => {
    expect(parseScheduleSettings(reader(inputs), event, backup)).toEqual(expected);
  });

  it.each([
    [{ cron: '0 2 * *' }, undefined, { scheduleName: 'nightly' }, /^Input 'cron': '0 2 \* \*' is not a valid cron expression: it has 4 fields/],
    [{ cron: '0 2 * * *' }, undefined, {}, /^Input 'cron': needs schedule-name/],
    [{ cron: '0 2 * * *' }, undefined, { scheduleName: 'n', name: 'fixed' }, /cannot be combined with backup-name/],
    [{}, '0 2 L * *', { scheduleName: 'nightly' }, /^Input 'github.event.schedule'/]
  ])('refuses %j with event %s and %j', (inputs, event, backup, message) => {
    expect(() => parseScheduleSettings(reader(inputs), event, backup)).toThrow(message);
  });
});

describe('lifecycle settings', () => {
  it('has defaults', () => {
    expect(parsePruneSettings(reader({}))).toEqual({ dryRun: false, keepLast: 0, unfinishedGraceMs: 86_400_000, veleroNamespace: 'velero', lease: { ttlMs: 600_000, waitMs: 600_000 } });
    expect(parseSyncSettings(reader({}))).toEqual({ veleroNamespace: 'velero', installCrds: false, lease: { ttlMs: 600_000, waitMs: 600_000 } });
  });

  it('reads every input', () => {
    expect(parsePruneSettings(reader({ 'dry-run': 'true', 'keep-last': '3', 'unfinished-grace': '36h', 'velero-namespace': 'backups', 'lease-ttl': '2m', 'lease-wait': '0' }))).toEqual({
      dryRun: true,
      keepLast: 3,
      unfinishedGraceMs: 36 * 3_600_000,
      veleroNamespace: 'backups',
      lease: { ttlMs: 120_000, waitMs: 0 }
    });
    expect(parseSyncSettings(reader({ 'install-crds': 'yes' })).installCrds).toBe(true);
  });

  it.each([
    [{ 'keep-last': '-1' }, /Input 'keep-last': '-1' is not a whole number/],
    [{ 'keep-last': '2.5' }, /Input 'keep-last'/],
    [{ 'unfinished-grace': '1d' }, /Input 'unfinished-grace'.*Write 24h/],
    [{ 'velero-namespace': 'Velero' }, /Input 'velero-namespace': 'Velero' is not a valid namespace name/],
    [{ 'lease-ttl': '10s' }, /Input 'lease-ttl': '10s' is too short/],
    [{ 'dry-run': 'maybe' }, /Input 'dry-run'/]
  ])('refuses %j', (inputs, message) => {
    expect(() => parsePruneSettings(reader(inputs))).toThrow(message);
  });

  it('reads the lease alone', () => {
    expect(parseLeaseSettings(reader({ 'lease-wait': '30m' }))).toEqual({ ttlMs: 600_000, waitMs: 1_800_000 });
  });
});
