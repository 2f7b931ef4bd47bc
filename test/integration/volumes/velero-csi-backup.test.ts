import { gzipSync } from 'node:zlib';
import os from 'node:os';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { KubeCluster } from '../../../src/kube/kube-cluster.js';
import type { KubeObject } from '../../../src/model/kube-object.js';
import type { ResourceRef } from '../../../src/model/resource-ref.js';
import { runRestore, type RestoreResult } from '../../../src/restore/run.js';
import { restoredSnapshotName } from '../../../src/restore/transform/csi.js';
import { parseLocationPolicy } from '../../../src/settings/backup-settings.js';
import { mapReader } from '../../../src/settings/input-reader.js';
import { parseRestoreSettings } from '../../../src/settings/restore-settings.js';
import { backupKeys, restoreKeys } from '../../../src/storage/layout.js';
import { MemoryLogger } from '../../../src/util/logger.js';
import { readJson } from '../../support/backups.js';
import { clusterFor, createNamespace, deleteNamespacesAndWait, refs, testClaim, waitFor, waitForPodRunning } from '../../support/cluster.js';
import { bytesOf, CsiSnapshotDouble, whyNoCsiSnapshotDouble } from '../../support/csi-snapshot-double.js';
import { testEnvironment, uniqueName } from '../../support/environment.js';
import { localTestStore } from '../../support/stores.js';
import { veleroTarball, type VeleroItem } from '../../support/velero-go-writer.js';
import { veleroBackupObject } from '../lifecycle/velero-fixture.js';

// A backup in Velero's own form (v1.16+, CSI snapshot, no data movement) restored by this project: the snapshot is
// taken the way Velero's CSI PVC action takes it (a VolumeSnapshot `velero-<pvc>-*` of the class of the driver, through
// the double's snapshot controller), annotated and labelled as Velero's VolumeSnapshot action does, then retained and
// its VolumeSnapshot and content deleted as Velero does at the end of a backup, so only the handle's data is left.
// The tarball is written by Go (test/fixtures/velero-writer) from the objects as the API server returned them plus
// Velero's changes; velero-backup.json and the volumeinfo file hold what Velero writes. Nothing here goes through
// this project's backup.
const unavailable = whyNoCsiSnapshotDouble();
const describeWithDouble = unavailable ? describe.skip : describe;

const env = testEnvironment();
const ns = uniqueName('vcsi');
const clone = `${ns}-r`;
const backupName = `${ns}-velero`;
const store = localTestStore();
const GROUP = 'snapshot.storage.k8s.io';
const SNAPSHOTS = `volumesnapshots.${GROUP}`;
const CONTENTS = `volumesnapshotcontents.${GROUP}`;
const CLASSES = `volumesnapshotclasses.${GROUP}`;
const pvRef: ResourceRef = { group: '', version: 'v1', resource: 'persistentvolumes', namespaced: false };
const WRITTEN = 'written-before-the-velero-backup';

let cluster: KubeCluster;
let double: CsiSnapshotDouble;
/** What the backup recorded: the names and handle the restore must find. */
let snapshotName: string;
let contentName: string;
let handle: string;
let pvName: string;

type Status = Record<string, unknown>;
const statusOf = (o: KubeObject | undefined): Status => ((o as { status?: Status } | undefined)?.status ?? {});
const specOf = (o: KubeObject | undefined): Record<string, unknown> => ((o as { spec?: Record<string, unknown> } | undefined)?.spec ?? {});

/** Go's RFC 3339 in whole seconds, as metav1.Time marshals. */
const rfc3339 = (date: Date) => `${date.toISOString().slice(0, 19)}Z`;

/** Velero writes each *.json.gz with json.NewEncoder: one JSON value and a newline, gzipped. */
const goGzipJson = (value: unknown) => gzipSync(`${JSON.stringify(value)}\n`);

function appPod(namespace: string): KubeObject {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: 'app', namespace, labels: { app: 'shop' } },
    spec: {
      terminationGracePeriodSeconds: 0,
      containers: [{ name: 'main', image: env.image, imagePullPolicy: 'Never', command: ['sleep', '3600'], volumeMounts: [{ name: 'data', mountPath: '/data' }] }],
      volumes: [{ name: 'data', persistentVolumeClaim: { claimName: 'data' } }]
    }
  };
}

async function read(namespace: string): Promise<string> {
  return (await cluster.exec({ namespace, pod: 'app', container: 'main' }, ['cat', '/data/file'])).stdout;
}

