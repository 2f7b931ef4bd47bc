import type { ObjectStore } from '../storage/object-store.js';
import { createExclusive } from './exclusive-create.js';
import { claimKeyFor, isClaimKey, LEASE_KEY, newToken, readLease, serialiseLease, type LeaseRecord } from './lease-record.js';

export interface TakeOverOptions {
  /** A new record for us, taken over with `claimKey`. */
  fresh: (claimKey: string) => LeaseRecord;
  clock: () => Date;
  /** A claim older than this was left by a run that died taking over, and is removed. */
  ttlMs: number;
  settleMs: number;
}

/**
 * Replaces a stale (or unreadable) lease: first win a claim, a conditional create of a key named after the stale
 * lease's token, then check the lease still carries that token, delete it and create ours conditionally. Only the
 * run that wins the claim for this stale lease deletes it, so two runs taking over at once cannot delete each
 * other's new lease. A claim left by a run that died while taking over is itself stale after one ttl and is removed.
 * Our record (holding the claim key, removed on release) when we took it over, else undefined.
 */
export async function takeOver(store: ObjectStore, stale: LeaseRecord | 'corrupt', options: TakeOverOptions): Promise<LeaseRecord | undefined> {
  const { clock, ttlMs, settleMs } = options;
  const claimKey = claimKeyFor(stale);
  const claimToken = newToken();
  const claim = JSON.stringify({ token: claimToken, claimedAt: clock().toISOString() });
  if (!(await createExclusive(store, claimKey, claim, claimToken, settleMs))) {
    // Someone else is taking over; unless they died doing it, their lease appears shortly.
    const info = await store.head(claimKey);
    if (info && clock().getTime() - info.lastModified.getTime() > ttlMs) await store.deleteMany([claimKey]);
    return undefined;
  }
  const now = await readLease(store);
  const unchanged = now === 'corrupt' ? stale === 'corrupt' : now !== undefined && stale !== 'corrupt' && now.token === stale.token;
  if (!unchanged) {
    await store.deleteMany([claimKey]);
    return undefined;
  }
  await store.deleteMany([LEASE_KEY]);
  const record = options.fresh(claimKey);
  if (!(await createExclusive(store, LEASE_KEY, serialiseLease(record), record.token, settleMs))) {
    // Another run created a lease in the moment the key was free: it holds the location now.
    await store.deleteMany([claimKey]);
    return undefined;
  }
  // The claim the stale lease was itself taken over with is of no more use.
  if (stale !== 'corrupt' && stale.claimKey && isClaimKey(stale.claimKey)) await store.deleteMany([stale.claimKey]).catch(() => undefined);
  return record;
}
