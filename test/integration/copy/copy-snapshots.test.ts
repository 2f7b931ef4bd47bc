import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { Readable } from 'node:stream';
import { runBackup } from '../../../src/backup/run.js';
import { runCopy, type CopyContext } from '../../../src/copy/run-copy.js';
import type { KubeCluster } from '../../../src/kube/kube-cluster.js';
import { copyMarkerKey } from '../../../src/persistence/copy-origin.js';
import { runPrune, type PruneContext } from '../../../src/prune/run-prune.js';
import { SNAPSHOT_DELETION_LABEL } from '../../../src/prune/snapshot-deleter.js';
import { parseBackupSettings, parseLocationPolicy } from '../../../src/settings/backup-settings.js';
import { parseCopySettings } from '../../../src/settings/copy-settings.js';
import { mapReader } from '../../../src/settings/input-reader.js';
import { backupKeys } from '../../../src/storage/layout.js';
import type { ObjectStore, PutOptions } from '../../../src/storage/object-store.js';
import { MemoryLogger } from '../../../src/util/logger.js';
import { verifyBackup } from '../../../src/verify/verify-backup.js';
import { readGzJson } from '../../support/backups.js';
import { clusterFor, createNamespace, deleteNamespacesAndWait, refs, sleeperPod, testClaim, waitFor, waitForPodRunning } from '../../support/cluster.js';
import { CsiSnapshotDouble, whyNoCsiSnapshotDouble } from '../../support/csi-snapshot-double.js';
import { DelegatingStore } from '../../support/delegating-store.js';
import { testEnvironment, uniqueName } from '../../support/environment.js';
import { allKeys, localTestStore, type TestStore } from '../../support/stores.js';
import { pruneSettings } from '../lifecycle/support.js';

// A copy never takes a backup's CSI snapshots, and pruning the copy (complete, or left unfinished by a killed run)
// never deletes them, against the real cluster, the real snapshot deleter and the CSI snapshot test double
// (test/support/csi-snapshot-double.ts). The source's own prune then does delete the snapshot: the same setup that
// leaves it alone for the copy is one that would catch a deletion.
const unavailable = whyNoCsiSnapshotDouble();
const describeWithDouble = unavailable ? describe.skip : describe;

const env = testEnvironment();
const ns = uniqueName('copy-snap');
const HOUR = 3_600_000;
const location = { name: 'default', accessMode: 'ReadWrite' as const };
let cluster: KubeCluster;
let double: CsiSnapshotDouble;
const stores: TestStore[] = [];

function local(): ObjectStore {
  const store = localTestStore();
  stores.push(store);
  return store.store;
}

function copyContext(from: ObjectStore, to: ObjectStore): CopyContext {
  return { source: from, destination: to, verify: (store, backup, signal) => verifyBackup(store, backup, { signal }), logger: new MemoryLogger(), holder: 'test', lease: { renewEveryMs: 0 } };
}

function copySettings(from: ObjectStore, to: ObjectStore, name: string) {
  return parseCopySettings(mapReader({ 'from-backup': name, 'to-location': to.url, 'lease-wait': '0s' }), '/', { location: { kind: 'local', directory: '/unused', url: from.url }, s3: { forcePathStyle: false, insecureSkipTlsVerify: false } });
}

function pruneAt2h(store: ObjectStore): PruneContext {
  const now = new Date(Date.now() + 2 * HOUR);
  return { store, cluster, logger: new MemoryLogger(), clock: () => now, holder: 'test', lease: { renewEveryMs: 0 } };
}

/** Temporary contents prune made for the double's driver: a prune that meant to delete a snapshot leaves a trace. */
async function deletionContents(): Promise<string[]> {
  const made: string[] = [];
  for await (const vsc of cluster.list(double.refs.volumeSnapshotContents, { labelSelector: SNAPSHOT_DELETION_LABEL })) {
    if ((vsc.spec as { driver?: string }).driver === double.driver) made.push(vsc.metadata.name!);
  }
  return made;
}

/** A destination whose run dies before velero-backup.json, and whose cleanup never arrives (a runner killed outright). */
class KilledBeforeCommit extends DelegatingStore {
  override put(key: string, body: Readable | Buffer | string, options?: PutOptions): Promise<void> {
    if (key.endsWith('/velero-backup.json')) return Promise.reject(new Error('the runner was killed'));
    return super.put(key, body, options);
  }
  override async deleteMany(): Promise<void> {}
}