/** A LIST or GET body as Velero's backup writes it: apiVersion and kind set. */
async function live(ref: ResourceRef, name: string, namespace?: string): Promise<KubeObject> {
  const object = await cluster.get(ref, name, namespace);
  if (!object) throw new Error(`${ref.resource} ${namespace ? `${namespace}/` : ''}${name} not found`);
  return object;
}

/**
 * Steps 1 and 2: the snapshot as Velero's backup takes, annotates and finally lets go of it; then the backup folder
 * Velero v1.16+ writes for the namespace.
 */
async function writeVeleroCsiBackup(): Promise<void> {
  const started = new Date();
  const { volumeSnapshots, volumeSnapshotContents, volumeSnapshotClasses } = double.refs;

  // pkg/backup/actions/csi/pvc_action.go createVolumeSnapshot: generateName velero-<pvc>-, the claim's labels plus the backup's.
  const created = await cluster.create(volumeSnapshots, {
    apiVersion: double.snapshotApiVersion,
    kind: 'VolumeSnapshot',
    metadata: { generateName: 'velero-data-', namespace: ns, labels: { app: 'shop', 'velero.io/backup-name': backupName } },
    spec: { source: { persistentVolumeClaimName: 'data' }, volumeSnapshotClassName: double.snapshotClassName! }
  });
  snapshotName = created.metadata.name!;
  // WaitUntilVSCHandleIsReady: the VS bound, its content with a handle.
  await waitFor(async () => {
    const vs = await cluster.get(volumeSnapshots, snapshotName, ns);
    const bound = statusOf(vs).boundVolumeSnapshotContentName;
    if (typeof bound !== 'string' || statusOf(vs).readyToUse !== true) return false;
    contentName = bound;
    return typeof statusOf(await cluster.get(volumeSnapshotContents, bound)).snapshotHandle === 'string';
  }, `VolumeSnapshot ${ns}/${snapshotName} ready (double: ${double.actions.join('; ')} ${double.errors.join('; ')})`, 30_000);
  const readyContent = await live(volumeSnapshotContents, contentName);
  handle = statusOf(readyContent).snapshotHandle as string;
  const restoreSizeBytes = statusOf(readyContent).restoreSize as number;

  // volumesnapshot_action.go: annotations on the live VS (and so on its backed-up copy); the backup's label on the live VSC.
  await cluster.patch(
    volumeSnapshots,
    snapshotName,
    {
      metadata: {
        annotations: {
          'velero.io/csi-vsc-deletion-policy': specOf(readyContent).deletionPolicy as string,
          'velero.io/csi-volumesnapshot-handle': handle,
          'velero.io/csi-driver-name': specOf(readyContent).driver as string,
          'velero.io/csi-volumesnapshot-restore-size': statusOf(await live(volumeSnapshots, snapshotName, ns)).restoreSize as string
        }
      }
    },
    'merge',
    { namespace: ns }
  );
  await cluster.patch(volumeSnapshotContents, contentName, { metadata: { labels: { 'velero.io/backup-name': backupName } } }, 'merge');

  // At finalize Velero re-reads both and writes them with their final status; everything else as the API returned it.
  const snapshot = await live(volumeSnapshots, snapshotName, ns);
  const content = await live(volumeSnapshotContents, contentName);
  const snapshotClass = await live(volumeSnapshotClasses, double.snapshotClassName!);
  const namespace = await live(refs.namespaces, ns);
  const pod = await live(refs.pods, 'app', ns);
  const pvc = await live(refs.pvcs, 'data', ns);
  pvName = specOf(pvc).volumeName as string;
  const pv = await live(pvRef, pvName);
  // The claim as Velero's CSI PVC action writes it (no data movement): annotation and labels naming the snapshot.
  pvc.metadata.annotations = { ...pvc.metadata.annotations, 'velero.io/volume-snapshot-name': snapshotName };
  pvc.metadata.labels = { ...pvc.metadata.labels, 'velero.io/volume-snapshot-name': snapshotName, 'velero.io/backup-name': backupName };

  // DeleteReadyVolumeSnapshot: content to Retain, content deleted, then the VolumeSnapshot. Only the handle remains.
  await cluster.patch(volumeSnapshotContents, contentName, { spec: { deletionPolicy: 'Retain' } }, 'merge');
  await cluster.delete(volumeSnapshotContents, contentName);
  await waitFor(async () => !(await cluster.get(volumeSnapshotContents, contentName)), `VolumeSnapshotContent ${contentName} deleted`, 30_000);
  await cluster.delete(volumeSnapshots, snapshotName, { namespace: ns });
  await waitFor(async () => !(await cluster.get(volumeSnapshots, snapshotName, ns)), `VolumeSnapshot ${ns}/${snapshotName} deleted`, 30_000);

  const items: VeleroItem[] = [
    { groupResource: 'namespaces', name: ns, version: 'v1', object: namespace },
    { groupResource: 'persistentvolumeclaims', namespace: ns, name: 'data', version: 'v1', object: pvc },
    { groupResource: 'persistentvolumes', name: pvName, version: 'v1', object: pv },
    { groupResource: 'pods', namespace: ns, name: 'app', version: 'v1', object: pod },
    { groupResource: SNAPSHOTS, namespace: ns, name: snapshotName, version: 'v1', object: snapshot },
    { groupResource: CONTENTS, name: contentName, version: 'v1', object: content },
    { groupResource: CLASSES, name: double.snapshotClassName!, version: 'v1', object: snapshotClass }
  ];
  const keys = backupKeys(backupName);
  const completed = new Date();
  const operationId = `${ns}/${snapshotName}/${rfc3339(started)}`;

  const backup = veleroBackupObject(backupName, { schedule: 'unused', started, ttlHours: 720, items: items.length });
  // A backup made with `velero backup create --include-namespaces <ns>`: no schedule, CSI counters and one async operation.
  delete backup.metadata.ownerReferences;
  delete backup.metadata.labels!['velero.io/schedule-name'];
  Object.assign(backup.spec as Record<string, unknown>, { includedNamespaces: [ns], snapshotVolumes: true });
  Object.assign(backup.status as Record<string, unknown>, {
    completionTimestamp: rfc3339(completed),
    csiVolumeSnapshotsAttempted: 1,
    csiVolumeSnapshotsCompleted: 1,
    backupItemOperationsAttempted: 1,
    backupItemOperationsCompleted: 1
  });

  // internal/volume/volumes_information.go BackupVolumeInfo, Go's field order; the CSI entry as Result() and finalize leave it.
  const volumeInfo = [
    {
      pvcName: 'data',
      pvcNamespace: ns,
      pvName,
      backupMethod: 'CSISnapshot',
      snapshotDataMoved: false,
      preserveLocalSnapshot: true,
      skipped: false,
      startTimestamp: statusOf(snapshot).creationTime,
      completionTimestamp: rfc3339(completed),
      result: 'succeeded',
      csiSnapshotInfo: { snapshotHandle: handle, size: restoreSizeBytes, driver: double.driver, vscName: contentName, operationID: operationId, ReadyToUse: true },
      pvInfo: { reclaimPolicy: specOf(pv).persistentVolumeReclaimPolicy, labels: pv.metadata.labels ?? null }
    }
  ];

  // PutBackup's order: log, velero-backup.json, then the rest.
  await store.store.put(keys.logs, gzipSync(`time="${rfc3339(started)}" level=info msg="Setting up backup log" backup=velero/${backupName}\n`));
  await store.store.put(keys.metadata, JSON.stringify(backup, null, 2));
  await store.store.put(keys.tarball, await veleroTarball(items), { contentType: 'application/gzip' });
  await store.store.put(keys.volumeInfo, goGzipJson(volumeInfo));
  await store.store.put(
    keys.resourceList,
    goGzipJson({
      'v1/Namespace': [ns],
      'v1/PersistentVolume': [pvName],
      'v1/PersistentVolumeClaim': [`${ns}/data`],
      'v1/Pod': [`${ns}/app`],
      [`${GROUP}/v1/VolumeSnapshot`]: [`${ns}/${snapshotName}`],
      [`${GROUP}/v1/VolumeSnapshotClass`]: [double.snapshotClassName!],
      [`${GROUP}/v1/VolumeSnapshotContent`]: [contentName]
    })
  );
  await store.store.put(keys.results, goGzipJson({ errors: {}, warnings: {} }));
  expect(bytesOf(statusOf(snapshot).restoreSize as string)).toBe(restoreSizeBytes);
}

