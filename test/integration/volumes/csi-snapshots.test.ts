import os from 'node:os';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { runBackup, type BackupResult } from '../../../src/backup/run.js';
import type { KubeCluster } from '../../../src/kube/kube-cluster.js';
import type { KubeObject } from '../../../src/model/kube-object.js';
import { runRestore } from '../../../src/restore/run.js';
import { restoredSnapshotName } from '../../../src/restore/transform/csi.js';
import { COPIED_REASON } from '../../../src/backup/volume-info.js';
import { parseBackupSettings, parseLocationPolicy } from '../../../src/settings/backup-settings.js';
import { mapReader } from '../../../src/settings/input-reader.js';
import { parseRestoreSettings } from '../../../src/settings/restore-settings.js';
import { backupKeys, restoreKeys } from '../../../src/storage/layout.js';
import { MemoryLogger } from '../../../src/util/logger.js';
import { itemKey, readGzJson, readJson, readStoredArchive, type StoredArchive } from '../../support/backups.js';
import { clusterFor, createNamespace, deleteNamespacesAndWait, refs, testClaim, waitForPodRunning } from '../../support/cluster.js';
import { CsiSnapshotDouble, whyNoCsiSnapshotDouble } from '../../support/csi-snapshot-double.js';
import { testEnvironment, uniqueName } from '../../support/environment.js';
import { localTestStore } from '../../support/stores.js';

// CSI snapshots end to end against a test double of the snapshot controller and a host-path CSI driver (the local
// cluster runs neither; see test/support/csi-snapshot-double.ts): Velero's objects in the tarball and volumeinfo,
// nothing left in the cluster after the backup, and a restore into a cloned namespace whose pod reads the data.
const unavailable = whyNoCsiSnapshotDouble();
const describeWithDouble = unavailable ? describe.skip : describe;

const env = testEnvironment();
const ns = uniqueName('csis');
const clone = `${ns}-clone`;
const store = localTestStore();
const backupName = `${ns}-b`;
let cluster: KubeCluster;
let double: CsiSnapshotDouble;
let backup: BackupResult;
let archive: StoredArchive;

const SNAPSHOTS = 'volumesnapshots.snapshot.storage.k8s.io';
const CONTENTS = 'volumesnapshotcontents.snapshot.storage.k8s.io';
const CLASSES = 'volumesnapshotclasses.snapshot.storage.k8s.io';

function appPod(namespace: string): KubeObject {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: 'app', namespace },
    spec: {
      terminationGracePeriodSeconds: 0,
      containers: [{ name: 'main', image: env.image, imagePullPolicy: 'Never', command: ['sleep', '3600'], volumeMounts: [{ name: 'data', mountPath: '/data' }] }],
      volumes: [{ name: 'data', persistentVolumeClaim: { claimName: 'data' } }]
    }
  };
}

async function read(namespace: string, file: string): Promise<string> {
  return (await cluster.exec({ namespace, pod: 'app', container: 'main' }, ['cat', `/data/${file}`])).stdout;
}

function itemOf(groupResource: string, namespace: string | undefined, name: string): KubeObject {
  const item = archive.objects.get(itemKey(groupResource, namespace, name));
  if (!item) throw new Error(`${itemKey(groupResource, namespace, name)} is not in the tarball; it has ${[...archive.items].filter((k) => k.includes('snapshot')).join(', ')}`);
  return item;
}

