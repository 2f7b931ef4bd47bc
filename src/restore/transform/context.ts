import type { ResourceModifiers } from '../../settings/resource-modifier-rules.js';

/** What the restore run decided once, that every item's transform needs. */
export interface TransformContext {
  backupName: string;
  restoreName: string;
  /** Source namespace → target namespace (`namespace-mappings`), as parseNamespaceMappings returns it. */
  namespaceMappings: Readonly<Record<string, string>>;
  /** Old storage class → new (`storage-class-mappings`). */
  storageClassMappings: Readonly<Record<string, string>>;
  preserveNodePorts: boolean;
  /** Keep metadata.ownerReferences for the caller to rewrite with rewriteOwnerReferences (our opt-in; Velero always strips them). */
  preserveOwnerReferences: boolean;
  /**
   * Names of the PVs this restore creates (volumesToRestore) plus those that already exist in the target: a PVC
   * whose spec.volumeName is not among them loses it, so a new volume is provisioned for it.
   */
  restoredVolumes: ReadonlySet<string>;
  resourceModifiers?: ResourceModifiers;
}