describeWithDouble('a backup Velero wrote with a CSI snapshot', () => {
  let result: RestoreResult;

  beforeAll(async () => {
    cluster = clusterFor(env.kubeconfig);
    double = new CsiSnapshotDouble({ kubeconfig: env.kubeconfig });
    await Promise.all([createNamespace(cluster, ns), double.start()]);
    await cluster.create(refs.pvcs, testClaim(ns, 'data', { storageClass: double.storageClassName, labels: { app: 'shop' } }));
    await cluster.create(refs.pods, appPod(ns));
    await waitForPodRunning(cluster, ns, 'app');
    await cluster.exec({ namespace: ns, pod: 'app', container: 'main' }, ['sh', '-c', `echo ${WRITTEN} > /data/file; sync`]);
    await writeVeleroCsiBackup();
    // Written after the snapshot: the restored volume must hold the snapshot's data, not the live volume's.
    await cluster.exec({ namespace: ns, pod: 'app', container: 'main' }, ['sh', '-c', 'echo changed-after-the-backup > /data/file; sync']);
  }, 120_000);

  afterAll(async () => {
    if (!cluster) return;
    await deleteNamespacesAndWait(cluster, [clone, ns], 60_000);
    await double.dispose();
    await store.cleanup();
    cluster.close();
  }, 120_000);

  it("leaves only the snapshot's data: no VolumeSnapshot or content of the backup in the cluster", async () => {
    expect(snapshotName).toMatch(/^velero-data-/);
    expect(await cluster.get(double.refs.volumeSnapshots, snapshotName, ns)).toBeUndefined();
    expect(await cluster.get(double.refs.volumeSnapshotContents, contentName)).toBeUndefined();
    expect(double.snapshotExists(handle)).toBe(true);
  });

  it('restores the claim from the snapshot into a mapped namespace, and the pod reads what was written before the backup', async () => {
    const reader = mapReader({ 'from-backup': backupName, 'include-namespaces': ns, 'namespace-mappings': `${ns}:${clone}` });
    result = await runRestore({ cluster, store: store.store, logger: new MemoryLogger(), tempDirectory: os.tmpdir() }, { settings: parseRestoreSettings(reader), location: parseLocationPolicy(reader) });
    const outcomes = result.outcomes.map((o) => `${o.action} ${o.groupResource} ${o.namespace ?? ''}/${o.name}${o.reason ? ` (${o.reason})` : ''}`);
    expect({ errors: result.results.toJSON().errors, phase: result.phase, failure: result.failure }).toEqual({ errors: {}, phase: 'Completed', failure: undefined });

    const record = await readJson<{ metadata: { uid: string } }>(store.store, restoreKeys(result.name).metadata);
    const restoredName = restoredSnapshotName(record.metadata.uid, snapshotName);
    expect(restoredName).toMatch(/^[0-9a-f]{64}$/);

    const claim = await cluster.get(refs.pvcs, 'data', clone);
    expect(claim).toBeDefined();
    expect(specOf(claim).dataSource).toEqual({ apiGroup: GROUP, kind: 'VolumeSnapshot', name: restoredName });

    const snapshot = await cluster.get(double.refs.volumeSnapshots, restoredName, clone);
    expect(specOf(snapshot)).toMatchObject({ source: { volumeSnapshotContentName: restoredName } });
    const content = await cluster.get(double.refs.volumeSnapshotContents, restoredName);
    expect(content).toBeDefined();
    expect(specOf(content)).toMatchObject({
      driver: double.driver,
      deletionPolicy: 'Retain',
      source: { snapshotHandle: handle },
      volumeSnapshotRef: { name: restoredName, namespace: clone }
    });
    expect((specOf(content).source as Record<string, unknown>).volumeHandle).toBeUndefined();

    // The old PV is not restored: the claim gets a new volume provisioned from the snapshot.
    expect(outcomes).toContainEqual(expect.stringMatching(new RegExp(`^skipped persistentvolumes /${pvName}`)));
    expect(specOf(await cluster.get(pvRef, pvName)).claimRef).toMatchObject({ namespace: ns, name: 'data' });

    await waitFor(async () => statusOf(await cluster.get(refs.pvcs, 'data', clone)).phase === 'Bound', `claim ${clone}/data bound (double: ${double.actions.join('; ')} | ${double.errors.join('; ')})`, 30_000);
    const bound = await cluster.get(refs.pvcs, 'data', clone);
    expect(specOf(bound).volumeName).not.toBe(pvName);
    await waitForPodRunning(cluster, clone, 'app');
    expect(await read(clone)).toBe(`${WRITTEN}\n`);
    expect(double.errors).toEqual([]);
  }, 90_000);
});
