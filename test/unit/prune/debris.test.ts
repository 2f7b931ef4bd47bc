import { describe, expect, it } from '@jest/globals';
import { LeaseLostError } from '../../../src/coordination/lease.js';
import { sortDebris } from '../../../src/prune/debris.js';
import { runPrune } from '../../../src/prune/run-prune.js';
import type { PruneSettings } from '../../../src/settings/lifecycle-settings.js';
import type { UnfinishedWrite } from '../../../src/storage/object-store.js';
import { MemoryLogger } from '../../../src/util/logger.js';
import { MemoryStore } from '../lease/memory-store.js';

const NOW = new Date('2026-11-24T12:00:00Z');
const MINUTE = 60_000;
const settings: PruneSettings = { dryRun: false, keepLast: 0, unfinishedGraceMs: 24 * 60 * MINUTE, veleroNamespace: 'velero', lease: { ttlMs: 10 * MINUTE, waitMs: 0 } };
const location = { name: 'default', accessMode: 'ReadWrite' as const };

const write = (key: string, minutesAgo: number): UnfinishedWrite => ({ key, id: `id-${key}`, kind: 'multipart-upload', lastModified: new Date(NOW.getTime() - minutesAgo * MINUTE), size: 100 });

/** A memory store holding unfinished writes; `onList` runs while they are listed, as time passes in a real run. */
class StoreWithDebris extends MemoryStore {
  aborted: string[] = [];
  onList: () => void = () => {};
  constructor(
    public writes: UnfinishedWrite[],
    private readonly listFails = false
  ) {
    super();
  }
  async *listUnfinished(prefix: string): AsyncIterable<UnfinishedWrite> {
    this.onList();
    if (this.listFails) throw new Error('NotImplemented: ListMultipartUploads');
    yield* this.writes.filter((w) => w.key.startsWith(prefix));
  }
  async abortUnfinished(writes: readonly UnfinishedWrite[]): Promise<void> {
    for (const w of writes) this.aborted.push(w.key);
    this.writes = this.writes.filter((w) => !writes.includes(w));
  }
}

const context = (store: MemoryStore, clock: () => Date = () => NOW) => ({ store, logger: new MemoryLogger(), clock, holder: 'test', lease: { renewEveryMs: 0 } });

describe('sortDebris', () => {
  it('takes a write as abandoned from exactly the safe age on', () => {
    const writes = [write('old', 60), write('edge', 30), write('young', 29)];
    const { stale, fresh } = sortDebris(writes, NOW, 30 * MINUTE);
    expect(stale.map((w) => w.key)).toEqual(['old', 'edge']);
    expect(fresh.map((w) => w.key)).toEqual(['young']);
  });

  it('takes a write dated after now (a store clock ahead of ours) as fresh', () => {
    expect(sortDebris([write('future', -5)], NOW, 0).fresh.map((w) => w.key)).toEqual(['future']);
  });
});

describe('runPrune and the debris of interrupted runs', () => {
  it('removes writes older than unfinished-grace and reports the others as left alone', async () => {
    const store = new StoreWithDebris([write('backups/a/a.tar.gz', 25 * 60), write('backups/b/b.tar.gz', 23 * 60)]);
    const result = await runPrune(context(store), { settings, location });
    expect(store.aborted).toEqual(['backups/a/a.tar.gz']);
    expect(result.debris.removed).toEqual([{ key: 'backups/a/a.tar.gz', kind: 'multipart-upload', lastModified: write('', 25 * 60).lastModified, ageMs: 25 * 60 * MINUTE, size: 100 }]);
    expect(result.debris.leftAlone.map((d) => d.key)).toEqual(['backups/b/b.tar.gz']);
    expect(result.freedBytes).toBe(100);
  });

  it('never takes less than the lease TTL as the safe age, whatever unfinished-grace says', async () => {
    const store = new StoreWithDebris([write('restores/r/restore-r-logs.gz', 5), write('backups/a/a.tar.gz', 11)]);
    const result = await runPrune(context(store), { settings: { ...settings, unfinishedGraceMs: 0 }, location });
    expect(result.debris.minAgeMs).toBe(10 * MINUTE);
    expect(store.aborted).toEqual(['backups/a/a.tar.gz']);
    expect(result.debris.leftAlone.map((d) => d.key)).toEqual(['restores/r/restore-r-logs.gz']);
  });

  it('lists but removes nothing in a dry run', async () => {
    const store = new StoreWithDebris([write('backups/a/a.tar.gz', 25 * 60)]);
    const result = await runPrune(context(store), { settings: { ...settings, dryRun: true }, location });
    expect(store.aborted).toEqual([]);
    expect(result.debris.removed.map((d) => d.key)).toEqual(['backups/a/a.tar.gz']);
  });

  it('removes nothing once its lease is lost (it expired while the run stalled)', async () => {
    let now = NOW;
    const store = new StoreWithDebris([write('backups/a/a.tar.gz', 25 * 60)]);
    // The listing stalls past the lease's TTL: another run may hold the location by now.
    store.onList = () => (now = new Date(NOW.getTime() + 11 * MINUTE));
    await expect(runPrune(context(store, () => now), { settings, location })).rejects.toBeInstanceOf(LeaseLostError);
    expect(store.aborted).toEqual([]);
  });

  it('warns and goes on when the store cannot list unfinished writes', async () => {
    const store = new StoreWithDebris([], true);
    const result = await runPrune(context(store), { settings, location });
    expect(result.warnings).toEqual([expect.stringMatching(/^Could not list the debris of interrupted runs in memory:\/\/test: NotImplemented/)]);
    expect(result.debris.removed).toEqual([]);
  });

  it('has nothing to do on a store that leaves no debris', async () => {
    const result = await runPrune(context(new MemoryStore()), { settings, location });
    expect(result.debris).toEqual({ removed: [], leftAlone: [], minAgeMs: 24 * 60 * MINUTE, bytes: 0 });
  });
});
