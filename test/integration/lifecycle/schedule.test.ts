import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { clusterIdentity } from '../../../src/backup/cluster-identity.js';
import type { KubeCluster } from '../../../src/kube/kube-cluster.js';
import { cronSlot } from '../../../src/settings/cron-slot.js';
import { readStoredBackup } from '../../../src/persistence/stored-backups.js';
import { backupKeys } from '../../../src/storage/layout.js';
import { acquireLease, LEASE_KEY } from '../../../src/coordination/lease.js';
import type { ObjectStore } from '../../../src/storage/object-store.js';
import { S3ObjectStore } from '../../../src/storage/s3-store.js';
import { clusterFor, deleteNamespace } from '../../support/cluster.js';
import { testEnvironment, uniqueName } from '../../support/environment.js';
import { allKeys, s3TestOptions, s3TestStore, type TestStore } from '../../support/stores.js';
import { backupOf, smallNamespace } from './support.js';

const env = testEnvironment();
const namespace = uniqueName('lc-sched');
let clusterA: KubeCluster;
let clusterB: KubeCluster;
const stores: TestStore[] = [];

beforeAll(async () => {
  clusterA = clusterFor(env.kubeconfig);
  clusterB = clusterFor(env.kubeconfigB);
  await smallNamespace(clusterA, namespace);
  await smallNamespace(clusterB, namespace);
});

afterAll(async () => {
  await deleteNamespace(clusterA, namespace);
  await deleteNamespace(clusterB, namespace);
  await Promise.all(stores.map((s) => s.cleanup()));
  clusterA.close();
  clusterB.close();
});

/** A second store object on the same bucket and prefix: what a second runner would open. */
function twinOf(s: TestStore & { bucket: string }): ObjectStore {
  const store = new S3ObjectStore({ bucket: s.bucket, prefix: 'cluster-a/', url: `s3://${s.bucket}/cluster-a` }, s3TestOptions());
  stores.push({ store, cleanup: async () => store.destroy() });
  return store;
}

async function bucket(): Promise<TestStore & { bucket: string }> {
  const s = await s3TestStore();
  stores.push(s);
  return s;
}

async function backupFolders(store: ObjectStore): Promise<string[]> {
  const folders: string[] = [];
  for await (const folder of store.listFolders('backups/')) folders.push(folder);
  return folders;
}

describe('scheduled backups', () => {
  it('two runs for the same cron slot, started together and late, produce one backup', async () => {
    const s = await bucket();
    // GitHub fired the 02:00 tick twice; the runs started 7 and 9 minutes late.
    const slotOf = (startedAt: string) => cronSlot('0 2 * * *', new Date(startedAt));
    const inputs = { 'schedule-name': 'nightly', ttl: '720h' };
    const [one, two] = await Promise.all([
      backupOf(clusterA, s.store, namespace, inputs, { slot: slotOf('2026-11-24T02:07:12Z') }),
      backupOf(clusterA, twinOf(s), namespace, inputs, { slot: slotOf('2026-11-24T02:09:40Z') })
    ]);
    expect([one.name, two.name]).toEqual(['nightly-20261124020000', 'nightly-20261124020000']);
    const made = [one, two].filter((r) => !r.skipped);
    const skipped = [one, two].filter((r) => r.skipped);
    expect(made).toHaveLength(1);
    expect(skipped).toHaveLength(1);
    expect(made[0]!.phase).toBe('Completed');
    expect(skipped[0]!.skipped).toMatch(/nightly-20261124020000 of this cron slot .*by another run/);
    expect(skipped[0]!.phase).toBe('Completed');
    expect(await backupFolders(s.store)).toEqual(['backups/nightly-20261124020000/']);
    expect(await s.store.head(LEASE_KEY)).toBeUndefined();

    // A third run, hours late, still belongs to the 02:00 slot and finds it done.
    const third = await backupOf(clusterA, s.store, namespace, inputs, { slot: slotOf('2026-11-24T05:01:00Z') });
    expect(third.skipped).toMatch(/already exists, made from this cluster by another run/);
    expect(third.items).toBe(made[0]!.items);
    // The next tick's run makes the next backup.
    const tomorrow = await backupOf(clusterA, s.store, namespace, inputs, { slot: slotOf('2026-11-25T02:03:00Z') });
    expect(tomorrow.skipped).toBeUndefined();
    expect(await backupFolders(s.store)).toEqual(['backups/nightly-20261124020000/', 'backups/nightly-20261125020000/']);

    const stored = await readStoredBackup(s.store, 'nightly-20261124020000');
    expect(stored.state === 'complete' && stored.backup.metadata.annotations?.['kube-backup.io/source-cluster-uid']).toBe(await clusterIdentity(clusterA));
  });

  it('fails, never skips, when the slot backup came from another cluster', async () => {
    const s = await bucket();
    const slot = new Date('2026-11-24T02:00:00Z');
    await backupOf(clusterA, s.store, namespace, { 'schedule-name': 'nightly' }, { slot });
    await expect(backupOf(clusterB, s.store, namespace, { 'schedule-name': 'nightly' }, { slot })).rejects.toThrow(
      /^Input 'schedule-name': the backup 'nightly-20261124020000' of cron slot 2026-11-24T02:00:00.000Z already exists in s3:\/\/.*, but it came from another cluster \(kube-system uid .*\). Give each cluster its own location prefix/
    );
  });

  it('refuses an existing name outside a schedule', async () => {
    const s = await bucket();
    const first = await backupOf(clusterA, s.store, namespace, { 'backup-name': uniqueName('manual') });
    await expect(backupOf(clusterA, s.store, namespace, { 'backup-name': first.name })).rejects.toThrow(/^Input 'backup-name': a backup named '.*' already exists/);
  });

  it('ends successfully when the twin is still writing the slot backup after the lease wait', async () => {
    const s = await bucket();
    const uid = await clusterIdentity(clusterA);
    const twin = await acquireLease(s.store, { operation: 'backup', target: 'nightly-20261124020000', clusterUid: uid, holder: 'acme/infra run 1 attempt 1', renewEveryMs: 0 });
    const result = await backupOf(clusterA, twinOf(s), namespace, { 'schedule-name': 'nightly' }, { slot: new Date('2026-11-24T02:00:00Z'), context: { lease: { waitMs: 500, pollMs: 100, renewEveryMs: 0 } } });
    expect(result.skipped).toMatch(/another run of this cron slot is writing backup nightly-20261124020000 \(acme\/infra run 1 attempt 1\)/);
    expect(result.phase).toBe('InProgress');
    await twin.release();
    expect(await allKeys(s.store)).toEqual([]);
  });

  it('makes the slot backup itself when the twin crashed (its lease went stale)', async () => {
    const s = await bucket();
    const uid = await clusterIdentity(clusterA);
    // The crashed twin left a partial folder and a lease that expired an hour ago.
    await s.store.put(backupKeys('nightly-20261124020000').tarball, 'partial');
    await acquireLease(s.store, { operation: 'backup', target: 'nightly-20261124020000', clusterUid: uid, holder: 'test', ttlMs: 600_000, renewEveryMs: 0, clock: () => new Date(Date.now() - 3_600_000) });
    const result = await backupOf(clusterA, s.store, namespace, { 'schedule-name': 'nightly' }, { slot: new Date('2026-11-24T02:00:00Z') });
    expect(result.skipped).toBeUndefined();
    expect(result.phase).toBe('Completed');
    expect((await readStoredBackup(s.store, 'nightly-20261124020000')).state).toBe('complete');
    expect((await allKeys(s.store)).filter((k) => k.startsWith('metadata/'))).toEqual([]);
  });
});
