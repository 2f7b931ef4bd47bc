import { describe, expect, it } from '@jest/globals';
import type { Cluster } from '../../../src/kube/cluster.js';
import type { KubeObject } from '../../../src/model/kube-object.js';
import { runPrune } from '../../../src/prune/run-prune.js';
import type { PruneSettings } from '../../../src/settings/lifecycle-settings.js';
import { backupKeys } from '../../../src/storage/layout.js';
import { MemoryLogger } from '../../../src/util/logger.js';
import { MemoryStore } from '../lease/memory-store.js';

const NOW = new Date('2026-11-24T12:00:00Z');
const settings: PruneSettings = { dryRun: false, keepLast: 0, unfinishedGraceMs: 86_400_000, veleroNamespace: 'velero', lease: { ttlMs: 600_000, waitMs: 0 } };
const location = { name: 'default', accessMode: 'ReadWrite' as const };

async function expiredBackup(store: MemoryStore, name: string): Promise<void> {
  const backup = { apiVersion: 'velero.io/v1', kind: 'Backup', metadata: { name, labels: { 'velero.io/storage-location': 'default' } }, status: { phase: 'Completed', expiration: '2026-11-01T00:00:00Z' } };
  await store.put(backupKeys(name).tarball, 'x');
  await store.put(backupKeys(name).metadata, JSON.stringify(backup));
}

/** Backup objects by name; records what was deleted. */
function recordsCluster(records: Record<string, KubeObject>) {
  const deleted: string[] = [];
  const cluster = {
    get: async (_ref: unknown, name: string) => records[name],
    delete: async (_ref: unknown, name: string) => (deleted.push(name), true)
  } as unknown as Cluster;
  return { cluster, deleted };
}

const record = (name: string, url?: string): KubeObject => ({
  apiVersion: 'velero.io/v1',
  kind: 'Backup',
  metadata: { name, namespace: 'velero', labels: { 'velero.io/storage-location': 'default' }, ...(url ? { annotations: { 'kube-backup.io/location': url } } : {}) }
});

describe('runPrune and the Backup objects of other locations', () => {
  it("deletes its own record and leaves another location's, and an unmarked one, saying why", async () => {
    const store = new MemoryStore();
    for (const name of ['own', 'theirs', 'unmarked']) await expiredBackup(store, name);
    const { cluster, deleted } = recordsCluster({ own: record('own', store.url), theirs: record('theirs', 's3://bucket/other-prefix'), unmarked: record('unmarked') });
    const logger = new MemoryLogger();
    const result = await runPrune({ store, cluster, logger, clock: () => NOW, holder: 'test', lease: { renewEveryMs: 0 } }, { settings, location });
    expect(deleted).toEqual(['own']);
    expect(result.deleted.map((d) => [d.name, d.recordDeleted, d.recordLeftAlone])).toEqual([
      ['own', true, undefined],
      ['theirs', false, "it records another location named 'default': s3://bucket/other-prefix"],
      ['unmarked', false, expect.stringMatching(/^it records no location/)]
    ]);
    expect(logger.lines.map((l) => l.message)).toContainEqual(expect.stringMatching(/^Left Backup velero\/theirs alone: /));
  });
});
