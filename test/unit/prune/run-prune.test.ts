import { describe, expect, it } from '@jest/globals';
import { pruneOutputs, pruneSummary } from '../../../src/report/prune-report.js';
import { runPrune, type PruneContext } from '../../../src/prune/run-prune.js';
import type { PruneSettings } from '../../../src/settings/lifecycle-settings.js';
import { backupKeys, restoreKeys } from '../../../src/storage/layout.js';
import { LEASE_KEY, LeaseLostError, acquireLease } from '../../../src/coordination/lease.js';
import type { ObjectStore } from '../../../src/storage/object-store.js';
import { MemoryLogger } from '../../../src/util/logger.js';
import { MemoryStore } from '../lease/memory-store.js';

const NOW = new Date('2026-11-24T12:00:00Z');
const DAY = 86_400_000;
const settings = (overrides: Partial<PruneSettings> = {}): PruneSettings => ({
  dryRun: false,
  keepLast: 0,
  unfinishedGraceMs: DAY,
  veleroNamespace: 'velero',
  lease: { ttlMs: 600_000, waitMs: 0 },
  ...overrides
});
const location = { name: 'default', accessMode: 'ReadWrite' as const };

/** A backup folder as run.ts writes it, expiring `expiresInDays` from NOW. */
async function putBackup(store: MemoryStore, name: string, expiresInDays: number, labels: Record<string, string> = {}, startedDaysAgo = 30): Promise<void> {
  const keys = backupKeys(name);
  const backup = {
    apiVersion: 'velero.io/v1',
    kind: 'Backup',
    metadata: { name, namespace: 'velero', labels: { 'velero.io/storage-location': 'default', ...labels } },
    status: { phase: 'Completed', startTimestamp: new Date(NOW.getTime() - startedDaysAgo * DAY).toISOString(), expiration: new Date(NOW.getTime() + expiresInDays * DAY).toISOString() }
  };
  await store.put(keys.tarball, Buffer.alloc(1000));
  await store.put(keys.logs, Buffer.alloc(100));
  await store.put(keys.results, Buffer.alloc(10));
  await store.put(keys.metadata, JSON.stringify(backup, null, 2));
}

async function putRestore(store: MemoryStore, name: string, backupName: string | undefined): Promise<void> {
  const keys = restoreKeys(name);
  await store.put(keys.logs, 'log');
  await store.put(keys.results, 'results');
  if (backupName) await store.put(keys.metadata, JSON.stringify({ apiVersion: 'velero.io/v1', kind: 'Restore', metadata: { name }, spec: { backupName }, status: { phase: 'Completed' } }));
}

const context = (store: ObjectStore, extra: Partial<PruneContext> = {}): PruneContext => ({ store, logger: new MemoryLogger(), clock: () => NOW, holder: 'test', lease: { renewEveryMs: 0 }, ...extra });

