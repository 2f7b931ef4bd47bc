import { describe, expect, it } from '@jest/globals';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  acquireLease,
  LEASE_KEY,
  LeaseHeldError,
  LeaseLostError,
  readLease,
  withLease,
  type LeaseOptions,
  type LeaseRecord
} from '../../../src/coordination/lease.js';
import type { ObjectStore } from '../../../src/storage/object-store.js';
import { AlreadyExistsError } from '../../../src/util/errors.js';
import { MemoryLogger } from '../../../src/util/logger.js';
import { MemoryStore } from './memory-store.js';

const T0 = new Date('2026-11-24T02:00:00Z');
const MINUTE = 60_000;

function options(overrides: Partial<LeaseOptions> = {}): LeaseOptions {
  return { operation: 'prune', holder: 'run A', ttlMs: 10 * MINUTE, waitMs: 0, renewEveryMs: 0, pollMs: 10, clock: () => T0, ...overrides };
}

async function stored(store: MemoryStore): Promise<LeaseRecord> {
  const record = await readLease(store);
  if (record === undefined || record === 'corrupt') throw new Error(`no readable lease: ${String(record)}`);
  return record;
}

describe('acquireLease', () => {
  it('creates the lease under metadata/ with holder and expiry, and release deletes it', async () => {
    const store = new MemoryStore();
    const lease = await acquireLease(store, options({ target: 'nightly-1', clusterUid: 'uid-a' }));
    expect(LEASE_KEY).toBe('metadata/kube-backup-lease.json');
    const record = await stored(store);
    expect(record).toMatchObject({ holder: 'run A', operation: 'prune', target: 'nightly-1', clusterUid: 'uid-a', expiresAt: '2026-11-24T02:10:00.000Z' });
    expect(record.token).toBe(lease.record.token);
    await lease.release();
    expect(store.keys()).toEqual([]);
  });

  it('fails at once, naming the holder, when another run holds it and wait is 0', async () => {
    const store = new MemoryStore();
    await acquireLease(store, options({ operation: 'backup', target: 'nightly-20261124020000' }));
    const err = await acquireLease(store, options({ holder: 'run B' })).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(LeaseHeldError);
    expect((err as LeaseHeldError).current.holder).toBe('run A');
    expect((err as Error).message).toMatch(/in use by run A \(backup of nightly-20261124020000, since 2026-11-24T02:00:00.000Z\).*expires at 2026-11-24T02:10:00.000Z/);
  });

  it('waits a bounded time for the holder to release', async () => {
    const store = new MemoryStore();
    const first = await acquireLease(store, options());
    setTimeout(() => void first.release(), 50);
    const second = await acquireLease(store, options({ holder: 'run B', waitMs: 5_000 }));
    expect((await stored(store)).holder).toBe('run B');
    await second.release();
  });

  it('gives up after the wait when the holder keeps it', async () => {
    const store = new MemoryStore();
    await acquireLease(store, options());
    const started = Date.now();
    await expect(acquireLease(store, options({ holder: 'run B', waitMs: 120 }))).rejects.toBeInstanceOf(LeaseHeldError);
    expect(Date.now() - started).toBeGreaterThanOrEqual(100);
  });

  it('takes over a stale lease, and removes its claim on release', async () => {
    const store = new MemoryStore();
    const logger = new MemoryLogger();
    const crashed = await acquireLease(store, options());
    const later = new Date(T0.getTime() + 11 * MINUTE);
    const lease = await acquireLease(store, options({ holder: 'run B', clock: () => later, logger }));
    const record = await stored(store);
    expect(record.holder).toBe('run B');
    expect(record.token).not.toBe(crashed.record.token);
    expect(record.claimKey).toMatch(/^metadata\/kube-backup-lease\.takeover-/);
    expect(logger.lines.some((l) => l.level === 'warn' && /Took over a stale lease of run A/.test(l.message))).toBe(true);
    await lease.release();
    expect(store.keys()).toEqual([]);
  });

  it('lets exactly one of several runs take over the same stale lease', async () => {
    for (let round = 0; round < 20; round++) {
      const store = new MemoryStore();
      await acquireLease(store, options());
      const later = new Date(T0.getTime() + 11 * MINUTE);
      const results = await Promise.allSettled(Array.from({ length: 5 }, (_, i) => acquireLease(delayed(store, i), options({ holder: `run ${i}`, clock: () => later }))));
      const winners = results.filter((r) => r.status === 'fulfilled');
      expect(winners).toHaveLength(1);
      for (const r of results) if (r.status === 'rejected') expect(r.reason).toBeInstanceOf(LeaseHeldError);
      const holder = (await stored(store)).holder;
      expect((winners[0] as PromiseFulfilledResult<{ record: LeaseRecord }>).value.record.holder).toBe(holder);
    }
  });

  it('lets exactly one run win on a store whose conditional create only checks first', async () => {
    for (let round = 0; round < 10; round++) {
      const store = new RacyStore();
      const results = await Promise.allSettled(Array.from({ length: 5 }, (_, i) => acquireLease(store, options({ holder: `run ${i}`, settleMs: 40 }))));
      const winners = results.filter((r) => r.status === 'fulfilled');
      expect(winners).toHaveLength(1);
      expect((winners[0] as PromiseFulfilledResult<{ record: LeaseRecord }>).value.record.token).toBe((await stored(store)).token);
    }
  });

  it('lets exactly one run take over a stale lease on such a store', async () => {
    for (let round = 0; round < 10; round++) {
      const store = new RacyStore();
      await acquireLease(store, options({ settleMs: 0 }));
      const later = new Date(T0.getTime() + 11 * MINUTE);
      const results = await Promise.allSettled(Array.from({ length: 5 }, (_, i) => acquireLease(store, options({ holder: `run ${i}`, clock: () => later, settleMs: 40 }))));
      expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    }
  });

  it('takes over an unreadable lease', async () => {
    const store = new MemoryStore();
    await store.put(LEASE_KEY, 'not json');
    const lease = await acquireLease(store, options());
    expect((await stored(store)).token).toBe(lease.record.token);
  });
});

