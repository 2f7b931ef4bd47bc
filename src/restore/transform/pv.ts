import { isJsonObject, objectAt } from '../../util/json.js';
import { mappedNamespace } from './namespace.js';
import type { KubeObject } from '../../model/kube-object.js';

/** Annotations the PV controller sets when it binds a volume (Velero's resetVolumeBindingInfo). */
const PV_BINDING_ANNOTATIONS = ['pv.kubernetes.io/bind-completed', 'pv.kubernetes.io/bound-by-controller'];

function reclaimPolicy(pv: KubeObject): unknown {
  return isJsonObject(pv.spec) ? pv.spec.persistentVolumeReclaimPolicy : undefined;
}

/**
 * Velero restores a PV without a snapshot only when its reclaim policy is not Delete: a Delete volume belongs to
 * its claim's lifecycle (usually dynamically provisioned), so its claim gets a new one instead. We take no volume
 * snapshots, so this is the whole rule.
 */
export function persistentVolumeSkipReason(pv: KubeObject): string | undefined {
  return reclaimPolicy(pv) === 'Delete'
    ? 'reclaim policy Delete and no snapshot: not restored; its claim is provisioned a new volume (as Velero does)'
    : undefined;
}

/** The names of the backed-up PVs the restore creates: what the caller puts into TransformContext.restoredVolumes. */
export function volumesToRestore(pvs: Iterable<KubeObject>): Set<string> {
  const names = new Set<string>();
  for (const pv of pvs) {
    if (pv.metadata.name && persistentVolumeSkipReason(pv) === undefined) names.add(pv.metadata.name);
  }
  return names;
}

/**
 * A retained volume is restored as it was (Velero's default case): its claimRef keeps the claim's name, with the
 * namespace mapped (remapClaimRefNS), and loses the old claim's uid and resourceVersion so the PV controller binds it
 * to the restored claim, which has a new uid (resetVolumeBindingInfo, with the binding annotations).
 */
export function transformPersistentVolume(object: KubeObject, namespaceMappings: Readonly<Record<string, string>>): void {
  const spec = object.spec;
  if (isJsonObject(spec)) {
    const claimRef = objectAt(spec, ['claimRef']);
    if (claimRef) {
      delete claimRef.uid;
      delete claimRef.resourceVersion;
      if (typeof claimRef.namespace === 'string' && claimRef.namespace) claimRef.namespace = mappedNamespace(claimRef.namespace, namespaceMappings);
    }
  }
  const annotations = object.metadata.annotations;
  if (annotations) {
    for (const key of PV_BINDING_ANNOTATIONS) delete annotations[key];
    if (Object.keys(annotations).length === 0) delete object.metadata.annotations;
  }
}
