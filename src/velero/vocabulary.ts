/** Velero's names that backup, restore, prune and sync all use: labels, annotations, its namespace and phases. */

export type BackupPhase = 'InProgress' | 'Completed' | 'PartiallyFailed' | 'Failed';

export const LABELS = {
  storageLocation: 'velero.io/storage-location',
  scheduleName: 'velero.io/schedule-name',
  backupName: 'velero.io/backup-name',
  restoreName: 'velero.io/restore-name',
  excludeFromBackup: 'velero.io/exclude-from-backup'
} as const;

export const ANNOTATIONS = {
  /** The source cluster's identity (kube-system namespace uid), so a duplicate scheduled run can tell its own backup. */
  sourceCluster: 'kube-backup.io/source-cluster-uid',
  sourceServer: 'kube-backup.io/source-server',
  tool: 'kube-backup.io/created-by',
  /** Selectors Velero's metav1 fields cannot hold (`version>2`), as typed. */
  labelSelectors: 'kube-backup.io/label-selectors',
  /**
   * On a Backup object in a cluster: the location (its URL: `s3://bucket/prefix`, `file:///dir`) whose backup it
   * records. Location names are not unique (every location is `default` by default), so sync and prune act only on
   * the records whose annotation names their own location.
   */
  location: 'kube-backup.io/location'
} as const;

export const VELERO_NAMESPACE = 'velero';
