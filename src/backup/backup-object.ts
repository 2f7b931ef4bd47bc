import { recordSelectors } from '../persistence/selector-record.js';
import { encryptionAnnotations } from '../persistence/backup-encryption.js';
import type { BackupSettings } from '../settings/backup-settings.js';
import { ARCHIVE_FORMAT_VERSION } from '../archive/item-path.js';
import { ANNOTATIONS, CSI, LABELS, VELERO_NAMESPACE, type BackupPhase } from '../velero/vocabulary.js';
import { formatGoDuration } from '../util/duration.js';
import { rfc3339 } from '../velero/time.js';
import type { KubeObject } from '../model/kube-object.js';
import { signatureAnnotations } from '../integrity/backup-signature.js';
import type { ManifestSignature } from '../integrity/manifest-signature.js';

export interface BackupStatusFields {
  phase: BackupPhase;
  startTimestamp: Date;
  completionTimestamp?: Date;
  expiration: Date;
  totalItems: number;
  itemsBackedUp: number;
  errors: number;
  warnings: number;
  /** Velero's csiVolumeSnapshotsAttempted / Completed. */
  csiSnapshotsAttempted?: number;
  csiSnapshotsCompleted?: number;
}

export interface BackupIdentity {
  name: string;
  locationName: string;
  sourceClusterUid?: string;
  server: string;
  toolVersion: string;
  /** The sha256 of the backup's checksum manifest, written just before velero-backup.json. */
  checksumsSha256?: string;
  /** The manifest's signature, when the backup has a signing-key. */
  checksumsSignature?: ManifestSignature;
}

/**
 * The `velero.io/v1` Backup object as velero-backup.json holds it: spec is the request in Velero's field names,
 * status what Velero needs to sync and restore it (terminal phase, format version, timestamps, expiration).
 */
export function backupObject(identity: BackupIdentity, settings: BackupSettings, status: BackupStatusFields): KubeObject {
  const labels: Record<string, string> = { [LABELS.storageLocation]: identity.locationName };
  if (settings.scheduleName) labels[LABELS.scheduleName] = settings.scheduleName;
  const annotations: Record<string, string> = { [ANNOTATIONS.sourceServer]: identity.server, [ANNOTATIONS.tool]: `kube-backup-action ${identity.toolVersion}` };
  if (identity.sourceClusterUid) annotations[ANNOTATIONS.sourceCluster] = identity.sourceClusterUid;
  if (identity.checksumsSha256) annotations[ANNOTATIONS.checksumsSha256] = identity.checksumsSha256;
  if (identity.checksumsSignature) Object.assign(annotations, signatureAnnotations(identity.checksumsSignature));
  if (settings.encryption) Object.assign(annotations, encryptionAnnotations(settings.encryption));
  for (const [driver, snapshotClass] of Object.entries(settings.volumes.snapshotClassesByDriver)) annotations[`${CSI.backupSnapshotClassPrefix}${driver}`] = snapshotClass;
  const f = settings.filters;

  const spec: Record<string, unknown> = {
    includedNamespaces: f.includeNamespaces.length ? f.includeNamespaces : ['*'],
    excludedNamespaces: f.excludeNamespaces,
    includedResources: f.includeResources.length ? f.includeResources : ['*'],
    excludedResources: f.excludeResources,
    ttl: settings.ttl,
    storageLocation: identity.locationName,
    snapshotVolumes: settings.volumes.snapshotVolumes,
    defaultVolumesToFsBackup: settings.volumes.defaultVolumesToFsBackup,
    csiSnapshotTimeout: formatGoDuration(settings.volumes.csiSnapshotTimeoutMs),
    hooks: {},
    metadata: {}
  };
  if (f.includeClusterResources !== undefined) spec.includeClusterResources = f.includeClusterResources;
  recordSelectors({ spec, annotations }, settings.labelSelector, settings.orLabelSelectors);

  const statusObject: Record<string, unknown> = {
    version: 1,
    formatVersion: ARCHIVE_FORMAT_VERSION,
    phase: status.phase,
    startTimestamp: rfc3339(status.startTimestamp),
    expiration: rfc3339(status.expiration),
    progress: { totalItems: status.totalItems, itemsBackedUp: status.itemsBackedUp }
  };
  if (status.completionTimestamp) statusObject.completionTimestamp = rfc3339(status.completionTimestamp);
  if (status.errors) statusObject.errors = status.errors;
  if (status.warnings) statusObject.warnings = status.warnings;
  if (status.csiSnapshotsAttempted) {
    statusObject.csiVolumeSnapshotsAttempted = status.csiSnapshotsAttempted;
    statusObject.csiVolumeSnapshotsCompleted = status.csiSnapshotsCompleted ?? 0;
  }

  return {
    apiVersion: 'velero.io/v1',
    kind: 'Backup',
    metadata: { name: identity.name, namespace: VELERO_NAMESPACE, labels, annotations, creationTimestamp: rfc3339(status.startTimestamp) },
    spec,
    status: statusObject
  };
}
