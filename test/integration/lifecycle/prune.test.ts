import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { KubeCluster } from '../../../src/kube/kube-cluster.js';
import { pruneOutputs } from '../../../src/report/prune-report.js';
import { runPrune, type PruneContext } from '../../../src/prune/run-prune.js';
import { backupKeys, restoreKeys } from '../../../src/storage/layout.js';
import { acquireLease, LeaseHeldError } from '../../../src/coordination/lease.js';
import type { ObjectStore } from '../../../src/storage/object-store.js';
import { BACKUP_REF } from '../../../src/velero/backup-crd.js';
import { runSync } from '../../../src/sync/run-sync.js';
import { MemoryLogger } from '../../../src/util/logger.js';
import { DeleteRefusedError } from '../../../src/util/errors.js';
import { DelegatingStore } from '../../support/delegating-store.js';
import { clusterFor, deleteNamespace } from '../../support/cluster.js';
import { testEnvironment, uniqueName } from '../../support/environment.js';
import { allKeys, localTestStore, s3TestStore, type TestStore } from '../../support/stores.js';
import { backupOf, pruneSettings, smallNamespace, syncSettings } from './support.js';
import { writeRestore, writeVeleroBackup, writeVeleroRestore } from './velero-fixture.js';

const env = testEnvironment();
const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const namespace = uniqueName('lc-prune');
const recordsNamespace = uniqueName('lc-velero');
const location = { name: 'default', accessMode: 'ReadWrite' as const };
let cluster: KubeCluster;
const stores: TestStore[] = [];

beforeAll(async () => {
  cluster = clusterFor(env.kubeconfig);
  await smallNamespace(cluster, namespace);
});

afterAll(async () => {
  await deleteNamespace(cluster, namespace);
  await deleteNamespace(cluster, recordsNamespace);
  await Promise.all(stores.map((s) => s.cleanup()));
  cluster.close();
});

const backends: [string, () => Promise<TestStore>][] = [
  ['S3 (Swift)', () => s3TestStore()],
  ['a local directory', async () => localTestStore()]
];

function pruneContext(store: ObjectStore, now: Date, extra: Partial<PruneContext> = {}): PruneContext {
  return { store, cluster, logger: new MemoryLogger(), clock: () => now, holder: 'test', lease: { renewEveryMs: 0 }, ...extra };
}

async function fresh(make: () => Promise<TestStore>): Promise<ObjectStore> {
  const s = await make();
  stores.push(s);
  return s.store;
}

