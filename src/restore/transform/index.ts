import { cloneJson, isJsonObject } from '../../util/json.js';
import type { TransformContext } from './context.js';
import { transformJob } from './job.js';
import { addRestoreLabels, resetMetadataAndStatus } from './metadata.js';
import { applyResourceModifiers } from './modifiers/apply.js';
import { mapItemNamespace, mappedNamespace } from './namespace.js';
import { transformPod } from './pod.js';
import { transformPersistentVolume } from './pv.js';
import { transformPersistentVolumeClaim } from './pvc.js';
import { claimFromSnapshot, claimSnapshotName, CONTENTS, SNAPSHOTS, transformVolumeSnapshot, transformVolumeSnapshotContent } from './csi.js';
import { mapSubjectNamespaces } from './rbac.js';
import { transformSecret } from './secret.js';
import { transformService } from './service.js';
import { transformServiceAccount } from './service-account.js';
import { skipReason } from './skip.js';
import { managedEndpointsReason } from './endpoints.js';
import { mapStorageClass } from './storage-class.js';
import type { KubeObject } from '../../model/kube-object.js';

export type { TransformContext } from './context.js';

export type TransformResult =
  /** What to create. `notes` say what changed beyond the routine (modifier rules applied, a claim unbound). */
  | { object: KubeObject; notes: string[] }
  /** Not restored, by design; the reason is for the report. */
  | { skip: string }
  /** The item cannot be restored as asked (a resource modifier failed); an error of the restore, as in Velero. */
  | { fail: string };

/**
 * Everything that happens to a backed-up item before it is created, in Velero's order (restoreItem):
 *   1. items Velero does not restore are skipped (finished pods and Jobs, mirror pods, generated token Secrets,
 *      and, beyond Velero, Endpoints a Service's controller manages,
 *      PVs with reclaim policy Delete, ... see skipReason), judged on the item as backed up;
 *   2. server metadata, status and (unless preserved) ownerReferences are removed;
 *   3. resource modifiers apply, matching the backed-up namespace and name (Velero applies them before its
 *      restore item actions and the namespace mapping, so a later step, e.g. dropping a Service's clusterIP,
 *      wins over a modifier);
 *   4. the per-kind adjustments of Velero's restore item actions;
 *   5. the namespace mapping;
 *   6. the velero.io/backup-name and restore-name labels.
 * The input is not changed. Whole resources never restored (NEVER_RESTORED) and the filters are the caller's
 * business (plan/), as is the Namespace to create for a mapped namespace (namespaceForTarget).
 */
export function transformForRestore(backedUp: KubeObject, groupResource: string, ctx: TransformContext): TransformResult {
  const skip = volumeDataSkipReason(backedUp, groupResource, ctx) ?? managedEndpointsReason(backedUp, groupResource, ctx) ?? skipReason(backedUp, groupResource);
  if (skip) return { skip };

  const kindTransform = Object.hasOwn(KIND_TRANSFORMS, groupResource) ? KIND_TRANSFORMS[groupResource] : undefined;
  let object = ctx.resourceModifiers || kindTransform ? cloneJson(backedUp) : withOwnMetadata(backedUp);
  resetMetadataAndStatus(object, ctx.preserveOwnerReferences);
  const notes: string[] = [];

  if (ctx.resourceModifiers) {
    const outcome = applyResourceModifiers(object, groupResource, ctx.resourceModifiers);
    if (outcome.errors.length) return { fail: outcome.errors.join('; ') };
    object = outcome.object;
    if (outcome.applied.length) notes.push(`resource modifier rule${outcome.applied.length > 1 ? 's' : ''} ${outcome.applied.join(', ')} applied`);
  }

  notes.push(...(kindTransform?.(object, ctx, backedUp) ?? []));
  mapItemNamespace(object, groupResource, ctx.namespaceMappings);
  addRestoreLabels(object, ctx.backupName, ctx.restoreName);
  return { object, notes };
}

/**
 * A copy that shares everything with `backedUp` except what the metadata steps change (the top level, metadata and
 * its labels), for the kinds nothing else is changed of: a deep copy of each of 10,000 ConfigMaps was a restore's
 * largest cost after the writes themselves.
 */
function withOwnMetadata(backedUp: KubeObject): KubeObject {
  const { labels } = backedUp.metadata;
  return { ...backedUp, metadata: { ...backedUp.metadata, ...(labels ? { labels: { ...labels } } : {}) } };
}

/** One of Velero's built-in restore item actions: changes `object` (a deep copy) below metadata; returns notes. */
type KindTransform = (object: KubeObject, ctx: TransformContext, backedUp: KubeObject) => string[] | void;

