import { describe, expect, it } from '@jest/globals';
import { gzipSync } from 'node:zlib';
import { pruneSummary } from '../../../src/report/prune-report.js';
import { pruneMarkerKey, runPrune, type PruneContext } from '../../../src/prune/run-prune.js';
import { saysSnapshotMissing, type SnapshotDeleter, type SnapshotDeletion } from '../../../src/prune/snapshot-deleter.js';
import { inventoryOf, type CsiSnapshotRef } from '../../../src/prune/snapshots.js';
import type { PruneSettings } from '../../../src/settings/lifecycle-settings.js';
import { backupKeys } from '../../../src/storage/layout.js';
import type { ObjectStore } from '../../../src/storage/object-store.js';
import { MemoryLogger } from '../../../src/util/logger.js';
import { MemoryStore } from '../lease/memory-store.js';

const NOW = new Date('2026-11-24T12:00:00Z');
const DAY = 86_400_000;
const settings = (overrides: Partial<PruneSettings> = {}): PruneSettings => ({
  dryRun: false,
  keepLast: 0,
  unfinishedGraceMs: DAY,
  veleroNamespace: 'velero',
  lease: { ttlMs: 600_000, waitMs: 0 },
  ...overrides
});
const location = { name: 'default', accessMode: 'ReadWrite' as const };

function csiEntry(claim: string, handle: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    pvcName: claim,
    pvcNamespace: 'shop',
    pvName: `pv-${claim}`,
    backupMethod: 'CSISnapshot',
    snapshotDataMoved: false,
    preserveLocalSnapshot: true,
    skipped: false,
    result: 'succeeded',
    csiSnapshotInfo: { snapshotHandle: handle, size: 1024, driver: 'disk.csi.example.com', vscName: `snapcontent-${handle}`, ReadyToUse: true },
    ...extra
  };
}

/** An expired backup folder as run.ts writes it, with `volumeInfo` (undefined: none) and Velero's CSI counters. */
async function putBackup(store: MemoryStore, name: string, volumeInfo: unknown, status: Record<string, unknown> = {}, locationName = 'default'): Promise<void> {
  const keys = backupKeys(name);
  const backup = {
    apiVersion: 'velero.io/v1',
    kind: 'Backup',
    metadata: { name, namespace: 'velero', labels: { 'velero.io/storage-location': locationName } },
    status: { phase: 'Completed', startTimestamp: new Date(NOW.getTime() - 30 * DAY).toISOString(), expiration: new Date(NOW.getTime() - DAY).toISOString(), ...status }
  };
  await store.put(keys.tarball, Buffer.alloc(1000));
  await store.put(keys.logs, 'log');
  if (volumeInfo !== undefined) await store.put(keys.volumeInfo, gzipSync(JSON.stringify(volumeInfo)));
  await store.put(keys.metadata, JSON.stringify(backup));
}

/** A deleter that records its calls (and the store's keys at each), failing the handles in `failing`. */
class RecordingDeleter implements SnapshotDeleter {
  readonly calls: { backup: string; handle: string; keysThen: string[] }[] = [];
  constructor(
    private readonly store: MemoryStore,
    readonly failing = new Set<string>(),
    private readonly why?: string
  ) {}
  async unavailable(): Promise<string | undefined> {
    return this.why;
  }
  async delete(backup: string, snapshot: CsiSnapshotRef): Promise<SnapshotDeletion> {
    this.calls.push({ backup, handle: snapshot.handle, keysThen: this.store.keys(`backups/${backup}/`) });
    const base = { handle: snapshot.handle, driver: snapshot.driver, claim: snapshot.claim };
    if (this.why) return { ...base, result: 'failed', message: this.why };
    return this.failing.has(snapshot.handle) ? { ...base, result: 'failed', message: 'the driver refused' } : { ...base, result: 'deleted' };
  }
}

const context = (store: ObjectStore, snapshots: SnapshotDeleter): PruneContext => ({ store, logger: new MemoryLogger(), clock: () => NOW, holder: 'test', lease: { renewEveryMs: 0 }, snapshots });

