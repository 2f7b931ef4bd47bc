import fs from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { runBackup } from '../../../src/backup/run.js';
import type { DiscoveryResult, WriteOptions } from '../../../src/kube/cluster.js';
import type { KubeCluster } from '../../../src/kube/kube-cluster.js';
import type { KubeObject } from '../../../src/model/kube-object.js';
import type { ResourceRef } from '../../../src/model/resource-ref.js';
import { runPrune, type PruneContext, type PruneResult } from '../../../src/prune/run-prune.js';
import { SNAPSHOT_DELETION_LABEL } from '../../../src/prune/snapshot-deleter.js';
import { pruneSummary } from '../../../src/report/prune-report.js';
import { parseBackupSettings, parseLocationPolicy } from '../../../src/settings/backup-settings.js';
import { mapReader } from '../../../src/settings/input-reader.js';
import { backupKeys } from '../../../src/storage/layout.js';
import type { ObjectStore } from '../../../src/storage/object-store.js';
import { runSync } from '../../../src/sync/run-sync.js';
import { BACKUP_REF } from '../../../src/velero/backup-crd.js';
import { MemoryLogger } from '../../../src/util/logger.js';
import { readGzJson } from '../../support/backups.js';
import { clusterFor, createNamespace, deleteNamespacesAndWait, refs, sleeperPod, testClaim, waitFor, waitForPodRunning } from '../../support/cluster.js';
import { CsiSnapshotDouble, SNAPSHOT_GROUP, whyNoCsiSnapshotDouble } from '../../support/csi-snapshot-double.js';
import { DelegatingCluster } from '../../support/delegating-cluster.js';
import { testEnvironment, uniqueName } from '../../support/environment.js';
import { allKeys, localTestStore, type TestStore } from '../../support/stores.js';
import { pruneSettings, syncSettings } from '../lifecycle/support.js';
import { writeVeleroBackup } from '../lifecycle/velero-fixture.js';

// Prune deletes a backup's CSI snapshots, found in its volumeinfo, before any of its files, through a temporary
// VolumeSnapshotContent, against the real cluster and the CSI snapshot test double (test/support/csi-snapshot-double.ts):
// backups taken exactly as csi-snapshots.test.ts takes them, expired by running prune two hours ahead.
const unavailable = whyNoCsiSnapshotDouble();
const describeWithDouble = unavailable ? describe.skip : describe;

const env = testEnvironment();
const ns = uniqueName('prune-snap');
const recordsNamespace = uniqueName('prune-snap-velero');
const HOUR = 3_600_000;
const location = { name: 'default', accessMode: 'ReadWrite' as const };
let cluster: KubeCluster;
let double: CsiSnapshotDouble;
const stores: TestStore[] = [];

/** A store holding one backup of the namespace with a CSI snapshot of its claim, expiring in an hour; its handle. */
async function backupWithSnapshot(): Promise<{ store: ObjectStore; name: string; handle: string }> {
  const test = localTestStore();
  stores.push(test);
  const name = uniqueName('b');
  const reader = mapReader({ 'backup-name': name, 'include-namespaces': ns, ttl: '1h' });
  const backup = await runBackup({ cluster, store: test.store, logger: new MemoryLogger(), holder: 'test' }, { settings: parseBackupSettings(reader), location: parseLocationPolicy(reader) });
  expect(backup.phase).toBe('Completed');
  const info = await readGzJson<{ backupMethod?: string; csiSnapshotInfo?: { snapshotHandle: string } }[]>(test.store, backupKeys(name).volumeInfo);
  const handle = info.find((entry) => entry.backupMethod === 'CSISnapshot')?.csiSnapshotInfo?.snapshotHandle;
  expect(handle).toBeDefined();
  expect(double.snapshotExists(handle!)).toBe(true);
  return { store: test.store, name, handle: handle! };
}

function pruneAt2h(store: ObjectStore, extra: Partial<PruneContext> = {}): PruneContext {
  const now = new Date(Date.now() + 2 * HOUR);
  return { store, cluster, logger: new MemoryLogger(), clock: () => now, holder: 'test', lease: { renewEveryMs: 0 }, ...extra };
}

async function backupFiles(store: ObjectStore, name: string): Promise<string[]> {
  return (await allKeys(store)).filter((key) => key.startsWith(backupKeys(name).folder));
}

/** Temporary contents of prune's still in the cluster for the double's driver: none may be left behind. */
async function leftoverContents(): Promise<string[]> {
  const left: string[] = [];
  for await (const vsc of cluster.list(double.refs.volumeSnapshotContents, { labelSelector: SNAPSHOT_DELETION_LABEL })) {
    if ((vsc.spec as { driver?: string }).driver === double.driver) left.push(vsc.metadata.name!);
  }
  return left;
}

