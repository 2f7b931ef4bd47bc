import type { KubeCluster } from '../../../src/kube/kube-cluster.js';
import { runBackup, type BackupContext, type BackupResult } from '../../../src/backup/run.js';
import { parseBackupSettings, parseLocationPolicy } from '../../../src/settings/backup-settings.js';
import { mapReader } from '../../../src/settings/input-reader.js';
import type { LeaseSettings, PruneSettings, SyncSettings } from '../../../src/settings/lifecycle-settings.js';
import type { ObjectStore } from '../../../src/storage/object-store.js';
import { MemoryLogger } from '../../../src/util/logger.js';
import { createNamespace, refs } from '../../support/cluster.js';

export const LEASE: LeaseSettings = { ttlMs: 600_000, waitMs: 0 };

export function pruneSettings(overrides: Partial<PruneSettings> = {}): PruneSettings {
  return { dryRun: false, keepLast: 0, unfinishedGraceMs: 86_400_000, veleroNamespace: 'velero', lease: LEASE, ...overrides };
}

export function syncSettings(overrides: Partial<SyncSettings> = {}): SyncSettings {
  return { veleroNamespace: 'velero', installCrds: true, lease: LEASE, ...overrides };
}

/** A namespace with one ConfigMap: a backup of it is small and quick. */
export async function smallNamespace(cluster: KubeCluster, name: string): Promise<void> {
  await createNamespace(cluster, name);
  await cluster.create(refs.configmaps, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'settings', namespace: name }, data: { color: 'blue' } });
}

/** A real backup of `namespace`, with inputs as the action takes them. */
export async function backupOf(
  cluster: KubeCluster,
  store: ObjectStore,
  namespace: string,
  inputs: Record<string, string>,
  extra: { slot?: Date; context?: Partial<BackupContext> } = {}
): Promise<BackupResult> {
  const reader = mapReader({ 'include-namespaces': namespace, 'exclude-resources': 'events', ...inputs });
  return runBackup(
    { cluster, store, logger: new MemoryLogger(), holder: 'test', lease: { renewEveryMs: 0, pollMs: 100 }, ...extra.context },
    { settings: parseBackupSettings(reader), location: parseLocationPolicy(reader), slot: extra.slot }
  );
}