describe('inventoryOf', () => {
  it('takes CSI snapshots by handle and driver, once each, and ignores copies and skipped volumes', () => {
    const inventory = inventoryOf(
      [
        { pvName: 'pv-x', skipped: true, skippedReason: 'any: ...;', snapshotDataMoved: false, preserveLocalSnapshot: false },
        { backupMethod: 'PodVolumeBackup', skipped: false, snapshotDataMoved: false, preserveLocalSnapshot: false },
        csiEntry('data', 'snap-1'),
        csiEntry('data-again', 'snap-1'),
        csiEntry('logs', 'snap-2')
      ],
      'b'
    );
    expect(inventory).toEqual({
      csi: [
        { handle: 'snap-1', driver: 'disk.csi.example.com', vscName: 'snapcontent-snap-1', claim: 'shop/data-again' },
        { handle: 'snap-2', driver: 'disk.csi.example.com', vscName: 'snapcontent-snap-2', claim: 'shop/logs' }
      ],
      warnings: []
    });
  });

  it.each<[string, unknown, Partial<ReturnType<typeof inventoryOf>>]>([
    ["Velero's empty list (null)", null, { csi: [], warnings: [] }],
    ['a native snapshot', [csiEntry('a', 's'), { backupMethod: 'NativeSnapshot', snapshotDataMoved: false }], { blocked: expect.stringMatching(/^1 native volume snapshots .* cannot delete/) as unknown as string }],
    ['a data-mover upload', [csiEntry('a', 'unknown', { snapshotDataMoved: true })], { csi: [], blocked: expect.stringMatching(/^1 data-mover uploads/) as unknown as string }],
    ['no handle', [csiEntry('a', '')], { csi: [], warnings: [expect.stringMatching(/without a snapshot handle/) as unknown as string] }],
    ['not an array', { entries: [] }, { problem: 'volumeinfo is not a JSON array' } as never]
  ])('%s', (_, entries, expected) => {
    expect(inventoryOf(entries, 'b')).toMatchObject(expected);
  });
});

describe('saysSnapshotMissing', () => {
  it.each([
    ['Failed to check and update snapshot content: can not find snapshot for snapshotID snap-1', true],
    ['snapshot snap-1 not found', true],
    ['failed to get credentials for snapshot content vsc-1: secrets "creds" not found', false],
    ['rpc error: code = Unavailable desc = connection refused (snap-1)', false]
  ])('%s', (message, expected) => {
    expect(saysSnapshotMissing(message, 'snap-1')).toBe(expected);
  });
});

