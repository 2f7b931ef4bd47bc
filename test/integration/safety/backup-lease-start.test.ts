import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { runBackup, type BackupResult } from '../../../src/backup/run.js';
import { acquireLease, LEASE_KEY, type LeaseOptions } from '../../../src/coordination/lease.js';
import type { KubeCluster } from '../../../src/kube/kube-cluster.js';
import { parseBackupSettings, parseLocationPolicy } from '../../../src/settings/backup-settings.js';
import { mapReader } from '../../../src/settings/input-reader.js';
import { backupKeys } from '../../../src/storage/layout.js';
import type { ObjectStore } from '../../../src/storage/object-store.js';
import { MemoryLogger } from '../../../src/util/logger.js';
import { clusterFor, createNamespace, deleteNamespace, refs, sleeperPod, waitForPodRunning } from '../../support/cluster.js';
import { testEnvironment, uniqueName } from '../../support/environment.js';
import { s3TestStore, type TestStore } from '../../support/stores.js';

/**
 * A backup starts reading the cluster while it takes the location's lease (on Swift, a new lease settles for a
 * second first). What it may do before the lease is its own is read: no file is stored and no pod's hook runs, and
 * a run that finds the location held drops what it read and starts again once it holds the lease.
 */
const env = testEnvironment();
const ns = uniqueName('sf-lease-start');
let cluster: KubeCluster;
let s3: TestStore;

beforeAll(async () => {
  cluster = clusterFor(env.kubeconfig);
  s3 = await s3TestStore('lease-start/');
  await createNamespace(cluster, ns);
  await cluster.create(refs.configmaps, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'settings', namespace: ns }, data: { a: 'b' } });
  await cluster.create(refs.pods, sleeperPod(ns, 'db', env.image, { annotations: { 'pre.hook.backup.velero.io/command': '["/bin/sh","-c","echo pre >> /tmp/hooks"]' } }));
  await waitForPodRunning(cluster, ns, 'db');
}, 120_000);

afterAll(async () => {
  await deleteNamespace(cluster, ns);
  await s3.cleanup();
  cluster.close();
});

function backup(store: ObjectStore, name: string, lease: Partial<LeaseOptions>): Promise<BackupResult> {
  const reader = mapReader({ 'backup-name': name, 'include-namespaces': ns });
  return runBackup({ cluster, store, logger: new MemoryLogger(), holder: `test ${name}`, lease }, { settings: parseBackupSettings(reader), location: parseLocationPolicy(reader) });
}

async function hookRuns(): Promise<number> {
  const { stdout } = await cluster.exec({ namespace: ns, pod: 'db', container: 'main' }, ['sh', '-c', 'cat /tmp/hooks 2>/dev/null || true']);
  return stdout.split('\n').filter((line) => line === 'pre').length;
}

async function storedKeys(store: ObjectStore, prefix: string): Promise<string[]> {
  const keys: string[] = [];
  for await (const object of store.list(prefix)) keys.push(object.key);
  for await (const write of store.listUnfinished?.(prefix) ?? []) keys.push(`unfinished ${write.key}`);
  return keys;
}

describe('a backup that starts reading before it holds the lease', () => {
  it('stores nothing and runs no hook while another run holds the location, then backs up once', async () => {
    const before = await hookRuns();
    const other = await acquireLease(s3.store, { operation: 'prune', holder: 'another run', renewEveryMs: 0 });
    const name = uniqueName('held');
    const run = backup(s3.store, name, { waitMs: 60_000, pollMs: 200 });
    // Long enough for the walk of one namespace to have ended, had it gone on.
    await new Promise((resolve) => setTimeout(resolve, 4_000));
    expect(await storedKeys(s3.store, backupKeys(name).folder)).toEqual([]);
    expect(await hookRuns()).toBe(before);
    await other.release();
    const result = await run;
    expect(result.phase).toBe('Completed');
    expect(result.itemsByResource.get('pods')).toBe(1);
    expect(await hookRuns()).toBe(before + 1);
    expect(await s3.store.head(LEASE_KEY)).toBeUndefined();
  }, 120_000);

  it('two runs started together on a free location: one waits for the other, each runs the hook once', async () => {
    const before = await hookRuns();
    const [first, second] = await Promise.all([backup(s3.store, uniqueName('twin-a'), { waitMs: 60_000, pollMs: 200 }), backup(s3.store, uniqueName('twin-b'), { waitMs: 60_000, pollMs: 200 })]);
    expect([first.phase, second.phase]).toEqual(['Completed', 'Completed']);
    expect([first.items, second.items]).toEqual([second.items, first.items]);
    expect(await hookRuns()).toBe(before + 2);
    expect(await s3.store.head(LEASE_KEY)).toBeUndefined();
  }, 120_000);
});
