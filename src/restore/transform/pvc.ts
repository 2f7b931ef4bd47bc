import { isJsonObject } from '../../util/json.js';
import type { KubeObject } from '../../model/kube-object.js';

/**
 * Annotations the PV controller and scheduler set while binding and provisioning in the source cluster (Velero's
 * PVCAction and resetVolumeBindingInfo). Left in place they tell the target's controllers the claim is already
 * bound, provisioned by a given provisioner, or must land on a node of the source cluster. Velero clears
 * selected-node only when that node is missing from the target; we cannot look, and the scheduler picks a node
 * again anyway, so it always goes. The two velero.io ones are Velero's snapshot/data-mover bookkeeping.
 */
export const PVC_BINDING_ANNOTATIONS = [
  'pv.kubernetes.io/bind-completed',
  'pv.kubernetes.io/bound-by-controller',
  'volume.kubernetes.io/selected-node',
  'volume.kubernetes.io/storage-provisioner',
  'volume.beta.kubernetes.io/storage-provisioner',
  'velero.io/volume-snapshot-name',
  'velero.io/data-upload-name'
];

/**
 * A claim keeps spec.volumeName only when that volume is restored by this run or already in the target
 * (restoredVolumes); otherwise it would wait forever for a volume that will never come, so it loses the name and
 * gets a new volume provisioned (Velero does this for the volumes it re-provisions: reclaim policy Delete, no snapshot).
 */
export function transformPersistentVolumeClaim(object: KubeObject, restoredVolumes: ReadonlySet<string>): void {
  const annotations = object.metadata.annotations;
  if (annotations) {
    for (const key of PVC_BINDING_ANNOTATIONS) delete annotations[key];
    if (Object.keys(annotations).length === 0) delete object.metadata.annotations;
  }
  const spec = object.spec;
  if (isJsonObject(spec) && typeof spec.volumeName === 'string' && spec.volumeName !== '' && !restoredVolumes.has(spec.volumeName)) {
    delete spec.volumeName;
  }
}