describe('prune with CSI snapshots', () => {
  it('deletes the snapshots before any file, and lists them in the result and summary', async () => {
    const store = new MemoryStore();
    await putBackup(store, 'old', [csiEntry('data', 'snap-1'), csiEntry('logs', 'snap-2')], { csiVolumeSnapshotsAttempted: 2, csiVolumeSnapshotsCompleted: 2 });
    const deleter = new RecordingDeleter(store);
    const result = await runPrune(context(store, deleter), { settings: settings(), location });
    expect(result.failures).toEqual([]);
    expect(deleter.calls.map((c) => c.handle)).toEqual(['snap-1', 'snap-2']);
    // Every file (velero-backup.json first of all) was still there when the first snapshot was deleted.
    expect(deleter.calls[0]!.keysThen).toEqual(expect.arrayContaining([backupKeys('old').metadata, backupKeys('old').tarball, backupKeys('old').volumeInfo]));
    expect(result.deleted[0]!.snapshots.map((s) => [s.handle, s.result])).toEqual([
      ['snap-1', 'deleted'],
      ['snap-2', 'deleted']
    ]);
    expect(store.keys('backups/old/')).toEqual([]);
    const summary = pruneSummary(result);
    expect(summary).toContain('1 backups deleted with 2 CSI snapshots');
    expect(summary).toContain('| old | shop/logs | disk.csi.example.com | snap-2 | deleted |');
  });

  it('keeps every file of a backup when one snapshot fails, and the next prune deletes only what is left', async () => {
    const store = new MemoryStore();
    await putBackup(store, 'old', [csiEntry('data', 'snap-1'), csiEntry('logs', 'snap-2')]);
    const before = store.keys('backups/old/');
    const failing = new RecordingDeleter(store, new Set(['snap-2']));
    const first = await runPrune(context(store, failing), { settings: settings(), location });
    expect(first.deleted).toEqual([]);
    expect(first.failures).toEqual([
      {
        name: 'old',
        message: '1 of its 2 CSI snapshots could not be deleted, so none of its files was: the driver refused',
        snapshots: [expect.objectContaining({ handle: 'snap-1', result: 'deleted' }), expect.objectContaining({ handle: 'snap-2', result: 'failed', message: 'the driver refused' })]
      }
    ]);
    // All files stay; the prune marker names the snapshot already deleted.
    expect(store.keys('backups/old/')).toEqual([...before, pruneMarkerKey('old')].sort());
    expect(JSON.parse(store.text(pruneMarkerKey('old'))!)).toMatchObject({ snapshotsDeleted: ['snap-1'] });
    expect(pruneSummary(first)).toMatch(/\| old \| shop\/logs \| disk\.csi\.example\.com \| snap-2 \| failed: the driver refused \|/);

    const healthy = new RecordingDeleter(store);
    const second = await runPrune(context(store, healthy), { settings: settings(), location });
    expect(second.failures).toEqual([]);
    expect(healthy.calls.map((c) => c.handle)).toEqual(['snap-2']);
    expect(second.deleted[0]!.snapshots.map((s) => [s.handle, s.result])).toEqual([
      ['snap-1', 'already-gone'],
      ['snap-2', 'deleted']
    ]);
    expect(store.keys('backups/old/')).toEqual([]);
  });

  it('fails, keeping the files, when no snapshot can be deleted at all', async () => {
    const store = new MemoryStore();
    await putBackup(store, 'old', [csiEntry('data', 'snap-1')]);
    const result = await runPrune(context(store, new RecordingDeleter(store, new Set(), 'prune runs without a cluster connection')), { settings: settings(), location });
    expect(result.failures).toEqual([expect.objectContaining({ name: 'old', message: expect.stringContaining('prune runs without a cluster connection') })]);
    expect(store.keys('backups/old/')).toContain(backupKeys('old').metadata);
  });

  it('lists the snapshots in a dry run, deleting nothing, and warns when they could not be deleted now', async () => {
    const store = new MemoryStore();
    await putBackup(store, 'old', [csiEntry('data', 'snap-1')]);
    const before = store.keys();
    const deleter = new RecordingDeleter(store, new Set(), 'the cluster serves no snapshot.storage.k8s.io API');
    const result = await runPrune(context(store, deleter), { settings: settings({ dryRun: true }), location });
    expect(deleter.calls).toEqual([]);
    expect(result.deleted[0]!.snapshots).toEqual([{ handle: 'snap-1', driver: 'disk.csi.example.com', claim: 'shop/data', result: 'would-delete' }]);
    expect(result.warnings).toEqual([expect.stringMatching(/^Backup old: its 1 CSI snapshots could not be deleted now \(the cluster serves no/)]);
    expect(pruneSummary(result)).toContain('### CSI snapshots that would be deleted');
    expect(store.keys()).toEqual(before);
  });

  it.each<[string, unknown, Record<string, unknown>, string, RegExp]>([
    ['CSI snapshots counted but no volumeinfo (an older backup)', undefined, { csiVolumeSnapshotsAttempted: 1 }, 'default', /^1 CSI snapshots its record counts, and no old-volumeinfo\.json\.gz/],
    ['a native snapshot in the volumeinfo', [csiEntry('a', 's'), { backupMethod: 'NativeSnapshot' }], {}, 'default', /^1 native volume snapshots/],
    ["another location's snapshots", [csiEntry('a', 's')], {}, 'elsewhere', /taken for location 'elsewhere' .* not 'default'/]
  ])('keeps, deleting nothing, a backup with %s', async (_, volumeInfo, status, locationName, detail) => {
    const store = new MemoryStore();
    await putBackup(store, 'old', volumeInfo, status, locationName);
    const before = store.keys();
    const deleter = new RecordingDeleter(store);
    const result = await runPrune(context(store, deleter), { settings: settings(), location });
    expect(deleter.calls).toEqual([]);
    expect(result.deleted).toEqual([]);
    expect(result.kept).toEqual([{ name: 'old', reason: 'snapshots', detail: expect.stringMatching(detail) }]);
    expect(store.keys()).toEqual(before);
  });

  it('deletes the snapshots of an unfinished folder too', async () => {
    const store = new MemoryStore();
    store.now = () => new Date(NOW.getTime() - 2 * DAY);
    await store.put(backupKeys('crashed').volumeInfo, gzipSync(JSON.stringify([csiEntry('data', 'snap-9')])));
    const deleter = new RecordingDeleter(store);
    const result = await runPrune(context(store, deleter), { settings: settings(), location });
    expect(deleter.calls.map((c) => c.handle)).toEqual(['snap-9']);
    expect(result.deleted.map((b) => [b.name, b.reason, b.snapshots.length])).toEqual([['crashed', 'unfinished', 1]]);
  });

  it('fails on a volumeinfo it cannot read, unless the record says there were no CSI snapshots', async () => {
    const store = new MemoryStore();
    await putBackup(store, 'counted', undefined, { csiVolumeSnapshotsAttempted: 1 });
    await store.put(backupKeys('counted').volumeInfo, 'not gzip');
    await putBackup(store, 'none', undefined);
    await store.put(backupKeys('none').volumeInfo, 'not gzip');
    const result = await runPrune(context(store, new RecordingDeleter(store)), { settings: settings(), location });
    expect(result.failures).toEqual([{ name: 'counted', message: expect.stringMatching(/^cannot read backups\/counted\/counted-volumeinfo\.json\.gz/) }]);
    expect(result.deleted.map((b) => b.name)).toEqual(['none']);
    expect(result.warnings).toEqual([expect.stringMatching(/^Backup none: .* cannot be read .* its record says it took no CSI snapshots/)]);
  });
});
