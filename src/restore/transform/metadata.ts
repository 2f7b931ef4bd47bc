import { validLabelValue } from '../../velero/label-value.js';
import type { KubeObject } from '../../model/kube-object.js';
import { LABELS } from '../../velero/vocabulary.js';

/**
 * Metadata the source API server set for its own bookkeeping, meaningless or refused on another cluster. Velero's
 * resetMetadata removes the same list (generateName included: the object already has its name) except
 * managedFields, which Velero re-applies with a patch after create; we let the target record its own field
 * managers instead, so a restored object does not claim to be owned by the source's controllers.
 */
const SERVER_METADATA = [
  'generateName',
  'selfLink',
  'uid',
  'resourceVersion',
  'generation',
  'creationTimestamp',
  'deletionTimestamp',
  'deletionGracePeriodSeconds',
  'managedFields'
] as const;

/**
 * Velero's resetMetadataAndStatus: the fields above, ownerReferences (their uids name the source's objects, and
 * the target's garbage collector deletes an object whose owner uid does not exist) and status (Velero restores
 * status only for the resources `restoreStatus` names, which we do not offer). Labels, annotations and finalizers stay.
 * Changes the object it is given.
 */
export function resetMetadataAndStatus(object: KubeObject, keepOwnerReferences: boolean): void {
  for (const key of SERVER_METADATA) delete object.metadata[key];
  if (!keepOwnerReferences) delete object.metadata.ownerReferences;
  delete object.status;
}

/** Velero's addRestoreLabels: which backup and which restore created the object, to find (and clean up) it later. */
export function addRestoreLabels(object: KubeObject, backupName: string, restoreName: string): void {
  object.metadata.labels = {
    ...object.metadata.labels,
    [LABELS.backupName]: validLabelValue(backupName),
    [LABELS.restoreName]: validLabelValue(restoreName)
  };
}
