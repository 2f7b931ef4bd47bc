import type { VolumeClaim } from './pvc.js';
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
  /** Names of the PVs this restore creates (volumesToRestore). */
  restoredVolumes: ReadonlySet<string>;
  /**
   * PVs already in the target and the claim each is bound to: a restored claim may name one only when it is free
   * or already that claim's; otherwise the claim loses spec.volumeName and a new volume is provisioned for it.
   */
  existingVolumes?: ReadonlyMap<string, VolumeClaim>;
  resourceModifiers?: ResourceModifiers;
  /**
   * `<source namespace>/<claim>` of the claims whose files the restore fills from the backup's copies: each gets a
   * new volume (their old PVs are not restored), as Velero does for the volumes it restores by file-system backup.
   */
  copiedClaims?: ReadonlySet<string>;
  /** The PVs of those claims at backup time. */
  copiedVolumes?: ReadonlySet<string>;
  /** This restore's uid: restored CSI snapshots are named from it (Velero's rule). */
  restoreUid: string;
  /** Whether volume data is restored (restore-volumes): CSI snapshots, file-system copies. */
  restoreVolumes: boolean;
  /** The target's VolumeSnapshotClass per CSI driver (its first), for restored contents. */
  snapshotClassesByDriver?: ReadonlyMap<string, string>;
  /** PVs of claims restored from CSI snapshots: not restored themselves, the claim gets a new volume. */
  snapshottedVolumes?: ReadonlySet<string>;
  /**
   * `<source namespace>/<name>` of the backup's Services with a selector: the Endpoints of the same name are their
   * controller's, rebuilt in the target from the restored Service and pods (see managedEndpointsReason).
   */
  selectorServices?: ReadonlySet<string>;
}