/**
 * Velero's built-in restore item actions, by group-resource. The kinds listed here are transformed on a deep copy;
 * every other kind shares its spec with the backed-up item (withOwnMetadata).
 */
const KIND_TRANSFORMS: Record<string, KindTransform> = {
  services: (object, ctx, backedUp) => transformService(object, ctx.preserveNodePorts, backedUp),
  pods: (object) => transformPod(object),
  'jobs.batch': (object) => transformJob(object),
  serviceaccounts: (object) => transformServiceAccount(object),
  secrets: (object) => transformSecret(object),
  persistentvolumeclaims: transformClaim,
  persistentvolumes: (object, ctx) => {
    transformPersistentVolume(object, ctx.namespaceMappings);
    mapStorageClass(object, 'persistentvolumes', ctx.storageClassMappings);
  },
  [SNAPSHOTS]: (object, ctx, backedUp) => failOn(transformVolumeSnapshot(object, backedUp, ctx.restoreUid)),
  [CONTENTS]: (object, ctx, backedUp) => failOn(transformVolumeSnapshotContent(object, backedUp, ctx.restoreUid, ctx.namespaceMappings, ctx.snapshotClassesByDriver ?? new Map())),
  'statefulsets.apps': (object, ctx) => mapStorageClass(object, 'statefulsets.apps', ctx.storageClassMappings),
  'rolebindings.rbac.authorization.k8s.io': (object, ctx) => mapSubjectNamespaces(object, ctx.namespaceMappings),
  'clusterrolebindings.rbac.authorization.k8s.io': (object, ctx) => mapSubjectNamespaces(object, ctx.namespaceMappings)
};

/** The group-resources Velero's restore item actions change beyond metadata. */
export const KINDS_WITH_OWN_TRANSFORM = Object.keys(KIND_TRANSFORMS);

function failOn(problem: string | undefined): void {
  if (problem) throw new Error(problem);
}

function transformClaim(object: KubeObject, ctx: TransformContext, backedUp: KubeObject): string[] {
  const notes: string[] = [];
  const before = volumeName(object);
  const targetNamespace = object.metadata.namespace && mappedNamespace(object.metadata.namespace, ctx.namespaceMappings);
  const snapshot = claimSnapshotName(backedUp);
  if (snapshot) {
    transformPersistentVolumeClaim(object, targetNamespace, { restored: new Set() });
    claimFromSnapshot(object, ctx.restoreVolumes ? snapshot : undefined, ctx.restoreUid);
    notes.push(ctx.restoreVolumes ? `a new volume is provisioned from its CSI snapshot (${snapshot})` : 'restore-volumes is off: a new, empty volume is provisioned');
  } else if (ctx.copiedClaims?.has(`${backedUp.metadata.namespace}/${backedUp.metadata.name}`)) {
    // Naming no usable volume, the claim loses spec.volumeName.
    transformPersistentVolumeClaim(object, targetNamespace, { restored: new Set() });
    notes.push('a new volume is provisioned and filled from the backup\'s file-system copy');
  } else {
    transformPersistentVolumeClaim(object, targetNamespace, { restored: ctx.restoredVolumes, existing: ctx.existingVolumes });
    if (before && !volumeName(object)) notes.push(`spec.volumeName ${before} removed: that volume is neither restored nor free in the target, a new one will be provisioned`);
  }
  mapStorageClass(object, 'persistentvolumeclaims', ctx.storageClassMappings);
  return notes;
}

/**
 * A PV whose claim's data comes from a copy or a snapshot is not restored itself: the claim gets a new one. Without
 * volume restore, the snapshot objects are not restored either (Velero's restorePVs false).
 */
function volumeDataSkipReason(object: KubeObject, groupResource: string, ctx: TransformContext): string | undefined {
  const name = object.metadata.name;
  if (groupResource === 'persistentvolumes' && name && ctx.copiedVolumes?.has(name)) return "its claim's files are restored from the backup's file-system copy into a new volume";
  if (groupResource === 'persistentvolumes' && name && ctx.snapshottedVolumes?.has(name)) return 'its claim is restored from its CSI snapshot into a new volume';
  if ((groupResource === SNAPSHOTS || groupResource === CONTENTS) && !ctx.restoreVolumes) return 'restore-volumes is off';
  return undefined;
}

function volumeName(object: KubeObject): string | undefined {
  return isJsonObject(object.spec) && typeof object.spec.volumeName === 'string' && object.spec.volumeName ? object.spec.volumeName : undefined;
}

export { namespaceForTarget } from './namespace.js';
export { rewriteOwnerReferences, type OwnerUidLookup } from './owner-references.js';
export { volumesToRestore } from './pv.js';
export { hasSelector } from './endpoints.js';