/** The cluster as one without the snapshot CRDs sees it. */
class NoSnapshotApiCluster extends DelegatingCluster {
  override async discover(): Promise<DiscoveryResult> {
    const found = await this.real.discover();
    return { ...found, groups: found.groups.filter((g) => g.name !== SNAPSHOT_GROUP), resources: found.resources.filter((r) => r.group !== SNAPSHOT_GROUP) };
  }
}

/** Records the objects created through it. */
class RecordingCluster extends DelegatingCluster {
  readonly created: string[] = [];
  override create(ref: ResourceRef, object: KubeObject, options?: WriteOptions): Promise<KubeObject> {
    this.created.push(`${ref.resource}/${object.metadata.name ?? object.metadata.generateName}`);
    return this.real.create(ref, object, options);
  }
}

function failureOf(result: PruneResult, name: string) {
  const failure = result.failures.find((f) => f.name === name);
  if (!failure) throw new Error(`${name} did not fail: ${JSON.stringify(result)}`);
  return failure;
}

describeWithDouble('prune deletes CSI snapshots (CSI snapshot test double)', () => {
  beforeAll(async () => {
    cluster = clusterFor(env.kubeconfig);
    double = new CsiSnapshotDouble({ kubeconfig: env.kubeconfig });
    await Promise.all([createNamespace(cluster, ns), double.start()]);
    await cluster.create(refs.pvcs, testClaim(ns, 'data', { storageClass: double.storageClassName }));
    await cluster.create(refs.pods, sleeperPod(ns, 'app', env.image, {}, 'data'));
    await waitForPodRunning(cluster, ns, 'app');
    await cluster.exec({ namespace: ns, pod: 'app', container: 'main' }, ['sh', '-c', 'echo snapshotted > /data/file; sync']);
  }, 180_000);

  afterAll(async () => {
    if (!cluster) return;
    await deleteNamespacesAndWait(cluster, [ns, recordsNamespace]);
    await double.dispose();
    await Promise.all(stores.map((s) => s.cleanup()));
    cluster.close();
  }, 180_000);

  it('deletes the snapshot, then the files of the expired backup', async () => {
    const { store, name, handle } = await backupWithSnapshot();
    const result = await runPrune(pruneAt2h(store), { settings: pruneSettings(), location });

    expect(result.failures).toEqual([]);
    expect(result.deleted.map((b) => [b.name, b.snapshots])).toEqual([[name, [{ handle, driver: double.driver, claim: `${ns}/data`, result: 'deleted' }]]]);
    await waitFor(async () => !double.snapshotExists(handle), `snapshot ${handle} deleted by the double`, 30_000);
    expect(await backupFiles(store, name)).toEqual([]);
    expect(await leftoverContents()).toEqual([]);
    expect(double.actions).toEqual(expect.arrayContaining([expect.stringMatching(new RegExp(`^content vsc-[0-9a-f-]+ gone, snapshot ${handle} deleted$`))]));
    expect(pruneSummary(result)).toContain(`| ${name} | ${ns}/data | ${double.driver} | ${handle} | deleted |`);
    expect(double.errors).toEqual([]);
  });

  it('keeps every file while the snapshot cannot be deleted, and the next prune deletes both', async () => {
    const { store, name, handle } = await backupWithSnapshot();
    const files = await backupFiles(store, name);
    const stillThere = async () => {
      expect(double.snapshotExists(handle)).toBe(true);
      // Every file stays (velero-backup.json above all, so the next prune finds the backup again).
      expect((await backupFiles(store, name)).filter((key) => !key.endsWith('/kube-backup-pruning.json'))).toEqual(files);
    };

    // No cluster connection: the snapshot cannot be reached at all.
    const disconnected = await runPrune(pruneAt2h(store, { cluster: undefined }), { settings: pruneSettings(), location });
    expect(disconnected.deleted).toEqual([]);
    expect(failureOf(disconnected, name).message).toMatch(/could not be deleted, so none of its files was: prune runs without a cluster connection/);
    await stillThere();

    // A cluster that serves no snapshot API.
    const noApi = await runPrune(pruneAt2h(store, { cluster: new NoSnapshotApiCluster(cluster) }), { settings: pruneSettings(), location });
    expect(failureOf(noApi, name).snapshots).toEqual([expect.objectContaining({ handle, result: 'failed', message: expect.stringMatching(/serves no snapshot\.storage\.k8s\.io API/) })]);
    await stillThere();

    // The driver's sidecar is down: the temporary content is never made ready, so it is withdrawn untouched.
    await double.stop();
    const started = Date.now();
    const silent = await runPrune(pruneAt2h(store, { snapshotWaits: { readyTimeoutMs: 3_000, pollMs: 200 } }), { settings: pruneSettings(), location });
    expect(Date.now() - started).toBeLessThan(30_000);
    expect(failureOf(silent, name).snapshots).toEqual([
      expect.objectContaining({ handle, result: 'failed', message: expect.stringMatching(/^the driver did not find the snapshot within 3s \(no snapshot handle in its status yet/) })
    ]);
    expect(pruneSummary(silent)).toMatch(new RegExp(`\\| ${name} \\| ${ns}/data \\| .* \\| ${handle} \\| failed: the driver did not find the snapshot`));
    expect(await leftoverContents()).toEqual([]);
    await stillThere();

    // The fault is gone. The double catches up on what it missed (its watch resumes where it stopped), as a
    // sidecar back from an outage may: the withdrawn content was set to Retain, so the snapshot is still there.
    await double.start();
    const withdrawn = new RegExp(`^content vsc-[0-9a-f-]+ gone, snapshot ${handle} retained$`);
    await waitFor(async () => double.actions.some((action) => withdrawn.test(action)), 'the double to see the withdrawn content', 15_000);
    expect(double.snapshotExists(handle)).toBe(true);
    // The next prune deletes the snapshot, then the backup.
    const next = await runPrune(pruneAt2h(store), { settings: pruneSettings(), location });
    expect(next.failures).toEqual([]);
    expect(next.deleted.map((b) => [b.name, b.snapshots.map((s) => [s.handle, s.result])])).toEqual([[name, [[handle, 'deleted']]]]);
    await waitFor(async () => !double.snapshotExists(handle), `snapshot ${handle} deleted by the double`, 30_000);
    expect(await backupFiles(store, name)).toEqual([]);
    expect(await leftoverContents()).toEqual([]);
    expect(double.errors).toEqual([]);
  });

  it('deletes the backup of a snapshot deleted out of band, which its driver no longer finds', async () => {
    const { store, name, handle } = await backupWithSnapshot();
    fs.rmSync(double.snapshotDir(handle), { recursive: true, force: true }); // someone deleted it in the cloud's console
    const result = await runPrune(pruneAt2h(store), { settings: pruneSettings(), location });
    expect(result.failures).toEqual([]);
    expect(result.deleted.map((b) => [b.name, b.snapshots])).toEqual([
      [name, [expect.objectContaining({ handle, result: 'already-gone', message: `the driver reports no such snapshot: snapshot ${handle} not found` })]]
    ]);
    expect(await backupFiles(store, name)).toEqual([]);
    expect(await leftoverContents()).toEqual([]);
  });

  it('lists the snapshot in a dry run, and deletes nothing', async () => {
    const { store, name, handle } = await backupWithSnapshot();
    const before = await allKeys(store);
    const recording = new RecordingCluster(cluster);
    const result = await runPrune(pruneAt2h(store, { cluster: recording }), { settings: pruneSettings({ dryRun: true }), location });

    expect(result.deleted.map((b) => [b.name, b.snapshots])).toEqual([[name, [{ handle, driver: double.driver, claim: `${ns}/data`, result: 'would-delete' }]]]);
    expect(result.warnings).toEqual([]);
    expect(pruneSummary(result)).toContain('### CSI snapshots that would be deleted');
    expect(recording.created).toEqual([]);
    expect(await allKeys(store)).toEqual(before);
    expect(double.snapshotExists(handle)).toBe(true);
  });

  it("never deletes a snapshot through another location or the cluster's record of the backup", async () => {
    const { store, name, handle } = await backupWithSnapshot();
    // The cluster records the backup (a sync of its location), and another location holds an expired backup of the same name.
    const synced = await runSync({ store, cluster, logger: new MemoryLogger(), holder: 'test', lease: { renewEveryMs: 0 } }, { settings: syncSettings({ veleroNamespace: recordsNamespace }), location });
    expect(synced.created).toEqual([name]);
    const other = localTestStore();
    stores.push(other);
    await writeVeleroBackup(other.store, name, { schedule: 'daily', started: new Date(Date.now() - 40 * 24 * HOUR), ttlHours: 720 });

    const result = await runPrune(pruneAt2h(other.store), { settings: pruneSettings({ veleroNamespace: recordsNamespace }), location });
    expect(result.failures).toEqual([]);
    expect(result.deleted.map((b) => [b.name, b.snapshots, b.recordDeleted])).toEqual([[name, [], false]]);
    expect(result.deleted[0]!.recordLeftAlone).toMatch(/another location/);
    expect(double.snapshotExists(handle)).toBe(true);
    expect(await cluster.get(BACKUP_REF, name, recordsNamespace)).toBeDefined();
    expect(await backupFiles(store, name)).toContain(backupKeys(name).metadata);
  });
});
