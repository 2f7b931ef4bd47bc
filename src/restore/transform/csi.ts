import { createHash } from 'node:crypto';
import type { KubeObject } from '../../model/kube-object.js';
import { isJsonObject } from '../../util/json.js';
import { CSI } from '../../velero/vocabulary.js';
import { mappedNamespace } from './namespace.js';

export const SNAPSHOTS = `volumesnapshots.${CSI.group}`;
export const CONTENTS = `volumesnapshotcontents.${CSI.group}`;

/**
 * Velero's restored snapshot names (pkg/util GenerateSha256FromRestoreUIDAndVsName): the hex sha256 of
 * `<restore uid>/<backed-up VolumeSnapshot name>`, for the restored VolumeSnapshot and its pre-provisioned content
 * alike, so each restore gets its own pair and the claim's dataSource can name it before either exists.
 */
export function restoredSnapshotName(restoreUid: string, backedUpSnapshotName: string): string {
  return createHash('sha256').update(`${restoreUid}/${backedUpSnapshotName}`).digest('hex');
}

/** The name a backed-up snapshot object is restored under (undefined: its own). */
export function csiRestoredName(groupResource: string, backedUp: KubeObject, restoreUid: string): string | undefined {
  if (groupResource === SNAPSHOTS && backedUp.metadata.name) return restoredSnapshotName(restoreUid, backedUp.metadata.name);
  if (groupResource === CONTENTS) {
    const ref = isJsonObject(backedUp.spec) && isJsonObject(backedUp.spec.volumeSnapshotRef) ? backedUp.spec.volumeSnapshotRef.name : undefined;
    return typeof ref === 'string' && ref ? restoredSnapshotName(restoreUid, ref) : undefined;
  }
  return undefined;
}

/** The VolumeSnapshot a backed-up claim's data is in (Velero's annotation), if any. */
export function claimSnapshotName(pvc: KubeObject): string | undefined {
  return pvc.metadata.annotations?.[CSI.volumeSnapshotName] || undefined;
}

/**
 * Velero's CSI PVC restore action: the claim is provisioned a new volume from the restored snapshot (never the old
 * PV). Without volume restore (restore-volumes off), the claim just gets a new, empty volume.
 */
export function claimFromSnapshot(object: KubeObject, snapshotName: string | undefined, restoreUid: string): void {
  if (!isJsonObject(object.spec)) return;
  delete object.spec.volumeName;
  delete object.spec.dataSourceRef;
  if (snapshotName) object.spec.dataSource = { apiGroup: CSI.group, kind: 'VolumeSnapshot', name: restoredSnapshotName(restoreUid, snapshotName) };
  else delete object.spec.dataSource;
}

/**
 * Velero's VolumeSnapshot restore action: bound to the pre-provisioned content of the same derived name, no class,
 * Retain recorded. Returns why it cannot be restored (no bound content in the backup), or undefined.
 */
export function transformVolumeSnapshot(object: KubeObject, backedUp: KubeObject, restoreUid: string): string | undefined {
  const bound = isJsonObject(backedUp.status) ? backedUp.status.boundVolumeSnapshotContentName : undefined;
  if (typeof bound !== 'string' || !bound) return 'the backed-up VolumeSnapshot has no status.boundVolumeSnapshotContentName, so its snapshot cannot be found';
  const name = restoredSnapshotName(restoreUid, backedUp.metadata.name!);
  object.metadata.name = name;
  object.metadata.annotations = { ...object.metadata.annotations, [CSI.deletionPolicy]: 'Retain' };
  object.spec = { ...(isJsonObject(object.spec) ? object.spec : {}), source: { volumeSnapshotContentName: name } };
  delete (object.spec as Record<string, unknown>).volumeSnapshotClassName;
  return undefined;
}

/**
 * Velero's VolumeSnapshotContent restore action: pre-provisioned from the recorded handle, Retain (the restore never
 * deletes the backup's snapshot), bound to the restored VolumeSnapshot in the mapped namespace, with the target's
 * first class of the same driver. Returns why it cannot be restored (no handle), or undefined.
 */
export function transformVolumeSnapshotContent(object: KubeObject, backedUp: KubeObject, restoreUid: string, namespaceMappings: Readonly<Record<string, string>>, classesByDriver: ReadonlyMap<string, string>): string | undefined {
  const handle = isJsonObject(backedUp.status) ? backedUp.status.snapshotHandle : undefined;
  if (typeof handle !== 'string' || !handle) return 'the backed-up VolumeSnapshotContent has no status.snapshotHandle';
  const spec = isJsonObject(object.spec) ? object.spec : {};
  const ref = isJsonObject(spec.volumeSnapshotRef) ? spec.volumeSnapshotRef : {};
  if (typeof ref.name !== 'string' || !ref.name) return 'the backed-up VolumeSnapshotContent names no VolumeSnapshot (spec.volumeSnapshotRef.name)';
  const name = restoredSnapshotName(restoreUid, ref.name);
  object.metadata.name = name;
  const driver = typeof spec.driver === 'string' ? spec.driver : '';
  const snapshotClass = classesByDriver.get(driver);
  object.spec = {
    ...spec,
    deletionPolicy: 'Retain',
    source: { snapshotHandle: handle },
    volumeSnapshotRef: {
      apiVersion: ref.apiVersion,
      kind: ref.kind ?? 'VolumeSnapshot',
      name,
      namespace: typeof ref.namespace === 'string' ? mappedNamespace(ref.namespace, namespaceMappings) : ref.namespace
    }
  };
  if (snapshotClass) (object.spec as Record<string, unknown>).volumeSnapshotClassName = snapshotClass;
  else delete (object.spec as Record<string, unknown>).volumeSnapshotClassName;
  return undefined;
}
