import { describe, expect, it } from '@jest/globals';
import { setTimeout as sleep } from 'node:timers/promises';
import { createExclusive, defaultSettleMs } from '../../../src/coordination/exclusive-create.js';
import { acquireLease, LeaseHeldError } from '../../../src/coordination/lease.js';
import { claimKeyFor, isStale, LEASE_KEY, newLeaseRecord, parseLease, renewedLeaseRecord, serialiseLease } from '../../../src/coordination/lease-record.js';
import { AlreadyExistsError } from '../../../src/util/errors.js';
import { MemoryLogger } from '../../../src/util/logger.js';
import { MemoryStore } from '../lease/memory-store.js';

const T0 = new Date('2026-11-24T02:00:00Z');
const MINUTE = 60_000;

describe('the lease record', () => {
  it('is written as indented JSON with holder, expiry and a fresh token, and read back', () => {
    const record = newLeaseRecord({ holder: 'run A', operation: 'backup', target: 'nightly-1' }, T0, 10 * MINUTE);
    expect(record).toMatchObject({ holder: 'run A', operation: 'backup', target: 'nightly-1', acquiredAt: T0.toISOString(), renewedAt: T0.toISOString(), expiresAt: '2026-11-24T02:10:00.000Z' });
    expect(record.token).toMatch(/^[0-9a-f]{24}$/);
    expect(Object.keys(record)).not.toContain('clusterUid');
    expect(newLeaseRecord({ holder: 'run A', operation: 'backup' }, T0, MINUTE).token).not.toBe(record.token);
    const text = serialiseLease(record);
    expect(text).toBe(`${JSON.stringify(record, null, 2)}\n`);
    expect(parseLease(text)).toEqual(record);
  });

  it('is corrupt when not JSON, without a token or without a valid expiry', () => {
    expect(parseLease('not json')).toBe('corrupt');
    expect(parseLease('null')).toBe('corrupt');
    expect(parseLease(JSON.stringify({ expiresAt: T0.toISOString() }))).toBe('corrupt');
    expect(parseLease(JSON.stringify({ token: 'a', expiresAt: 'soon' }))).toBe('corrupt');
  });

  it('is stale from its expiry on, and renewing moves the expiry', () => {
    const record = newLeaseRecord({ holder: 'run A', operation: 'prune' }, T0, 10 * MINUTE);
    expect(isStale(record, new Date(T0.getTime() + 10 * MINUTE - 1))).toBe(false);
    expect(isStale(record, new Date(T0.getTime() + 10 * MINUTE))).toBe(true);
    expect(isStale('corrupt', T0)).toBe(true);
    const renewed = renewedLeaseRecord(record, new Date(T0.getTime() + 4 * MINUTE), 10 * MINUTE);
    expect(renewed).toEqual({ ...record, renewedAt: '2026-11-24T02:04:00.000Z', expiresAt: '2026-11-24T02:14:00.000Z' });
  });

  it('names one claim key per stale lease', () => {
    expect(claimKeyFor('corrupt')).toBe('metadata/kube-backup-lease.takeover-corrupt');
    expect(claimKeyFor({ ...newLeaseRecord({ holder: 'a', operation: 'b' }, T0, MINUTE), token: 'ab/c.d' })).toBe('metadata/kube-backup-lease.takeover-ab_c_d');
  });
});

describe('createExclusive', () => {
  it('creates once on an atomic store', async () => {
    const store = new MemoryStore();
    expect(defaultSettleMs(store)).toBe(0);
    expect(await createExclusive(store, 'k', JSON.stringify({ token: 'a' }), 'a', 0)).toBe(true);
    expect(await createExclusive(store, 'k', JSON.stringify({ token: 'b' }), 'b', 0)).toBe(false);
    expect(JSON.parse(store.text('k')!)).toEqual({ token: 'a' });
  });

  it('reads back after the settle time where a create only checks first: the last write wins', async () => {
    const store = new CheckFirstStore();
    expect(defaultSettleMs(store)).toBe(1_000);
    const results = await Promise.all(['a', 'b', 'c'].map((token) => createExclusive(store, 'k', JSON.stringify({ token }), token, 40)));
    expect(results.filter(Boolean)).toHaveLength(1);
    expect(results[['a', 'b', 'c'].indexOf((JSON.parse(store.text('k')!) as { token: string }).token)]).toBe(true);
  });
});

describe('waiting for the lease', () => {
  it("is measured on the run's clock", async () => {
    const store = new MemoryStore();
    await acquireLease(store, { operation: 'backup', holder: 'run A', renewEveryMs: 0, ttlMs: 24 * 60 * MINUTE, clock: () => T0 });
    // Each look at this clock moves it a minute: a ten-minute wait is over after a few polls.
    let calls = 0;
    const clock = () => new Date(T0.getTime() + calls++ * MINUTE);
    const logger = new MemoryLogger();
    const started = performance.now();
    const err = await acquireLease(store, { operation: 'prune', holder: 'run B', renewEveryMs: 0, ttlMs: 60 * MINUTE, waitMs: 10 * MINUTE, pollMs: 5, clock, logger }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(LeaseHeldError);
    expect((err as LeaseHeldError).waitedMs).toBeGreaterThanOrEqual(10 * MINUTE);
    expect(performance.now() - started).toBeLessThan(5_000);
    expect(logger.lines.filter((l) => /^Waiting for memory:\/\/test: in use by run A \(backup\)/.test(l.message)).length).toBeGreaterThan(0);
  });

  it('ends on a clock that stands still, after the time slept', async () => {
    const store = new MemoryStore();
    await acquireLease(store, { operation: 'backup', holder: 'run A', renewEveryMs: 0, clock: () => T0 });
    const started = performance.now();
    const err = await acquireLease(store, { operation: 'prune', holder: 'run B', renewEveryMs: 0, waitMs: 100, pollMs: 10, clock: () => T0 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(LeaseHeldError);
    expect((err as LeaseHeldError).waitedMs).toBe(100);
    expect(performance.now() - started).toBeGreaterThanOrEqual(90);
    expect(store.text(LEASE_KEY)).toContain('"holder": "run A"');
  });
});

/** A store whose conditional create checks, then writes a little later, as S3 on Swift does. */
class CheckFirstStore extends MemoryStore {
  override readonly conditionalPut = 'best-effort' as const;
  override async put(key: string, body: Buffer | string, options: { ifNoneMatch?: boolean } = {}): Promise<void> {
    if (options.ifNoneMatch && this.objects.has(key)) throw new AlreadyExistsError(`object '${key}' already exists`);
    await sleep(Math.random() * 10);
    await super.put(key, body);
  }
}
