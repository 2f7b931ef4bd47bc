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

/** The claim an existing volume is bound or reserved to (its spec.claimRef), or null when it is free. */
export type VolumeClaim = { namespace?: string; name?: string } | null;

/** Which volumes a restored claim may name: what this run creates, and what the target already has. */
export interface VolumeAvailability {
  /** PVs this restore creates (volumesToRestore). */
  restored: ReadonlySet<string>;
  /** PVs already in the target, with the claim each one is bound to. */
  existing?: ReadonlyMap<string, VolumeClaim>;
}

/**
 * Whether a claim restored as `claim` (target namespace and name) may keep spec.volumeName. A volume already in the
 * target is usable only when it is free or already this claim's: cloning a namespace on the same cluster finds the
 * original volume there, bound to the original claim, and a copy naming it would stay Pending forever. A volume
 * not in the target is usable only when this run restores it.
 */
export function claimMayKeepVolume(volumeName: string, claim: { namespace?: string; name?: string }, volumes: VolumeAvailability): boolean {
  const existing = volumes.existing?.get(volumeName);
  if (existing !== undefined) return existing === null || (existing.namespace === claim.namespace && existing.name === claim.name);
  return volumes.restored.has(volumeName);
}

/**
 * A claim keeps spec.volumeName only when that volume is usable by it (claimMayKeepVolume); otherwise it loses the
 * name and gets a new volume provisioned (Velero does this for the volumes it re-provisions: reclaim policy Delete,
 * no snapshot).
 */
export function transformPersistentVolumeClaim(object: KubeObject, targetNamespace: string | undefined, volumes: VolumeAvailability): void {
  const annotations = object.metadata.annotations;
  if (annotations) {
    for (const key of PVC_BINDING_ANNOTATIONS) delete annotations[key];
    if (Object.keys(annotations).length === 0) delete object.metadata.annotations;
  }
  const spec = object.spec;
  if (isJsonObject(spec) && typeof spec.volumeName === 'string' && spec.volumeName !== '' && !claimMayKeepVolume(spec.volumeName, { namespace: targetNamespace, name: object.metadata.name }, volumes)) {
    delete spec.volumeName;
  }
}
