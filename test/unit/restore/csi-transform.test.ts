import { createHash } from 'node:crypto';
import { describe, expect, it } from '@jest/globals';
import type { KubeObject } from '../../../src/model/kube-object.js';
import { transformForRestore, type TransformContext } from '../../../src/restore/transform/index.js';
import { restoredSnapshotName } from '../../../src/restore/transform/csi.js';

const uid = '11111111-2222-4333-8444-555555555555';
const ctx = (overrides: Partial<TransformContext> = {}): TransformContext => ({
  backupName: 'b',
  restoreName: 'r',
  restoreUid: uid,
  restoreVolumes: true,
  namespaceMappings: { shop: 'shop-copy' },
  storageClassMappings: {},
  preserveNodePorts: false,
  preserveOwnerReferences: false,
  restoredVolumes: new Set(['pv-1']),
  snapshottedVolumes: new Set(['pv-1']),
  snapshotClassesByDriver: new Map([['ebs.csi.aws.com', 'target-class']]),
  ...overrides
});

const pvc: KubeObject = {
  apiVersion: 'v1',
  kind: 'PersistentVolumeClaim',
  metadata: { name: 'data', namespace: 'shop', annotations: { 'velero.io/volume-snapshot-name': 'velero-data-abcde', 'pv.kubernetes.io/bind-completed': 'yes' } },
  spec: { volumeName: 'pv-1', storageClassName: 'gp3', resources: { requests: { storage: '10Gi' } }, dataSourceRef: { kind: 'X', name: 'y' } },
  status: { phase: 'Bound' }
};
const vs: KubeObject = {
  apiVersion: 'snapshot.storage.k8s.io/v1',
  kind: 'VolumeSnapshot',
  metadata: { name: 'velero-data-abcde', namespace: 'shop', annotations: { 'velero.io/csi-volumesnapshot-handle': 'snap-1' } },
  spec: { source: { persistentVolumeClaimName: 'data' }, volumeSnapshotClassName: 'source-class' },
  status: { boundVolumeSnapshotContentName: 'snapcontent-1', readyToUse: true }
};
const vsc: KubeObject = {
  apiVersion: 'snapshot.storage.k8s.io/v1',
  kind: 'VolumeSnapshotContent',
  metadata: { name: 'snapcontent-1', labels: { 'velero.io/backup-name': 'b' } },
  spec: { driver: 'ebs.csi.aws.com', deletionPolicy: 'Delete', source: { volumeHandle: 'vol-1' }, volumeSnapshotClassName: 'source-class', volumeSnapshotRef: { apiVersion: 'snapshot.storage.k8s.io/v1', kind: 'VolumeSnapshot', name: 'velero-data-abcde', namespace: 'shop', uid: 'old', resourceVersion: '9' } },
  status: { snapshotHandle: 'snap-1', readyToUse: true }
};

const shaName = createHash('sha256').update(`${uid}/velero-data-abcde`).digest('hex');

describe("Velero's CSI restore, as transforms", () => {
  it('names restored snapshots by sha256(restore uid / backed-up name)', () => {
    expect(restoredSnapshotName(uid, 'velero-data-abcde')).toBe(shaName);
  });

  it('gives the claim a new volume provisioned from the restored snapshot', () => {
    const out = transformForRestore(pvc, 'persistentvolumeclaims', ctx());
    if (!('object' in out)) throw new Error('not restored');
    expect(out.object.spec).toEqual({ storageClassName: 'gp3', resources: { requests: { storage: '10Gi' } }, dataSource: { apiGroup: 'snapshot.storage.k8s.io', kind: 'VolumeSnapshot', name: shaName } });
    expect(out.object.metadata.annotations?.['velero.io/volume-snapshot-name']).toBeUndefined();
    expect(out.object.metadata.namespace).toBe('shop-copy');
  });

  it('gives it a new empty volume when volume data is not restored', () => {
    const out = transformForRestore(pvc, 'persistentvolumeclaims', ctx({ restoreVolumes: false }));
    if (!('object' in out)) throw new Error('not restored');
    expect((out.object.spec as Record<string, unknown>).dataSource).toBeUndefined();
    expect((out.object.spec as Record<string, unknown>).volumeName).toBeUndefined();
  });

  it('binds the restored snapshot to the pre-provisioned content of the same name, without a class', () => {
    const out = transformForRestore(vs, 'volumesnapshots.snapshot.storage.k8s.io', ctx());
    if (!('object' in out)) throw new Error('not restored');
    expect(out.object.metadata).toMatchObject({ name: shaName, namespace: 'shop-copy', annotations: { 'velero.io/csi-vsc-deletion-policy': 'Retain' } });
    expect(out.object.spec).toEqual({ source: { volumeSnapshotContentName: shaName } });
  });

  it('pre-provisions the content from the handle, Retain, pointing at the mapped namespace, with the target class', () => {
    const out = transformForRestore(vsc, 'volumesnapshotcontents.snapshot.storage.k8s.io', ctx());
    if (!('object' in out)) throw new Error('not restored');
    expect(out.object.metadata.name).toBe(shaName);
    expect(out.object.spec).toEqual({
      driver: 'ebs.csi.aws.com',
      deletionPolicy: 'Retain',
      source: { snapshotHandle: 'snap-1' },
      volumeSnapshotClassName: 'target-class',
      volumeSnapshotRef: { apiVersion: 'snapshot.storage.k8s.io/v1', kind: 'VolumeSnapshot', name: shaName, namespace: 'shop-copy' }
    });
  });

  it('fails a content without a handle and a snapshot without a bound content, naming why', () => {
    expect(() => transformForRestore({ ...vsc, status: {} }, 'volumesnapshotcontents.snapshot.storage.k8s.io', ctx())).toThrow('snapshotHandle');
    expect(() => transformForRestore({ ...vs, status: {} }, 'volumesnapshots.snapshot.storage.k8s.io', ctx())).toThrow('boundVolumeSnapshotContentName');
  });

  it("does not restore the claim's old volume, nor the snapshot objects without volume restore", () => {
    expect(transformForRestore({ apiVersion: 'v1', kind: 'PersistentVolume', metadata: { name: 'pv-1' }, spec: { persistentVolumeReclaimPolicy: 'Retain' } }, 'persistentvolumes', ctx())).toEqual({ skip: expect.stringContaining('CSI snapshot') });
    expect(transformForRestore(vs, 'volumesnapshots.snapshot.storage.k8s.io', ctx({ restoreVolumes: false }))).toEqual({ skip: 'restore-volumes is off' });
  });
});