describeWithDouble('CSI snapshots', () => {
  beforeAll(async () => {
    cluster = clusterFor(env.kubeconfig);
    double = new CsiSnapshotDouble({ kubeconfig: env.kubeconfig });
    await Promise.all([createNamespace(cluster, ns), double.start()]);
    await cluster.create(refs.pvcs, testClaim(ns, 'data', { storageClass: double.storageClassName, labels: { app: 'shop' } }));
    await cluster.create(refs.pods, appPod(ns));
    // A claim of the same class chosen for a file-system copy: copied, never also snapshotted.
    await cluster.create(refs.pvcs, testClaim(ns, 'files', { storageClass: double.storageClassName }));
    const filer = appPod(ns);
    filer.metadata = { name: 'filer', namespace: ns, annotations: { 'backup.velero.io/backup-volumes': 'data' } };
    (filer.spec as { volumes: { persistentVolumeClaim: { claimName: string } }[] }).volumes[0]!.persistentVolumeClaim.claimName = 'files';
    await cluster.create(refs.pods, filer);
    await waitForPodRunning(cluster, ns, 'app');
    await waitForPodRunning(cluster, ns, 'filer');
    await cluster.exec({ namespace: ns, pod: 'app', container: 'main' }, ['sh', '-c', 'echo snapshotted > /data/file; sync']);
    const reader = mapReader({ 'backup-name': backupName, 'include-namespaces': ns, 'data-mover-image': env.image });
    backup = await runBackup({ cluster, store: store.store, logger: new MemoryLogger(), holder: 'test' }, { settings: parseBackupSettings(reader), location: parseLocationPolicy(reader) });
    archive = await readStoredArchive(store.store, backupName);
  }, 180_000);

  afterAll(async () => {
    if (!cluster) return;
    await deleteNamespacesAndWait(cluster, [clone, ns], 120_000);
    await double.dispose();
    await store.cleanup();
    cluster.close();
  }, 180_000);

  it("writes Velero's objects: the claim names its snapshot, the snapshot its content, handle and driver", async () => {
    expect(backup.results.toJSON().errors).toEqual({});
    expect(backup.phase).toBe('Completed');
    const pvc = itemOf('persistentvolumeclaims', ns, 'data');
    const snapshotName = pvc.metadata.annotations?.['velero.io/volume-snapshot-name'];
    expect(snapshotName).toMatch(/^velero-data-/);
    expect(pvc.metadata.labels).toMatchObject({ 'velero.io/volume-snapshot-name': snapshotName, 'velero.io/backup-name': backupName, app: 'shop' });
    const snapshot = itemOf(SNAPSHOTS, ns, snapshotName as string);
    const contentName = (snapshot.status as { boundVolumeSnapshotContentName: string }).boundVolumeSnapshotContentName;
    const content = itemOf(CONTENTS, undefined, contentName);
    const handle = (content.status as { snapshotHandle: string }).snapshotHandle;
    expect(snapshot.metadata.annotations).toMatchObject({
      'velero.io/csi-volumesnapshot-handle': handle,
      'velero.io/csi-driver-name': double.driver,
      'velero.io/csi-vsc-deletion-policy': 'Delete',
      'velero.io/csi-volumesnapshot-restore-size': expect.any(String)
    });
    expect(content.metadata.labels?.['velero.io/backup-name']).toBe(backupName);
    expect(itemOf(CLASSES, undefined, double.snapshotClassName!).metadata.name).toBe(double.snapshotClassName);
    // Each object once: the walk's copies (taken before the snapshot was ready) are not written too.
    expect([...archive.items].filter((key) => key.startsWith(`${SNAPSHOTS}|`))).toHaveLength(1);

    const info = await readGzJson<Record<string, unknown>[]>(store.store, backupKeys(backupName).volumeInfo);
    expect(info.find((entry) => entry.pvcName === 'data')).toMatchObject({
      backupMethod: 'CSISnapshot',
      skipped: false,
      preserveLocalSnapshot: true,
      snapshotDataMoved: false,
      result: 'succeeded',
      csiSnapshotInfo: { snapshotHandle: handle, driver: double.driver, vscName: contentName, ReadyToUse: true }
    });
    expect(info.find((entry) => entry.pvcName === 'files')).toMatchObject({ skipped: true, skippedReason: COPIED_REASON });
    expect(backup.volumeCopies.map((copy) => copy.claim)).toEqual(['files']);
    expect(itemOf('persistentvolumeclaims', ns, 'files').metadata.annotations?.['velero.io/volume-snapshot-name']).toBeUndefined();
    const stored = await readJson<{ status: Record<string, number> }>(store.store, backupKeys(backupName).metadata);
    expect(stored.status).toMatchObject({ csiVolumeSnapshotsAttempted: 1, csiVolumeSnapshotsCompleted: 1 });
  });

  it('keeps the snapshot and leaves no VolumeSnapshot or content of the backup in the cluster', async () => {
    const pvc = itemOf('persistentvolumeclaims', ns, 'data');
    const snapshot = itemOf(SNAPSHOTS, ns, pvc.metadata.annotations!['velero.io/volume-snapshot-name']!);
    const contentName = (snapshot.status as { boundVolumeSnapshotContentName: string }).boundVolumeSnapshotContentName;
    expect(await cluster.get(double.refs.volumeSnapshots, snapshot.metadata.name!, ns)).toBeUndefined();
    expect(await cluster.get(double.refs.volumeSnapshotContents, contentName)).toBeUndefined();
    const handle = (itemOf(CONTENTS, undefined, contentName).status as { snapshotHandle: string }).snapshotHandle;
    expect(double.snapshotExists(handle)).toBe(true);
  });

  it('restores the claim from its snapshot into a cloned namespace, and the pod reads the data', async () => {
    const reader = mapReader({ 'from-backup': backupName, 'include-namespaces': ns, 'namespace-mappings': `${ns}:${clone}`, 'data-mover-image': env.image });
    const result = await runRestore({ cluster, store: store.store, logger: new MemoryLogger(), tempDirectory: os.tmpdir() }, { settings: parseRestoreSettings(reader), location: parseLocationPolicy(reader) });
    expect(result.results.toJSON().errors).toEqual({});
    expect(result.phase).toBe('Completed');
    const record = await readJson<{ metadata: { uid: string } }>(store.store, restoreKeys(result.name).metadata);
    const snapshotName = itemOf('persistentvolumeclaims', ns, 'data').metadata.annotations!['velero.io/volume-snapshot-name']!;
    const restoredName = restoredSnapshotName(record.metadata.uid, snapshotName);
    const claim = (await cluster.get(refs.pvcs, 'data', clone))!;
    expect((claim.spec as { dataSource: unknown }).dataSource).toEqual({ apiGroup: 'snapshot.storage.k8s.io', kind: 'VolumeSnapshot', name: restoredName });
    const content = (await cluster.get(double.refs.volumeSnapshotContents, restoredName))!;
    expect(content.spec).toMatchObject({ deletionPolicy: 'Retain', volumeSnapshotRef: { name: restoredName, namespace: clone } });
    await waitForPodRunning(cluster, clone, 'app');
    expect(await read(clone, 'file')).toBe('snapshotted\n');
  }, 180_000);

  it('reports a snapshot that is not ready in time, deletes it, and goes on', async () => {
    await double.stop();
    try {
      const name = `${ns}-late`;
      const reader = mapReader({ 'backup-name': name, 'include-namespaces': ns, 'include-resources': 'persistentvolumeclaims', 'csi-snapshot-timeout': '3s', 'snapshot-volumes': 'true' });
      const result = await runBackup({ cluster, store: store.store, logger: new MemoryLogger(), holder: 'test' }, { settings: parseBackupSettings(reader), location: parseLocationPolicy(reader) });
      expect(result.phase).toBe('PartiallyFailed');
      expect(JSON.stringify(result.results.toJSON().errors)).toContain(`CSI snapshot of claim ${ns}/data failed: not ready within csi-snapshot-timeout (3s)`);
      const left: string[] = [];
      for await (const vs of cluster.list(double.refs.volumeSnapshots, { namespace: ns })) left.push(vs.metadata.name!);
      expect(left).toEqual([]);
      const stored = await readJson<{ status: Record<string, number> }>(store.store, backupKeys(name).metadata);
      expect(stored.status).toMatchObject({ phase: 'PartiallyFailed', csiVolumeSnapshotsAttempted: 1, csiVolumeSnapshotsCompleted: 0 });
    } finally {
      await double.start();
    }
  }, 120_000);
});