describe('runPrune', () => {
  it('deletes expired backups with their restores, and keeps the rest', async () => {
    const store = new MemoryStore();
    await putBackup(store, 'old', -1);
    await putBackup(store, 'new', 5);
    await putRestore(store, 'old-restore', 'old');
    await putRestore(store, 'new-restore', 'new');
    await putRestore(store, 'velero-restore', undefined);
    const result = await runPrune(context(store), { settings: settings(), location });
    expect(result.deleted.map((b) => [b.name, b.reason, b.restores])).toEqual([['old', 'expired', ['old-restore']]]);
    expect(result.freedBytes).toBe(1000 + 100 + 10 + store.text(backupKeys('new').metadata)!.length + 'log'.length + 'results'.length + store.text(restoreKeys('new-restore').metadata)!.length);
    expect(store.keys('backups/old/')).toEqual([]);
    expect(store.keys('restores/old-restore/')).toEqual([]);
    expect(store.keys('backups/new/')).toHaveLength(4);
    expect(store.keys('restores/new-restore/')).toHaveLength(3);
    expect(store.keys('restores/velero-restore/')).toHaveLength(2);
    expect(store.keys(LEASE_KEY)).toEqual([]); // released
    expect(pruneOutputs(result)).toEqual({ deleted: '1', 'deleted-backups': '["old"]', 'freed-bytes': String(result.freedBytes) });
    expect(pruneSummary(result)).toContain('| old | expired');
  });

  it('deletes velero-backup.json first and a restore record after its files', async () => {
    const store = new MemoryStore();
    await putBackup(store, 'old', -1);
    await putRestore(store, 'r1', 'old');
    const deletions: string[] = [];
    const recording: ObjectStore = { ...bind(store), deleteMany: async (keys) => (deletions.push(...keys), store.deleteMany(keys)) };
    await runPrune(context(recording), { settings: settings(), location });
    const withoutLease = deletions.filter((k) => k !== LEASE_KEY);
    expect(withoutLease[0]).toBe(backupKeys('old').metadata);
    expect(withoutLease.indexOf(restoreKeys('r1').metadata)).toBeGreaterThan(withoutLease.indexOf(restoreKeys('r1').logs));
    expect(withoutLease.indexOf(restoreKeys('r1').metadata)).toBeLessThan(withoutLease.indexOf(backupKeys('old').tarball));
  });

  it('stops deleting as soon as its lease has expired in a stall, before the next deletion', async () => {
    const store = new MemoryStore();
    await putBackup(store, 'old', -1);
    await putRestore(store, 'r1', 'old');
    let now = NOW;
    // The run stalls (a frozen runner) right after its first deletion, for longer than the lease's TTL.
    const stalling: ObjectStore = {
      ...bind(store),
      deleteMany: async (keys) => {
        await store.deleteMany(keys);
        if (!keys.includes(LEASE_KEY)) now = new Date(NOW.getTime() + 2 * 600_000);
      }
    };
    await expect(runPrune(context(stalling, { clock: () => now }), { settings: settings(), location })).rejects.toThrow(LeaseLostError);
    // Only the first deletion (velero-backup.json, which hides the backup) happened; the rest waits for the next prune.
    expect(store.text(backupKeys('old').metadata)).toBeUndefined();
    expect(store.keys().filter((k) => k.startsWith('backups/old/') || k.startsWith('restores/r1/')).length).toBeGreaterThan(1);
  });

  it('is finished by the next run when interrupted between objects', async () => {
    for (let budget = 1; budget <= 6; budget++) {
      const store = new MemoryStore();
      await putBackup(store, 'old', -1);
      await putRestore(store, 'r1', 'old');
      await putBackup(store, 'new', 5);
      // Killed mid-way, the run either fails outright or reports what it could not delete; never a clean success.
      const first = await runPrune(context(killedAfter(store, budget)), { settings: settings(), location }).then(
        (result) => (result.failures.length > 0 ? 'reported failures' : 'clean success'),
        (err: unknown) => (err instanceof Error && err.message === 'killed' ? 'failed' : `unexpected: ${String(err)}`)
      );
      expect(['failed', 'reported failures']).toContain(first);
      // Whatever is left, the backup is out of every listing once its velero-backup.json is gone.
      expect(store.text(backupKeys('old').metadata)).toBeUndefined();
      await acquireLease(store, { operation: 'x', holder: 'test', waitMs: 0, clock: () => new Date(NOW.getTime() + 3_600_000) }).then((l) => l.release()); // the killed run's lease expires
      const second = await runPrune(context(store, { clock: () => new Date(NOW.getTime() + 3_600_000) }), { settings: settings(), location });
      expect(second.failures).toEqual([]);
      expect(store.keys().filter((k) => !k.startsWith('backups/new/'))).toEqual([]);
    }
  });

  it('keeps unfinished folders within the grace period and deletes older ones', async () => {
    const store = new MemoryStore();
    store.now = () => new Date(NOW.getTime() - 2 * DAY);
    await store.put(backupKeys('crashed').tarball, 'x');
    store.now = () => new Date(NOW.getTime() - 3_600_000);
    await store.put(backupKeys('running').tarball, 'x');
    const result = await runPrune(context(store), { settings: settings(), location });
    expect(result.deleted.map((b) => [b.name, b.reason])).toEqual([['crashed', 'unfinished']]);
    expect(result.kept.map((k) => [k.name, k.reason])).toEqual([['running', 'unfinished-recent']]);
  });

  it('holds keep-last per schedule', async () => {
    const store = new MemoryStore();
    for (let i = 1; i <= 4; i++) await putBackup(store, `nightly-${i}`, -5 + i, { 'velero.io/schedule-name': 'nightly' }, 40 - i);
    const result = await runPrune(context(store), { settings: settings({ keepLast: 2 }), location });
    expect(result.deleted.map((b) => b.name)).toEqual(['nightly-1', 'nightly-2']);
    expect(result.kept.map((k) => [k.name, k.reason])).toEqual([
      ['nightly-3', 'keep-last'],
      ['nightly-4', 'keep-last']
    ]);
  });

  it('only lists in a dry run, without taking the lease', async () => {
    const store = new MemoryStore();
    await putBackup(store, 'old', -1);
    await acquireLease(store, { operation: 'backup', holder: 'someone', waitMs: 0, renewEveryMs: 0 });
    const result = await runPrune(context(store), { settings: settings({ dryRun: true }), location });
    expect(result.deleted.map((b) => b.name)).toEqual(['old']);
    expect(result.freedBytes).toBeGreaterThan(1000);
    expect(store.keys('backups/old/')).toHaveLength(4);
    expect(pruneSummary(result)).toContain('(dry run)');
  });

  it('refuses a ReadOnly location', async () => {
    await expect(runPrune(context(new MemoryStore()), { settings: settings(), location: { name: 'default', accessMode: 'ReadOnly' } })).rejects.toThrow(
      /^Input 'storage-access-mode': the location 'default' \(memory:\/\/test\) is ReadOnly/
    );
  });

  it('waits for, then names, the run that holds the location', async () => {
    const store = new MemoryStore();
    await acquireLease(store, { operation: 'backup', target: 'nightly-1', holder: 'acme/infra run 7', waitMs: 0, renewEveryMs: 0, clock: () => NOW });
    await expect(runPrune(context(store), { settings: settings(), location })).rejects.toThrow(/in use by acme\/infra run 7 \(backup of nightly-1/);
  });

  it('keeps a corrupt backup and reports it', async () => {
    const store = new MemoryStore();
    await store.put(backupKeys('broken').metadata, '{');
    await putBackup(store, 'old', -1);
    const result = await runPrune(context(store), { settings: settings(), location });
    expect(result.deleted.map((b) => b.name)).toEqual(['old']);
    expect(result.kept).toEqual([{ name: 'broken', reason: 'corrupt', detail: expect.stringMatching(/not valid JSON/) }]);
    expect(result.warnings).toEqual([expect.stringMatching(/Backup broken is kept/)]);
  });
});

function bind(store: MemoryStore): ObjectStore {
  return {
    url: store.url,
    conditionalPut: store.conditionalPut,
    put: store.put.bind(store),
    get: store.get.bind(store),
    head: store.head.bind(store),
    list: store.list.bind(store),
    listFolders: store.listFolders.bind(store),
    deleteMany: store.deleteMany.bind(store)
  };
}

/** The store of a run killed after deleting `budget` keys: every later call fails. */
function killedAfter(store: MemoryStore, budget: number): ObjectStore {
  let left = budget;
  let dead = false;
  const alive = <T>(call: () => Promise<T>): Promise<T> => (dead ? Promise.reject(new Error('killed')) : call());
  return {
    ...bind(store),
    put: (...args) => alive(() => store.put(...args)),
    get: (key) => alive(() => store.get(key)),
    head: (key) => alive(() => store.head(key)),
    deleteMany: (keys) =>
      alive(async () => {
        const now = keys.slice(0, left);
        left -= now.length;
        await store.deleteMany(now);
        if (now.length < keys.length || left === 0) {
          dead = true;
          throw new Error('killed');
        }
      })
  };
}
