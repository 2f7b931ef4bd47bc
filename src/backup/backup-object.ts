import type { KubeObject } from '../kube/cluster.js';
import { parseLabelSelector } from '../kube/label-selector.js';
import type { BackupSettings } from '../settings/backup-settings.js';
import { ARCHIVE_FORMAT_VERSION } from '../storage/layout.js';

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
  tool: 'kube-backup.io/created-by'
} as const;

export const VELERO_NAMESPACE = 'velero';

export interface BackupStatusFields {
  phase: BackupPhase;
  startTimestamp: Date;
  completionTimestamp?: Date;
  expiration: Date;
  totalItems: number;
  itemsBackedUp: number;
  errors: number;
  warnings: number;
}

export interface BackupIdentity {
  name: string;
  locationName: string;
  sourceClusterUid?: string;
  server: string;
  toolVersion: string;
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
  const f = settings.filters;

  const spec: Record<string, unknown> = {
    includedNamespaces: f.includeNamespaces.length ? f.includeNamespaces : ['*'],
    excludedNamespaces: f.excludeNamespaces,
    includedResources: f.includeResources.length ? f.includeResources : ['*'],
    excludedResources: f.excludeResources,
    ttl: settings.ttl,
    storageLocation: identity.locationName,
    snapshotVolumes: false,
    hooks: {},
    metadata: {}
  };
  if (f.includeClusterResources !== undefined) spec.includeClusterResources = f.includeClusterResources;
  if (settings.labelSelector) spec.labelSelector = parseLabelSelector(settings.labelSelector, 'selector');
  if (settings.orLabelSelectors.length) spec.orLabelSelectors = settings.orLabelSelectors.map((s) => parseLabelSelector(s, 'or-selector'));

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

  return {
    apiVersion: 'velero.io/v1',
    kind: 'Backup',
    metadata: { name: identity.name, namespace: VELERO_NAMESPACE, labels, annotations, creationTimestamp: rfc3339(status.startTimestamp) },
    spec,
    status: statusObject
  };
}

/** Kubernetes timestamps carry whole seconds: `2026-11-24T08:00:00Z`. */
export function rfc3339(date: Date): string {
  return `${date.toISOString().slice(0, 19)}Z`;
}
