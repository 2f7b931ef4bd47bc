import { isJsonObject } from '../../util/json.js';
import { CRDS } from './order.js';
import { claimSnapshotName, CONTENTS, SNAPSHOTS } from '../transform/csi.js';
import type { KubeObject } from '../../model/kube-object.js';

/** An item of the backup: its archive group-resource, namespace (absent when cluster-scoped) and name. */
export interface ItemKey {
  groupResource: string;
  namespace?: string;
  name: string;
}

/**
 * The items a selected item brings with it, by its backed-up form (Velero's restore item actions return them as
 * "additional items", restored even when the label selector or cluster-scope rule would leave them out):
 *   - a pod: the PVCs its volumes claim and its PriorityClass (AddPVCFromPodAction, PodAction);
 *   - a bound PVC: its PV (PVCAction, from status.phase Bound and spec.volumeName), and the VolumeSnapshot its data
 *     is in (Velero's CSI PVC action); a VolumeSnapshot: its content (Velero's CSI VolumeSnapshot action);
 *   - beyond Velero: a custom resource, the CRD of its group-resource when the backup holds it (`crdsInBackup`,
 *     the CRD names present): a custom resource cannot be created without its CRD, and Velero leaves that CRD out of a
 *     namespace-filtered restore.
 * The caller checks each key with itemSelected(..., { related: true }), and follows keys transitively (pod → PVC →
 * PV). Keys not in the backup are to be ignored.
 */
export function relatedItems(object: KubeObject, groupResource: string, crdsInBackup: ReadonlySet<string> = new Set()): ItemKey[] {
  const spec = isJsonObject(object.spec) ? object.spec : {};
  const namespace = object.metadata.namespace;
  const keys: ItemKey[] = [];
  if (groupResource === 'pods') {
    for (const volume of Array.isArray(spec.volumes) ? spec.volumes : []) {
      const claim = isJsonObject(volume) && isJsonObject(volume.persistentVolumeClaim) ? volume.persistentVolumeClaim.claimName : undefined;
      if (typeof claim === 'string' && claim && namespace) keys.push({ groupResource: 'persistentvolumeclaims', namespace, name: claim });
    }
    if (typeof spec.priorityClassName === 'string' && spec.priorityClassName) keys.push({ groupResource: 'priorityclasses.scheduling.k8s.io', name: spec.priorityClassName });
  } else if (groupResource === 'persistentvolumeclaims') {
    const phase = isJsonObject(object.status) ? object.status.phase : undefined;
    if (phase === 'Bound' && typeof spec.volumeName === 'string' && spec.volumeName) keys.push({ groupResource: 'persistentvolumes', name: spec.volumeName });
    const snapshot = claimSnapshotName(object);
    if (snapshot && namespace) keys.push({ groupResource: SNAPSHOTS, namespace, name: snapshot });
  } else if (groupResource === SNAPSHOTS) {
    const content = isJsonObject(object.status) ? object.status.boundVolumeSnapshotContentName : undefined;
    if (typeof content === 'string' && content) keys.push({ groupResource: CONTENTS, name: content });
  }
  if (crdsInBackup.has(groupResource)) keys.push({ groupResource: CRDS, name: groupResource });
  return keys;
}
