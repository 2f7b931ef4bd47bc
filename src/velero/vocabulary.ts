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
  location: 'kube-backup.io/location',
  /**
   * On a Backup (velero-backup.json): the sha256 of the backup's checksum manifest (`<b>-checksums.json`), which
   * holds the size and sha256 of every other file of the backup. Binds the manifest to the one file that makes the
   * backup exist.
   */
  checksumsSha256: 'kube-backup.io/checksums-sha256',
  /**
   * On a Backup whose files are encrypted (age): `age`; which files, by kind (`tarball,logs,results,resourceList,
   * volumeCopy`); and what opens them: the recipients' fingerprints (encryption/age-keys.ts), or `passphrase`.
   */
  encryption: 'kube-backup.io/encryption',
  encryptedFiles: 'kube-backup.io/encrypted-files',
  encryptionRecipients: 'kube-backup.io/encryption-recipients',
  /**
   * On a Backup signed with a signing-key: the Ed25519 signature (base64) of the checksum manifest's bytes, and the
   * signing key's fingerprint (sha256 of its public key's DER, hex). velero-backup.json itself is not signed.
   */
  checksumsSignature: 'kube-backup.io/checksums-signature',
  checksumsSigningKey: 'kube-backup.io/checksums-signing-key',
  /**
   * On a Backup copied from another location (`mode: copy`): the location whose CSI snapshots its volumeinfo names
   * (the URL of the one it was taken for). Snapshots are never copied: prune and delete of the copy delete its files
   * only.
   */
  snapshotsOwnedBy: 'kube-backup.io/snapshots-owned-by',
  /** Velero's file-system backup opt-in on a pod: the names of the volumes to copy, comma-separated. */
  backupVolumes: 'backup.velero.io/backup-volumes',
  /** Velero's opt-out, read when every pod volume is copied by default. */
  backupVolumesExcludes: 'backup.velero.io/backup-volumes-excludes',
  /** On a claim whose data could not be restored: why (the claim exists, its data is not the backup's). */
  volumeRestoreFailed: 'kube-backup.io/volume-restore-failed'
} as const;

export const VELERO_NAMESPACE = 'velero';

/**
 * Velero's CSI snapshot vocabulary (pkg/util/csi, pkg/backup/actions/csi, pkg/restore/actions/csi): what its backup
 * writes onto claims, VolumeSnapshots and VolumeSnapshotContents, and what its restore and deletion read back.
 */
export const CSI = {
  group: 'snapshot.storage.k8s.io',
  /** On a claim (as backed up): the VolumeSnapshot of its data. Also a label with the same value. */
  volumeSnapshotName: 'velero.io/volume-snapshot-name',
  /** On a claim: the VolumeSnapshotClass to use. On a class (as a label, any value): the class to use for its driver. */
  snapshotClass: 'velero.io/csi-volumesnapshot-class',
  /** On a Backup: `<prefix>_<lower-cased driver>` names the class to use for that driver. */
  backupSnapshotClassPrefix: 'velero.io/csi-volumesnapshot-class_',
  /** On a VolumeSnapshot (as backed up): its content's deletion policy, handle, driver and restore size. */
  deletionPolicy: 'velero.io/csi-vsc-deletion-policy',
  snapshotHandle: 'velero.io/csi-volumesnapshot-handle',
  driverName: 'velero.io/csi-driver-name',
  restoreSize: 'velero.io/csi-volumesnapshot-restore-size',
  /** The snapshot API's own default-class annotation. */
  defaultClass: 'snapshot.storage.kubernetes.io/is-default-class'
} as const;
