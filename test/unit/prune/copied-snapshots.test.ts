import { gzipSync } from 'node:zlib';
import { describe, expect, it } from '@jest/globals';
import { copyMarkerBody, copyMarkerKey, snapshotsOwnedBy } from '../../../src/persistence/copy-origin.js';
import { runPrune, type PruneContext } from '../../../src/prune/run-prune.js';
import type { SnapshotDeleter, SnapshotDeletion } from '../../../src/prune/snapshot-deleter.js';
import { readSnapshotInventory, type CsiSnapshotRef } from '../../../src/prune/snapshots.js';
import { backupKeys } from '../../../src/storage/layout.js';
import { MemoryLogger } from '../../../src/util/logger.js';
import { ANNOTATIONS } from '../../../src/velero/vocabulary.js';
import { MemoryStore } from '../lease/memory-store.js';

// A copy's volumeinfo names the source location's CSI snapshots: pruning the copy must delete its files only, whether
// the copy completed (its velero-backup.json says whose the snapshots are) or was interrupted (its marker does).
const NOW = new Date('2026-11-24T12:00:00Z');
const DAY = 86_400_000;
const location = { name: 'default', accessMode: 'ReadWrite' as const };
const settings = { dryRun: false, keepLast: 0, unfinishedGraceMs: DAY, veleroNamespace: 'velero', lease: { ttlMs: 600_000, waitMs: 0 } };
const SOURCE = 's3://prod-backups/eu';
const volumeInfo = [{ pvcName: 'data', pvcNamespace: 'shop', backupMethod: 'CSISnapshot', snapshotDataMoved: false, csiSnapshotInfo: { snapshotHandle: 'snap-1', driver: 'disk.csi.example.com' } }];

function backupObject(name: string, annotations: Record<string, string>) {
  return {
    apiVersion: 'velero.io/v1',
    kind: 'Backup',
    metadata: { name, namespace: 'velero', labels: { 'velero.io/storage-location': 'default' }, annotations },
    status: { phase: 'Completed', startTimestamp: new Date(NOW.getTime() - 30 * DAY).toISOString(), expiration: new Date(NOW.getTime() - DAY).toISOString(), csiVolumeSnapshotsCompleted: 1 }
  };
}

/** An expired backup folder naming snapshot snap-1; `owner` annotates it as a copy, `unfinished` leaves out its record. */
async function putBackup(store: MemoryStore, name: string, options: { owner?: string; marker?: boolean; unfinished?: boolean }): Promise<void> {
  const keys = backupKeys(name);
  if (options.marker) await store.put(copyMarkerKey(name), copyMarkerBody(options.owner ?? SOURCE));
  await store.put(keys.tarball, Buffer.alloc(1000));
  await store.put(keys.volumeInfo, gzipSync(JSON.stringify(volumeInfo)));
  if (!options.unfinished) await store.put(keys.metadata, JSON.stringify(backupObject(name, options.owner ? { [ANNOTATIONS.snapshotsOwnedBy]: options.owner } : {})));
}

class RecordingDeleter implements SnapshotDeleter {
  readonly calls: string[] = [];
  async unavailable(): Promise<string | undefined> {
    return undefined;
  }
  async delete(backup: string, snapshot: CsiSnapshotRef): Promise<SnapshotDeletion> {
    this.calls.push(`${backup}:${snapshot.handle}`);
    return { handle: snapshot.handle, driver: snapshot.driver, result: 'deleted' };
  }
}

function pruneContext(store: MemoryStore, snapshots: SnapshotDeleter, clock = NOW): PruneContext {
  return { store, logger: new MemoryLogger(), clock: () => clock, holder: 'test', lease: { renewEveryMs: 0 }, snapshots };
}

describe('prune of a copy', () => {
  it.each<[string, { owner?: string; marker?: boolean; unfinished?: boolean }, string[]]>([
    ['taken here: its snapshot is deleted', {}, ['b:snap-1']],
    ['a complete copy: files only', { owner: SOURCE, marker: true }, []],
    ['an interrupted copy (marker, no record): files only', { marker: true, unfinished: true }, []],
    ['a copy annotated with this very location: its snapshot is deleted', { owner: 'memory://test' }, ['b:snap-1']]
  ])('%s', async (_, options, deletedSnapshots) => {
    const store = new MemoryStore();
    store.now = () => new Date(NOW.getTime() - 2 * DAY);
    await putBackup(store, 'b', options);
    const deleter = new RecordingDeleter();
    const result = await runPrune(pruneContext(store, deleter), { settings, location });
    expect(result.failures).toEqual([]);
    expect(result.deleted.map((d) => d.name)).toEqual(['b']);
    expect(deleter.calls).toEqual(deletedSnapshots);
    expect(store.keys('backups/b/')).toEqual([]);
  });
});

describe('readSnapshotInventory of a copy', () => {
  it('names no snapshot, and says whose they are', async () => {
    const store = new MemoryStore();
    await putBackup(store, 'b', { owner: SOURCE });
    const backup = backupObject('b', { [ANNOTATIONS.snapshotsOwnedBy]: SOURCE });
    expect(await readSnapshotInventory(store, 'b', backup, 'default')).toEqual({ csi: [], warnings: [], snapshotsOwnedBy: SOURCE });
    expect(snapshotsOwnedBy(backup)).toBe(SOURCE);
    expect(snapshotsOwnedBy(backupObject('b', {}))).toBeUndefined();
  });
});