describeWithDouble('copies of a backup with a CSI snapshot (CSI snapshot test double)', () => {
  let source: ObjectStore;
  let name: string;
  let handle: string;

  beforeAll(async () => {
    cluster = clusterFor(env.kubeconfig);
    double = new CsiSnapshotDouble({ kubeconfig: env.kubeconfig });
    await Promise.all([createNamespace(cluster, ns), double.start()]);
    await cluster.create(refs.pvcs, testClaim(ns, 'data', { storageClass: double.storageClassName }));
    await cluster.create(refs.pods, sleeperPod(ns, 'app', env.image, {}, 'data'));
    await waitForPodRunning(cluster, ns, 'app');
    await cluster.exec({ namespace: ns, pod: 'app', container: 'main' }, ['sh', '-c', 'echo snapshotted > /data/file; sync']);
    source = local();
    name = uniqueName('b');
    const reader = mapReader({ 'backup-name': name, 'include-namespaces': ns, ttl: '1h' });
    const backup = await runBackup({ cluster, store: source, logger: new MemoryLogger(), holder: 'test' }, { settings: parseBackupSettings(reader), location: parseLocationPolicy(reader) });
    expect(backup.phase).toBe('Completed');
    const info = await readGzJson<{ backupMethod?: string; csiSnapshotInfo?: { snapshotHandle: string } }[]>(source, backupKeys(name).volumeInfo);
    handle = info.find((entry) => entry.backupMethod === 'CSISnapshot')!.csiSnapshotInfo!.snapshotHandle;
    expect(double.snapshotExists(handle)).toBe(true);
  }, 180_000);

  afterAll(async () => {
    if (!cluster) return;
    await deleteNamespacesAndWait(cluster, [ns]);
    await double.dispose();
    await Promise.all(stores.map((s) => s.cleanup()));
    cluster.close();
  }, 180_000);

  it('pruning a complete copy deletes its files and leaves the snapshot', async () => {
    const destination = local();
    const copied = await runCopy(copyContext(source, destination), copySettings(source, destination, name));
    expect(copied).toMatchObject({ copied: [{ name, snapshotsOwnedBy: source.url }], failed: [] });
    // The copy names the snapshot, as the original does: it is a copy of the files, volumeinfo included.
    expect(await readGzJson(destination, backupKeys(name).volumeInfo)).toEqual(await readGzJson(source, backupKeys(name).volumeInfo));

    const result = await runPrune(pruneAt2h(destination), { settings: pruneSettings(), location });
    expect(result.failures).toEqual([]);
    expect(result.deleted.map((d) => [d.name, d.snapshots])).toEqual([[name, []]]);
    expect(await allKeys(destination)).toEqual([]);
    expect(double.snapshotExists(handle)).toBe(true);
    expect(await deletionContents()).toEqual([]);
  }, 120_000);

  it('pruning what a killed copy left (no velero-backup.json) deletes its files and leaves the snapshot', async () => {
    const destination = local();
    const copied = await runCopy(copyContext(source, new KilledBeforeCommit(destination)), copySettings(source, destination, name));
    expect(copied.failed.map((f) => f.name)).toEqual([name]);
    const left = await allKeys(destination);
    expect(left).toEqual(expect.arrayContaining([copyMarkerKey(name), backupKeys(name).volumeInfo]));
    expect(left).not.toContain(backupKeys(name).metadata);

    const result = await runPrune(pruneAt2h(destination), { settings: pruneSettings({ unfinishedGraceMs: 0 }), location });
    expect(result.failures).toEqual([]);
    expect(result.deleted.map((d) => [d.name, d.reason, d.snapshots])).toEqual([[name, 'unfinished', []]]);
    expect(await allKeys(destination)).toEqual([]);
    expect(double.snapshotExists(handle)).toBe(true);
    expect(await deletionContents()).toEqual([]);
  }, 120_000);

  it("the source's own prune deletes the snapshot with the original", async () => {
    const result = await runPrune(pruneAt2h(source), { settings: pruneSettings(), location });
    expect(result.failures).toEqual([]);
    expect(result.deleted.map((d) => [d.name, d.snapshots.map((s) => [s.handle, s.result])])).toEqual([[name, [[handle, 'deleted']]]]);
    await waitFor(async () => !double.snapshotExists(handle), `snapshot ${handle} deleted by the double`, 30_000);
  }, 120_000);
});
