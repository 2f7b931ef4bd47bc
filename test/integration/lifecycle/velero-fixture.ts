import { randomUUID } from 'node:crypto';
import { backupKeys, restoreKeys } from '../../../src/storage/layout.js';
import type { ObjectStore } from '../../../src/storage/object-store.js';
import { gzipJson, gzipText } from '../../../src/util/gzip.js';
import type { KubeObject } from '../../../src/model/kube-object.js';
import { veleroTarball } from '../../support/velero-go-writer.js';

/** Go's RFC 3339 in whole seconds, as metav1.Time marshals. */
const rfc3339 = (date: Date) => `${date.toISOString().slice(0, 19)}Z`;

/**
 * The velero-backup.json Velero (1.14+) writes for a scheduled backup, field for field: TypeMeta's kind before
 * apiVersion, server-set metadata (uid, resourceVersion, generation, managedFields), the schedule's labels and
 * Velero's source-cluster annotations, the spec defaults Velero fills in, and a Completed status.
 */
export function veleroBackupObject(name: string, options: { schedule: string; started: Date; ttlHours: number; location?: string; items?: number }): KubeObject {
  const location = options.location ?? 'default';
  const started = options.started;
  const completed = new Date(started.getTime() + 14_000);
  const expiration = new Date(started.getTime() + options.ttlHours * 3_600_000);
  return {
    kind: 'Backup',
    apiVersion: 'velero.io/v1',
    metadata: {
      name,
      namespace: 'velero',
      uid: randomUUID(),
      resourceVersion: '48213',
      generation: 6,
      creationTimestamp: rfc3339(started),
      labels: {
        'velero.io/schedule-name': options.schedule,
        'velero.io/storage-location': location
      },
      annotations: {
        'velero.io/resource-timeout': '10m0s',
        'velero.io/source-cluster-k8s-gitversion': 'v1.31.4',
        'velero.io/source-cluster-k8s-major-version': '1',
        'velero.io/source-cluster-k8s-minor-version': '31'
      },
      ownerReferences: [{ apiVersion: 'velero.io/v1', kind: 'Schedule', name: options.schedule, uid: randomUUID(), controller: true }],
      managedFields: [
        {
          manager: 'velero-server',
          operation: 'Update',
          apiVersion: 'velero.io/v1',
          time: rfc3339(completed),
          fieldsType: 'FieldsV1',
          fieldsV1: { 'f:status': { '.': {}, 'f:completionTimestamp': {}, 'f:expiration': {}, 'f:phase': {} } }
        }
      ]
    },
    spec: {
      metadata: {},
      includedNamespaces: ['*'],
      excludedResources: ['events'],
      ttl: `${options.ttlHours}h0m0s`,
      hooks: {},
      storageLocation: location,
      volumeSnapshotLocations: ['default'],
      defaultVolumesToFsBackup: false,
      csiSnapshotTimeout: '10m0s',
      itemOperationTimeout: '4h0m0s',
      snapshotMoveData: false
    },
    status: {
      version: 1,
      formatVersion: '1.1.0',
      expiration: rfc3339(expiration),
      phase: 'Completed',
      startTimestamp: rfc3339(started),
      completionTimestamp: rfc3339(completed),
      progress: { totalItems: options.items ?? 2, itemsBackedUp: options.items ?? 2 },
      hookStatus: {}
    }
  };
}

/** Writes a whole backup folder as Velero lays it out, the tarball written by Go as Velero writes it. */
export async function writeVeleroBackup(store: ObjectStore, name: string, options: { schedule: string; started: Date; ttlHours: number; location?: string }): Promise<KubeObject> {
  const keys = backupKeys(name);
  const namespace: KubeObject = { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'shop', uid: randomUUID() }, spec: { finalizers: ['kubernetes'] }, status: { phase: 'Active' } };
  const configMap: KubeObject = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'settings', namespace: 'shop', uid: randomUUID() }, data: { color: 'blue' } };
  const tarball = await veleroTarball([
    { groupResource: 'namespaces', name: 'shop', version: 'v1', object: namespace },
    { groupResource: 'configmaps', namespace: 'shop', name: 'settings', version: 'v1', object: configMap }
  ]);
  await store.put(keys.tarball, tarball, { contentType: 'application/gzip' });

  const backup = veleroBackupObject(name, { ...options, items: 2 });
  // Velero uploads the log first and velero-backup.json before the rest (pkg/persistence/object_store.go PutBackup).
  await store.put(keys.logs, gzipText(`time="${rfc3339(options.started)}" level=info msg="Setting up backup log" backup=velero/${name}\n`));
  await store.put(keys.metadata, JSON.stringify(backup, null, 2));
  await store.put(keys.resourceList, gzipJson({ 'v1/ConfigMap': ['shop/settings'], 'v1/Namespace': ['shop'] }));
  await store.put(keys.results, gzipJson({ errors: {}, warnings: {} }));
  await store.put(keys.volumeSnapshots, gzipJson(null));
  await store.put(keys.podVolumeBackups, gzipJson(null));
  await store.put(keys.itemOperations, gzipJson(null));
  await store.put(`${keys.folder}${name}-csi-volumesnapshots.json.gz`, gzipJson(null));
  await store.put(`${keys.folder}${name}-csi-volumesnapshotcontents.json.gz`, gzipJson(null));
  await store.put(keys.volumeInfo, gzipJson([]));
  return backup;
}

/** A restore folder as Velero writes it: logs and results, but no velero-restore.json. */
export async function writeVeleroRestore(store: ObjectStore, name: string): Promise<void> {
  const keys = restoreKeys(name);
  await store.put(keys.logs, gzipText('time="2026-01-01T00:00:00Z" level=info msg="starting restore"\n'));
  await store.put(keys.results, gzipJson({ errors: {}, warnings: {} }));
}

/** A restore folder as this project's restore writes it: with velero-restore.json naming its backup. */
export async function writeRestore(store: ObjectStore, name: string, backupName: string): Promise<void> {
  const keys = restoreKeys(name);
  await store.put(keys.logs, gzipText('restore log\n'));
  await store.put(keys.results, gzipJson({ errors: {}, warnings: {} }));
  await store.put(keys.resourceList, gzipJson({ 'v1/ConfigMap': ['shop/settings(created)'] }));
  const restore = { apiVersion: 'velero.io/v1', kind: 'Restore', metadata: { name, namespace: 'velero' }, spec: { backupName }, status: { phase: 'Completed' } };
  await store.put(keys.metadata, `${JSON.stringify(restore, null, 2)}\n`, { contentType: 'application/json' });
}
