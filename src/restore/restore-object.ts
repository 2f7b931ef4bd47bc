import { recordSelectors } from '../persistence/selector-record.js';
import type { RestoreSettings } from '../settings/restore-settings.js';
import type { KubeObject } from '../model/kube-object.js';
import { VELERO_NAMESPACE, LABELS } from '../velero/vocabulary.js';
import { rfc3339 } from '../velero/time.js';

export type RestorePhase = 'InProgress' | 'Completed' | 'PartiallyFailed' | 'Failed';

/**
 * Our `velero-restore.json`: a `velero.io/v1` Restore naming spec.backupName, so prune finds a backup's restores.
 * Velero writes no such file (it keeps Restores only in its cluster); it ignores this one.
 */
export function restoreObject(
  name: string,
  uid: string,
  backupName: string,
  settings: RestoreSettings,
  status: { phase: RestorePhase; started: Date; completed: Date; total: number; restored: number; errors: number; warnings: number; failureReason?: string }
): KubeObject {
  const f = settings.filters;
  const spec: Record<string, unknown> = {
    backupName,
    includedNamespaces: f.includeNamespaces.length ? f.includeNamespaces : ['*'],
    excludedNamespaces: f.excludeNamespaces,
    includedResources: f.includeResources.length ? f.includeResources : ['*'],
    excludedResources: f.excludeResources,
    namespaceMapping: settings.namespaceMappings,
    existingResourcePolicy: settings.existingResourcePolicy
  };
  if (f.includeClusterResources !== undefined) spec.includeClusterResources = f.includeClusterResources;
  const annotations: Record<string, string> = {};
  recordSelectors({ spec, annotations }, f.labelSelector, f.orLabelSelectors);
  if (settings.preserveNodePorts) spec.preserveNodePorts = true;
  return {
    apiVersion: 'velero.io/v1',
    kind: 'Restore',
    // The uid restored CSI snapshots are named from (Velero's restore UID), so they can be traced to this restore.
    metadata: { name, namespace: VELERO_NAMESPACE, uid, labels: { [LABELS.backupName]: backupName }, ...(Object.keys(annotations).length ? { annotations } : {}) },
    spec,
    status: {
      phase: status.phase,
      startTimestamp: rfc3339(status.started),
      completionTimestamp: rfc3339(status.completed),
      progress: { totalItems: status.total, itemsRestored: status.restored },
      ...(status.errors ? { errors: status.errors } : {}),
      ...(status.warnings ? { warnings: status.warnings } : {}),
      // Velero's field for why a restore ended Failed: a cancelled run says so here.
      ...(status.failureReason ? { failureReason: status.failureReason } : {})
    }
  };
}