describe('a held lease', () => {
  it('renews its expiry from the clock', async () => {
    const store = new MemoryStore();
    let now = T0;
    const lease = await acquireLease(store, options({ clock: () => now }));
    now = new Date(T0.getTime() + 4 * MINUTE);
    await lease.renew();
    expect((await stored(store)).expiresAt).toBe('2026-11-24T02:14:00.000Z');
    expect(lease.record.expiresAt).toBe('2026-11-24T02:14:00.000Z');
  });

  it('renews itself on a heartbeat', async () => {
    const store = new MemoryStore();
    let now = T0;
    const lease = await acquireLease(store, options({ clock: () => now, renewEveryMs: 10 }));
    now = new Date(T0.getTime() + 5 * MINUTE);
    await sleep(60);
    expect((await stored(store)).expiresAt).toBe('2026-11-24T02:15:00.000Z');
    await lease.release();
  });

  it('finds out it was taken over, and then leaves the new holder alone', async () => {
    const store = new MemoryStore();
    const logger = new MemoryLogger();
    const lease = await acquireLease(store, options({ logger }));
    const later = new Date(T0.getTime() + 11 * MINUTE);
    const thief = await acquireLease(store, options({ holder: 'run B', clock: () => later }));
    await expect(lease.renew()).rejects.toBeInstanceOf(LeaseLostError);
    expect(() => lease.assertHeld()).toThrow(/taken over by run B/);
    await lease.release();
    expect((await stored(store)).token).toBe(thief.record.token);
  });

  it('is released by withLease when the work fails', async () => {
    const store = new MemoryStore();
    await expect(withLease(store, options(), async () => Promise.reject(new Error('boom')))).rejects.toThrow('boom');
    expect(store.keys()).toEqual([]);
  });
});

/** A store like S3ObjectStore on Swift: a conditional put checks, then writes a little later; the last write wins. */
class RacyStore extends MemoryStore {
  override readonly conditionalPut = 'best-effort' as const;
  override async put(key: string, body: Buffer | string, options: { ifNoneMatch?: boolean } = {}): Promise<void> {
    if (options.ifNoneMatch && this.objects.has(key)) throw new AlreadyExistsError(`object '${key}' already exists`);
    await sleep(Math.random() * 10);
    await super.put(key, body);
  }
}

/** The same store, with each call delayed by a different number of ticks, so concurrent runs interleave. */
function delayed(store: MemoryStore, seed: number): ObjectStore {
  const pause = async () => {
    for (let i = 0; i < (seed * 7) % 5; i++) await Promise.resolve();
  };
  return {
    url: store.url,
    conditionalPut: store.conditionalPut,
    put: async (...args) => (await pause(), store.put(...args)),
    get: async (key) => (await pause(), store.get(key)),
    head: async (key) => (await pause(), store.head(key)),
    list: (prefix) => store.list(prefix),
    listFolders: (prefix) => store.listFolders(prefix),
    deleteMany: async (keys) => (await pause(), store.deleteMany(keys))
  };
}