describe.each(backends)('prune on %s', (_, make) => {
  it('removes expired backups with their restores and Backup objects, and keeps unexpired ones', async () => {
    const store = await fresh(make);
    const short = await backupOf(cluster, store, namespace, { 'backup-name': uniqueName('short'), ttl: '1h' });
    const long = await backupOf(cluster, store, namespace, { 'backup-name': uniqueName('long'), ttl: '720h' });
    expect([short.phase, long.phase]).toEqual(['Completed', 'Completed']);
    // Written by Velero 40 days ago with its default TTL of 30 days: expired now.
    const veleroName = 'velero-daily-20261015020000';
    await writeVeleroBackup(store, veleroName, { schedule: 'velero-daily', started: new Date(Date.now() - 40 * DAY), ttlHours: 720 });
    await writeRestore(store, `${short.name}-restore`, short.name);
    await writeRestore(store, `${veleroName}-restore`, veleroName);
    await writeRestore(store, `${long.name}-restore`, long.name);
    await writeVeleroRestore(store, 'made-by-velero-20261020101010');
    // The cluster records all three, as a sync does.
    const synced = await runSync({ store, cluster, logger: new MemoryLogger(), holder: 'test', lease: { renewEveryMs: 0 } }, { settings: syncSettings({ veleroNamespace: recordsNamespace }), location });
    expect(synced.created.sort()).toEqual([long.name, short.name, veleroName].sort());

    const result = await runPrune(pruneContext(store, new Date(Date.now() + 2 * HOUR)), { settings: pruneSettings({ veleroNamespace: recordsNamespace }), location });

    expect(result.failures).toEqual([]);
    expect(result.deleted.map((b) => b.name).sort()).toEqual([short.name, veleroName].sort());
    for (const pruned of result.deleted) {
      expect(pruned.recordDeleted).toBe(true);
      expect(pruned.restores).toEqual([`${pruned.name}-restore`]);
      expect(await cluster.get(BACKUP_REF, pruned.name, recordsNamespace)).toBeUndefined();
    }
    const keys = await allKeys(store);
    expect(keys.filter((k) => k.startsWith(backupKeys(short.name).folder) || k.startsWith(backupKeys(veleroName).folder))).toEqual([]);
    expect(keys.filter((k) => k.startsWith(restoreKeys(`${short.name}-restore`).folder) || k.startsWith(restoreKeys(`${veleroName}-restore`).folder))).toEqual([]);
    // Kept: the unexpired backup, its restore, its record; and the restore Velero wrote (no record of its backup).
    expect(keys).toContain(backupKeys(long.name).metadata);
    expect(keys).toContain(restoreKeys(`${long.name}-restore`).metadata);
    expect(keys.filter((k) => k.startsWith('restores/made-by-velero-20261020101010/'))).toHaveLength(2);
    expect(await cluster.get(BACKUP_REF, long.name, recordsNamespace)).toBeDefined();
    expect(keys.filter((k) => k.startsWith('metadata/'))).toEqual([]); // lease released

    const outputs = pruneOutputs(result);
    expect(outputs.deleted).toBe('2');
    expect((JSON.parse(outputs['deleted-backups']!) as string[]).sort()).toEqual([short.name, veleroName].sort());
    expect(Number(outputs['freed-bytes'])).toBeGreaterThan(1000);
  });

  it('holds keep-last per schedule', async () => {
    const store = await fresh(make);
    const names: string[] = [];
    for (const day of [21, 22, 23]) {
      const result = await backupOf(cluster, store, namespace, { 'schedule-name': 'nightly', ttl: '1h' }, { slot: new Date(`2026-11-${day}T02:00:00Z`) });
      names.push(result.name);
    }
    expect(names).toEqual(['nightly-20261121020000', 'nightly-20261122020000', 'nightly-20261123020000']);
    const result = await runPrune(pruneContext(store, new Date(Date.now() + 2 * HOUR), { cluster: undefined }), { settings: pruneSettings({ keepLast: 2 }), location });
    // All three have expired, and they started in slot order; the two newest stay.
    expect(result.deleted.map((b) => b.name)).toEqual(['nightly-20261121020000']);
    expect(result.kept.map((k) => [k.name, k.reason])).toEqual([
      ['nightly-20261122020000', 'keep-last'],
      ['nightly-20261123020000', 'keep-last']
    ]);
  });

  it('keeps a backup whose objects the store will not delete (retention), reporting the object, and prunes the rest', async () => {
    const store = await fresh(make);
    const held = (await backupOf(cluster, store, namespace, { 'backup-name': `${namespace}-held`, ttl: '1h' })).name;
    const free = (await backupOf(cluster, store, namespace, { 'backup-name': `${namespace}-free`, ttl: '1h' })).name;
    const before = (await allKeys(store)).filter((key) => key.startsWith(backupKeys(held).folder)).sort();
    const result = await runPrune(pruneContext(new RetainingStore(store, backupKeys(held).folder), new Date(Date.now() + 2 * HOUR), { cluster: undefined }), { settings: pruneSettings(), location });
    expect(result.failures).toEqual([]);
    expect(result.deleted.map((b) => b.name)).toEqual([free]);
    expect(result.kept).toEqual([{ name: held, reason: 'retention', detail: `${backupKeys(held).metadata} is under retention: COMPLIANCE retention until 2099-01-01T00:00:00.000Z` }]);
    // Nothing of it was deleted: velero-backup.json goes first, and the store refused it.
    expect((await allKeys(store)).filter((key) => key.startsWith(backupKeys(held).folder)).sort()).toEqual(before);
    expect(pruneOutputs(result)).toMatchObject({ deleted: '1' });
  });

  it('is finished by the next prune when killed between objects', async () => {
    const store = await fresh(make);
    await writeVeleroBackup(store, 'velero-a', { schedule: 'daily', started: new Date(Date.now() - 40 * DAY), ttlHours: 720 });
    await writeVeleroBackup(store, 'velero-b', { schedule: 'daily', started: new Date(Date.now() - 35 * DAY), ttlHours: 720 });
    await writeRestore(store, 'velero-a-restore', 'velero-a');
    const before = await allKeys(store);

    // Killed after 4 deletions: velero-backup.json of velero-a and three files of its restore are gone.
    const killed = await runPrune(pruneContext(killedAfter(store, 4), new Date(), { cluster: undefined }), { settings: pruneSettings(), location });
    expect(killed.failures.map((f) => f.name)).toEqual(['velero-a', 'velero-b']);
    const left = await allKeys(store);
    expect(before.filter((k) => !left.includes(k))).toEqual([
      backupKeys('velero-a').metadata,
      restoreKeys('velero-a-restore').logs,
      restoreKeys('velero-a-restore').resourceList,
      restoreKeys('velero-a-restore').results
    ]);
    expect(left).toContain(restoreKeys('velero-a-restore').metadata); // the restore record goes last: still findable
    expect(left).toContain('backups/velero-a/kube-backup-pruning.json'); // marks the folder as an interrupted prune
    expect(left).toContain('metadata/kube-backup-lease.json'); // the killed run never released its lease

    // The killed run's lease is stale a lease-ttl later; the next prune takes it over and finishes both.
    const next = await runPrune(pruneContext(store, new Date(Date.now() + 11 * 60_000), { cluster: undefined }), { settings: pruneSettings(), location });
    expect(next.failures).toEqual([]);
    expect(next.deleted.map((b) => [b.name, b.reason])).toEqual([
      ['velero-a', 'unfinished'],
      ['velero-b', 'expired']
    ]);
    expect(await allKeys(store)).toEqual([]);
  });

  it('deletes unfinished folders only after the grace period', async () => {
    const store = await fresh(make);
    await store.put(backupKeys('crashed').tarball, 'partial');
    await store.put(backupKeys('crashed').logs, 'log');
    const soon = await runPrune(pruneContext(store, new Date(Date.now() + HOUR), { cluster: undefined }), { settings: pruneSettings(), location });
    expect(soon.deleted).toEqual([]);
    expect(soon.kept.map((k) => [k.name, k.reason])).toEqual([['crashed', 'unfinished-recent']]);
    const later = await runPrune(pruneContext(store, new Date(Date.now() + 25 * HOUR), { cluster: undefined }), { settings: pruneSettings(), location });
    expect(later.deleted.map((b) => [b.name, b.reason])).toEqual([['crashed', 'unfinished']]);
    expect(await allKeys(store)).toEqual([]);
  });

  it('lists without deleting in a dry run', async () => {
    const store = await fresh(make);
    await writeVeleroBackup(store, 'velero-old', { schedule: 'daily', started: new Date(Date.now() - 40 * DAY), ttlHours: 720 });
    const before = await allKeys(store);
    const result = await runPrune(pruneContext(store, new Date(), { cluster: undefined }), { settings: pruneSettings({ dryRun: true }), location });
    expect(result.deleted.map((b) => b.name)).toEqual(['velero-old']);
    expect(result.freedBytes).toBeGreaterThan(0);
    expect(await allKeys(store)).toEqual(before);
  });

  it('waits for the lease of a running backup, then fails naming it', async () => {
    const store = await fresh(make);
    await writeVeleroBackup(store, 'velero-old', { schedule: 'daily', started: new Date(Date.now() - 40 * DAY), ttlHours: 720 });
    const held = await acquireLease(store, { operation: 'backup', target: 'nightly-20261124020000', holder: 'acme/infra run 4711', renewEveryMs: 0 });
    const started = Date.now();
    const err = await runPrune(pruneContext(store, new Date(), { cluster: undefined, lease: { renewEveryMs: 0, pollMs: 100 } }), {
      settings: pruneSettings({ lease: { ttlMs: 600_000, waitMs: 1_000 } }),
      location
    }).catch((e: unknown) => e);
    expect(Date.now() - started).toBeGreaterThanOrEqual(900);
    expect(err).toBeInstanceOf(LeaseHeldError);
    expect((err as Error).message).toMatch(/in use by acme\/infra run 4711 \(backup of nightly-20261124020000/);
    expect(await store.head(backupKeys('velero-old').metadata)).toBeDefined();
    await held.release();
    const result = await runPrune(pruneContext(store, new Date(), { cluster: undefined }), { settings: pruneSettings(), location });
    expect(result.deleted.map((b) => b.name)).toEqual(['velero-old']);
  });

  it('refuses a ReadOnly location', async () => {
    const store = await fresh(make);
    await expect(runPrune(pruneContext(store, new Date()), { settings: pruneSettings(), location: { name: 'default', accessMode: 'ReadOnly' } })).rejects.toThrow(
      /^Input 'storage-access-mode': .* is ReadOnly, so no backup can be deleted from it/
    );
  });
});

/** The store as a run killed after deleting `budget` keys sees it: every later call fails. */
/** The store as a bucket with Object Lock on the objects under `prefix`: their deletes are refused. */
class RetainingStore extends DelegatingStore {
  constructor(
    real: ObjectStore,
    private readonly prefix: string
  ) {
    super(real);
  }

  override async deleteMany(keys: readonly string[]): Promise<void> {
    const locked = keys.find((key) => key.startsWith(this.prefix) && !key.endsWith('kube-backup-pruning.json'));
    if (locked) throw new DeleteRefusedError(locked, 'COMPLIANCE retention until 2099-01-01T00:00:00.000Z');
    await super.deleteMany(keys);
  }
}

function killedAfter(store: ObjectStore, budget: number): ObjectStore {
  let left = budget;
  let dead = false;
  const alive = <T>(call: () => Promise<T>): Promise<T> => (dead ? Promise.reject(new Error('killed')) : call());
  return {
    url: store.url,
    conditionalPut: store.conditionalPut,
    put: (...args) => alive(() => store.put(...args)),
    get: (key) => alive(() => store.get(key)),
    head: (key) => alive(() => store.head(key)),
    list: (prefix) => store.list(prefix),
    listFolders: (prefix) => store.listFolders(prefix),
    deleteMany: (keys) =>
      alive(async () => {
        const now = keys.slice(0, left);
        left -= now.length;
        // One at a time, as a kill between objects would leave it.
        for (const key of now) await store.deleteMany([key]);
        if (now.length < keys.length || left === 0) {
          dead = true;
          throw new Error('killed');
        }
      })
  };
}
