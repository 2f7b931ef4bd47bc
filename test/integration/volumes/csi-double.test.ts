import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import fs from 'node:fs';
import path from 'node:path';
import type { KubeCluster } from '../../../src/kube/kube-cluster.js';
import type { KubeObject } from '../../../src/model/kube-object.js';
import type { ResourceRef } from '../../../src/model/resource-ref.js';
import { clusterFor, createNamespace, deleteNamespace, refs, sleeperPod, waitFor, waitForPodRunning } from '../../support/cluster.js';
import { CsiSnapshotDouble, SNAPSHOT_GROUP, handleFor, whyNoCsiSnapshotDouble } from '../../support/csi-snapshot-double.js';
import { testEnvironment, uniqueName } from '../../support/environment.js';

// Proves the test double (test/support/csi-snapshot-double.ts), not the product: claims of its class bind to host-path
// volumes pods can use, VolumeSnapshots become ready with a content and a handle, a claim restored from a snapshot
// holds the snapshot's data, pre-provisioned content binds, and deleting content honours its deletionPolicy. Other
// suites rely on it to stand in for a CSI driver and the snapshot controller, which the local cluster does not run.
const unavailable = whyNoCsiSnapshotDouble();
const describeWithDouble = unavailable ? describe.skip : describe;

const env = testEnvironment();
const ns = uniqueName('csid');
let cluster: KubeCluster;
let double: CsiSnapshotDouble;
let vsRef: ResourceRef;
let vscRef: ResourceRef;

interface Status {
  phase?: string;
  readyToUse?: boolean;
  boundVolumeSnapshotContentName?: string;
  snapshotHandle?: string;
  restoreSize?: number | string;
  creationTime?: number | string;
}
const statusOf = (o: KubeObject | undefined): Status => (o?.status ?? {}) as Status;

function claim(name: string, dataSource?: { apiGroup: string; kind: string; name: string }): KubeObject {
  return {
    apiVersion: 'v1',
    kind: 'PersistentVolumeClaim',
    metadata: { name, namespace: ns },
    spec: { accessModes: ['ReadWriteOnce'], storageClassName: double.storageClassName, resources: { requests: { storage: '10Mi' } }, ...(dataSource ? { dataSource } : {}) }
  };
}

function snapshotOf(name: string, source: Record<string, string>): KubeObject {
  return {
    apiVersion: double.snapshotApiVersion,
    kind: 'VolumeSnapshot',
    metadata: { name, namespace: ns },
    spec: { ...(source.persistentVolumeClaimName ? { volumeSnapshotClassName: double.snapshotClassName } : {}), source }
  };
}

async function boundClaim(name: string): Promise<KubeObject> {
  await waitFor(async () => statusOf(await cluster.get(refs.pvcs, name, ns)).phase === 'Bound', `claim ${name} Bound`, 30_000);
  return (await cluster.get(refs.pvcs, name, ns))!;
}

async function readySnapshot(name: string): Promise<KubeObject> {
  await waitFor(async () => statusOf(await cluster.get(vsRef, name, ns)).readyToUse === true, `VolumeSnapshot ${name} ready`, 30_000);
  return (await cluster.get(vsRef, name, ns))!;
}

async function sh(pod: string, script: string): Promise<string> {
  const result = await cluster.exec({ namespace: ns, pod, container: 'main' }, ['sh', '-c', script]);
  if (result.exitCode !== 0) throw new Error(`${pod}: '${script}' failed (${result.exitCode}): ${result.stderr}`);
  return result.stdout;
}

