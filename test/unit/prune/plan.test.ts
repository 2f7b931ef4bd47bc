import { describe, expect, it } from '@jest/globals';
import { completeCandidate, snapshotCount } from '../../../src/prune/candidates.js';
import { keepLastProtected, planPrune, type PruneCandidate, type PrunePolicy } from '../../../src/prune/plan.js';
import { restoreBackupName } from '../../../src/prune/restores.js';

const NOW = new Date('2026-11-24T12:00:00Z');
const HOUR = 3_600_000;
const policy = (overrides: Partial<PrunePolicy> = {}): PrunePolicy => ({ now: NOW, keepLast: 0, unfinishedGraceMs: 24 * HOUR, canDeleteSnapshots: false, ...overrides });
const at = (hoursFromNow: number) => new Date(NOW.getTime() + hoursFromNow * HOUR);

function complete(name: string, expiresIn: number | undefined, extra: Partial<Extract<PruneCandidate, { state: 'complete' }>> = {}): PruneCandidate {
  return { name, state: 'complete', phase: 'Completed', expiration: expiresIn === undefined ? undefined : at(expiresIn), snapshots: 0, ...extra };
}

describe('planPrune', () => {
  it.each<[string, PruneCandidate, Partial<PrunePolicy>, string]>([
    ['expired', complete('a', -1), {}, 'delete:expired'],
    ['expiring exactly now', complete('a', 0), {}, 'delete:expired'],
    ['not expired', complete('a', 1), {}, 'keep:not-expired'],
    ['without expiration', complete('a', undefined), {}, 'keep:no-expiration'],
    ['expired PartiallyFailed', complete('a', -1, { phase: 'PartiallyFailed' }), {}, 'delete:expired'],
    ['expired Failed (Velero writes those)', complete('a', -1, { phase: 'Failed' }), {}, 'delete:expired'],
    ['expired but InProgress', complete('a', -1, { phase: 'InProgress' }), {}, 'keep:in-progress'],
    ['expired, still uploading snapshot data', complete('a', -1, { phase: 'WaitingForPluginOperations' }), {}, 'keep:in-progress'],
    ['expired without phase', complete('a', -1, { phase: undefined }), {}, 'keep:in-progress'],
    ['expired with snapshots nobody can delete', complete('a', -1, { snapshots: 2 }), {}, 'keep:snapshots'],
    ['expired with CSI snapshots only (prune deletes them through the volumeinfo)', complete('a', -1, { csiSnapshots: 2 }), {}, 'delete:expired'],
    ['expired with snapshots a deleter handles', complete('a', -1, { snapshots: 2 }), { canDeleteSnapshots: true }, 'delete:expired'],
    ['unfinished past the grace', { name: 'u', state: 'unfinished', lastModified: at(-25) }, {}, 'delete:unfinished'],
    ['unfinished exactly at the grace', { name: 'u', state: 'unfinished', lastModified: at(-24) }, {}, 'delete:unfinished'],
    ['unfinished within the grace', { name: 'u', state: 'unfinished', lastModified: at(-23) }, {}, 'keep:unfinished-recent'],
    ['unfinished by an interrupted prune, however recent', { name: 'u', state: 'unfinished', lastModified: at(-0.1), pruning: true }, {}, 'delete:unfinished'],
    ['unfinished, zero grace', { name: 'u', state: 'unfinished', lastModified: at(-0.001) }, { unfinishedGraceMs: 0 }, 'delete:unfinished'],
    ['corrupt', { name: 'c', state: 'corrupt', problem: 'bad json' }, {}, 'keep:corrupt']
  ])('%s', (_, candidate, overrides, expected) => {
    const [decision] = planPrune([candidate], policy(overrides));
    expect(`${decision!.action}:${decision!.reason}`).toBe(expected);
  });

  it('keeps the N newest Completed backups of each schedule even when expired', () => {
    const candidates: PruneCandidate[] = [
      complete('nightly-1', -72, { scheduleName: 'nightly', startedAt: at(-800) }),
      complete('nightly-2', -48, { scheduleName: 'nightly', startedAt: at(-776) }),
      complete('nightly-3', -24, { scheduleName: 'nightly', startedAt: at(-752), phase: 'PartiallyFailed' }),
      complete('nightly-4', -1, { scheduleName: 'nightly', startedAt: at(-728) }),
      complete('weekly-1', -100, { scheduleName: 'weekly', startedAt: at(-900) }),
      complete('manual', -100, { startedAt: at(-1) })
    ];
    const decisions = planPrune(candidates, policy({ keepLast: 2 }));
    expect(decisions.map((d) => `${d.name}:${d.action}:${d.reason}`)).toEqual([
      'nightly-1:delete:expired',
      'nightly-2:keep:keep-last',
      'nightly-3:delete:expired', // PartiallyFailed neither counts nor is protected
      'nightly-4:keep:keep-last',
      'weekly-1:keep:keep-last',
      'manual:delete:expired' // no schedule: TTL only
    ]);
  });

  it('counts unexpired backups towards keep-last', () => {
    const candidates = [
      complete('n-1', -10, { scheduleName: 'n', startedAt: at(-30) }),
      complete('n-2', -5, { scheduleName: 'n', startedAt: at(-20) }),
      complete('n-3', 100, { scheduleName: 'n', startedAt: at(-10) })
    ];
    expect(planPrune(candidates, policy({ keepLast: 2 })).map((d) => d.reason)).toEqual(['expired', 'keep-last', 'not-expired']);
  });
});