describeWithDouble('the CSI snapshot test double', () => {
  beforeAll(async () => {
    cluster = clusterFor(env.kubeconfig);
    double = new CsiSnapshotDouble({ kubeconfig: env.kubeconfig });
    await Promise.all([createNamespace(cluster, ns), double.start()]);
    vsRef = double.refs.volumeSnapshots;
    vscRef = double.refs.volumeSnapshotContents;
  });

  afterAll(async () => {
    if (!cluster) return;
    await deleteNamespace(cluster, ns);
    // The double reclaims the Released volumes itself while it runs; dispose() deletes whatever is left.
    const ours = async () => {
      const pvs: KubeObject[] = [];
      for await (const pv of cluster.list({ group: '', version: 'v1', resource: 'persistentvolumes', namespaced: false })) pvs.push(pv);
      return pvs.filter((pv) => pv.metadata.annotations?.['pv.kubernetes.io/provisioned-by'] === double.driver);
    };
    await waitFor(async () => (await ours()).length === 0, 'the double to reclaim its volumes', 20_000).catch(() => undefined);
    await double.dispose();
    expect(fs.existsSync(double.root)).toBe(false);
    cluster.close();
  });

  let handle: string;

  it('provisions a host-path volume for a claim of its class, which a pod can write', async () => {
    await cluster.create(refs.pvcs, claim('data'));
    const pvc = await boundClaim('data');
    const pv = (await cluster.get({ group: '', version: 'v1', resource: 'persistentvolumes', namespaced: false }, (pvc.spec as { volumeName: string }).volumeName))!;
    expect(pv.metadata.name).toBe(`pvc-${pvc.metadata.uid}`);
    expect(pv.metadata.annotations?.['pv.kubernetes.io/provisioned-by']).toBe(double.driver);
    expect(pv.spec).toMatchObject({
      capacity: { storage: '10Mi' },
      storageClassName: double.storageClassName,
      persistentVolumeReclaimPolicy: 'Delete',
      claimRef: { namespace: ns, name: 'data', uid: pvc.metadata.uid },
      hostPath: { path: double.volumeDir(pv.metadata.name!) }
    });

    await cluster.create(refs.pods, sleeperPod(ns, 'writer', env.image, {}, 'data'));
    await waitForPodRunning(cluster, ns, 'writer');
    await sh('writer', 'printf before > /data/file.txt && mkdir -p /data/dir && printf nested > /data/dir/n.txt');
    expect(fs.readFileSync(path.join(double.volumeDir(pv.metadata.name!), 'file.txt'), 'utf8')).toBe('before');
  });

  it('takes a snapshot of the claim: the VolumeSnapshot is bound to a ready content with a handle', async () => {
    const created = await cluster.create(vsRef, snapshotOf('snap', { persistentVolumeClaimName: 'data' }));
    const vs = await readySnapshot('snap');
    const pvName = (((await cluster.get(refs.pvcs, 'data', ns))!.spec as { volumeName: string }).volumeName);
    handle = handleFor(created.metadata.uid!);
    expect(statusOf(vs)).toMatchObject({ boundVolumeSnapshotContentName: `snapcontent-${created.metadata.uid}`, readyToUse: true, restoreSize: '10Mi' });
    expect(typeof statusOf(vs).creationTime).toBe('string');

    const vsc = (await cluster.get(vscRef, `snapcontent-${created.metadata.uid}`))!;
    expect(vsc.spec).toMatchObject({
      driver: double.driver,
      deletionPolicy: 'Delete',
      volumeSnapshotClassName: double.snapshotClassName,
      source: { volumeHandle: pvName },
      volumeSnapshotRef: { kind: 'VolumeSnapshot', namespace: ns, name: 'snap', uid: created.metadata.uid }
    });
    expect(statusOf(vsc)).toMatchObject({ snapshotHandle: handle, readyToUse: true, restoreSize: 10 * 2 ** 20 });
    expect(typeof statusOf(vsc).creationTime).toBe('number');
    expect(double.snapshotExists(handle)).toBe(true);
    expect(double.handles()).toEqual([handle]);

    // A copy at that moment: later writes to the claim do not reach it.
    await sh('writer', 'printf after > /data/file.txt');
    expect(fs.readFileSync(path.join(double.snapshotDir(handle), 'file.txt'), 'utf8')).toBe('before');
  });

  it('provisions a claim whose dataSource is the snapshot with a copy of the snapshot', async () => {
    await cluster.create(refs.pvcs, claim('restored', { apiGroup: SNAPSHOT_GROUP, kind: 'VolumeSnapshot', name: 'snap' }));
    await boundClaim('restored');
    await cluster.create(refs.pods, sleeperPod(ns, 'reader', env.image, {}, 'restored'));
    await waitForPodRunning(cluster, ns, 'reader');
    expect(await sh('reader', 'cat /data/file.txt /data/dir/n.txt')).toBe('beforenested');
    expect(await sh('writer', 'cat /data/file.txt')).toBe('after');
  });

  it('keeps the snapshot of a Retain content that is deleted, and binds pre-provisioned content to it', async () => {
    const created = await cluster.create(vsRef, snapshotOf('kept', { persistentVolumeClaimName: 'data' }));
    await readySnapshot('kept');
    const keptHandle = handleFor(created.metadata.uid!);
    const contentName = `snapcontent-${created.metadata.uid}`;
    // As Velero ends a backup: the content is set to Retain, then the content and the snapshot are deleted.
    await cluster.patch(vscRef, contentName, { spec: { deletionPolicy: 'Retain' } }, 'merge');
    await cluster.delete(vscRef, contentName);
    await cluster.delete(vsRef, 'kept', { namespace: ns });
    await waitFor(async () => double.actions.some((a) => a.startsWith(`content ${contentName} gone`)), `the double to see ${contentName} go`, 10_000);
    expect(double.snapshotExists(keptHandle)).toBe(true);

    // As a restore brings it back: content naming the handle (Retain) and a VolumeSnapshot naming the content.
    const preName = uniqueName('pre');
    await cluster.create(vscRef, {
      apiVersion: double.snapshotApiVersion,
      kind: 'VolumeSnapshotContent',
      metadata: { name: preName },
      spec: { driver: double.driver, deletionPolicy: 'Retain', source: { snapshotHandle: keptHandle }, volumeSnapshotRef: { kind: 'VolumeSnapshot', namespace: ns, name: 'back' } }
    });
    await cluster.create(vsRef, snapshotOf('back', { volumeSnapshotContentName: preName }));
    const back = await readySnapshot('back');
    expect(statusOf(back)).toMatchObject({ boundVolumeSnapshotContentName: preName, readyToUse: true, restoreSize: '10Mi' });
    const pre = (await cluster.get(vscRef, preName))!;
    expect(statusOf(pre)).toMatchObject({ snapshotHandle: keptHandle, readyToUse: true, restoreSize: 10 * 2 ** 20 });
    expect((pre.spec as { volumeSnapshotRef: { uid?: string } }).volumeSnapshotRef.uid).toBe(back.metadata.uid);

    // As a backup's deletion ends it: set to Delete and deleted at once; the final policy counts.
    await cluster.patch(vscRef, preName, { spec: { deletionPolicy: 'Delete' } }, 'merge');
    await cluster.delete(vscRef, preName);
    await waitFor(async () => !double.snapshotExists(keptHandle), `snapshot ${keptHandle} removed`, 10_000);
  });

  it('deletes a Delete content with its VolumeSnapshot, and the snapshot with the content', async () => {
    const vs = (await cluster.get(vsRef, 'snap', ns))!;
    const contentName = statusOf(vs).boundVolumeSnapshotContentName!;
    await cluster.delete(vsRef, 'snap', { namespace: ns });
    await waitFor(async () => (await cluster.get(vscRef, contentName)) === undefined, `content ${contentName} deleted`, 10_000);
    await waitFor(async () => !double.snapshotExists(handle), `snapshot ${handle} removed`, 10_000);
    expect(double.handles()).toEqual([]);
    expect(double.errors).toEqual([]);
  });
});