describe('keepLastProtected', () => {
  it('protects nothing with 0, and orders by start time then name', () => {
    const c = [complete('s-b', -1, { scheduleName: 's' }), complete('s-a', -1, { scheduleName: 's' }), complete('s-c', -1, { scheduleName: 's', startedAt: at(-5) })];
    expect(keepLastProtected(c, 0)).toEqual(new Set());
    expect(keepLastProtected(c, 2)).toEqual(new Set(['s-c', 's-b']));
  });
});

describe('completeCandidate', () => {
  it('reads a Backup object', () => {
    const backup = {
      apiVersion: 'velero.io/v1',
      kind: 'Backup',
      metadata: { name: 'nightly-20261101020000', labels: { 'velero.io/schedule-name': 'nightly' }, creationTimestamp: '2026-11-01T02:00:05Z' },
      status: { phase: 'Completed', expiration: '2026-12-01T02:00:05Z', startTimestamp: '2026-11-01T02:00:06Z', volumeSnapshotsAttempted: 1, csiVolumeSnapshotsCompleted: 2 }
    };
    expect(completeCandidate('nightly-20261101020000', backup)).toEqual({
      name: 'nightly-20261101020000',
      state: 'complete',
      phase: 'Completed',
      expiration: new Date('2026-12-01T02:00:05Z'),
      startedAt: new Date('2026-11-01T02:00:06Z'),
      scheduleName: 'nightly',
      // Native snapshots block (nothing here deletes them); CSI ones are deleted through the volumeinfo.
      snapshots: 1,
      csiSnapshots: 2
    });
  });

  it('falls back to the creation time and treats bad dates as absent', () => {
    const c = completeCandidate('x', { metadata: { creationTimestamp: '2026-11-01T02:00:05Z' }, status: { expiration: 'soon' } });
    expect(c).toMatchObject({ startedAt: new Date('2026-11-01T02:00:05Z'), expiration: undefined, snapshots: 0, csiSnapshots: 0 });
  });

  it('counts attempted snapshots too', () => {
    expect(snapshotCount({ volumeSnapshotsAttempted: 3, volumeSnapshotsCompleted: 2 })).toBe(3);
    expect(snapshotCount({})).toBe(0);
  });
});

describe('restoreBackupName', () => {
  it.each([
    ['{"apiVersion":"velero.io/v1","kind":"Restore","metadata":{"name":"r"},"spec":{"backupName":"b"}}', { backupName: 'b' }],
    ['{"kind":"Restore","spec":{}}', { problem: 'velero-restore.json names no spec.backupName' }],
    ['{"kind":"Backup"}', { problem: 'velero-restore.json does not hold a Restore object' }],
    ['{', { problem: 'velero-restore.json is not valid JSON' }]
  ])('%s', (text, expected) => {
    expect(restoreBackupName(text)).toEqual(expected);
  });
});
