import { setTimeout as sleep } from 'node:timers/promises';
import type { Logger } from '../util/logger.js';
import { silentLogger } from '../util/logger.js';
import type { ObjectStore } from '../storage/object-store.js';
import { createExclusive, defaultSettleMs } from './exclusive-create.js';
import { HeldLease, type Lease } from './held-lease.js';
import { LeaseHeldError } from './lease-errors.js';
import { isStale, LEASE_KEY, newLeaseRecord, readLease, serialiseLease, UNREADABLE, type LeaseRecord } from './lease-record.js';
import { takeOver } from './takeover.js';

export type { Lease } from './held-lease.js';
export { LeaseHeldError, LeaseLostError } from './lease-errors.js';
export { LEASE_KEY, readLease, type LeaseRecord } from './lease-record.js';

/**
 * One writer at a time on a location: backup, prune and sync hold this lease while they work, so a prune never
 * deletes under a running backup. The pieces:
 *
 * - lease-record.ts: the JSON record under `metadata/` (who holds it until when), reading and parsing it.
 * - exclusive-create.ts: acquiring is a conditional create of LEASE_KEY; on stores where that is not atomic, the
 *   creator waits `settleMs` and reads the lease back (only the run whose token it holds goes on).
 * - takeover.ts: a stale lease (not renewed for `ttlMs`: a crashed runner) is taken over by whoever wins a claim.
 * - held-lease.ts: the holder renews on a heartbeat, checking the lease still carries its token, and releases.
 * - here: acquiring, waiting for a held lease, taking over a stale one.
 *
 * Time: expiries are written and compared with the runs' own clocks; a skew of seconds is harmless next to a
 * lease of minutes.
 */
export const DEFAULT_LEASE_TTL_MS = 10 * 60_000;
export const DEFAULT_LEASE_WAIT_MS = 10 * 60_000;
const DEFAULT_POLL_MS = 5_000;
/** A waiting run says so at most this often. */
const WAIT_LOG_EVERY_MS = 60_000;

export interface LeaseOptions {
  operation: 'backup' | 'prune' | 'sync' | (string & {});
  /** Who is asking, shown to a run that has to wait: the GitHub run or user@host (see settings/run-identity.ts). */
  holder: string;
  target?: string;
  clusterUid?: string;
  /** How long a lease lives without renewal. */
  ttlMs?: number;
  /** How long to wait for a lease held by someone else before failing; 0 fails at once. */
  waitMs?: number;
  /** Heartbeat period; default ttl/3; 0 turns the heartbeat off (the caller renews). */
  renewEveryMs?: number;
  /** How often a waiting run looks again. */
  pollMs?: number;
  /**
   * On stores whose conditional create is not atomic: how long to wait before reading a created lease back to see
   * whether a racing run overwrote it. Default 1s there, 0 on atomic stores.
   */
  settleMs?: number;
  /** The run's clock: expiries, and how long it has waited. */
  clock?: () => Date;
  logger?: Logger;
}

/**
 * Takes the location's lease, waiting up to `waitMs` while another run holds it, and taking over a stale one.
 * The heartbeat timer does not keep the process alive; release() stops it.
 */
export async function acquireLease(store: ObjectStore, options: LeaseOptions): Promise<Lease> {
  const clock = options.clock ?? (() => new Date());
  const logger = options.logger ?? silentLogger;
  const ttlMs = options.ttlMs ?? DEFAULT_LEASE_TTL_MS;
  const waitMs = options.waitMs ?? DEFAULT_LEASE_WAIT_MS;
  const pollMs = options.pollMs ?? DEFAULT_POLL_MS;
  const settleMs = options.settleMs ?? defaultSettleMs(store);
  const held = (record: LeaseRecord) => new HeldLease(store, record, { ttlMs, renewEveryMs: options.renewEveryMs ?? Math.floor(ttlMs / 3), clock, logger });
  const fresh = (claimKey?: string) => newLeaseRecord(options, clock(), ttlMs, claimKey);
  const wait = waitTimer(clock);
  let lastWaitLog = -Infinity;

  for (;;) {
    const record = fresh();
    if (await createExclusive(store, LEASE_KEY, serialiseLease(record), record.token, settleMs)) return held(record);

    const current = await readLease(store);
    if (current === undefined) continue; // released between our create and read: try again at once
    if (isStale(current, clock())) {
      const what = current === 'corrupt' ? 'an unreadable lease' : `a stale lease of ${current.holder} (expired ${current.expiresAt})`;
      const taken = await takeOver(store, current, { fresh, clock, ttlMs, settleMs });
      if (taken) {
        logger.warn(`Took over ${what} on ${store.url}`);
        return held(taken);
      }
    }
    const waited = wait.elapsed();
    if (waited >= waitMs) throw new LeaseHeldError(current === 'corrupt' ? UNREADABLE : current, store.url, waited);
    if (current === 'corrupt' || isStale(current, clock())) {
      // Another run is taking the stale lease over: its own lease appears in a moment.
      await wait.sleep(Math.min(pollMs, 1_000, Math.max(0, waitMs - waited)));
      continue;
    }
    if (wait.elapsed() - lastWaitLog >= WAIT_LOG_EVERY_MS) {
      logger.info(`Waiting for ${store.url}: in use by ${current.holder} (${current.operation}${current.target ? ` of ${current.target}` : ''}) until ${current.expiresAt} at the latest`);
      lastWaitLog = wait.elapsed();
    }
    await wait.sleep(Math.max(0, Math.min(pollMs, waitMs - waited)));
  }
}

/** Runs `work` holding the lease; released afterwards whether work succeeded or not. */
export async function withLease<T>(store: ObjectStore, options: LeaseOptions, work: (lease: Lease) => Promise<T>): Promise<T> {
  const lease = await acquireLease(store, options);
  try {
    return await work(lease);
  } finally {
    await lease.release();
  }
}

/**
 * How long a run has waited: measured on the run's clock, and never less than the time it slept, so a wait ends
 * even on a clock that stands still (a test's fixed time) or is set back.
 */
function waitTimer(clock: () => Date): { elapsed(): number; sleep(ms: number): Promise<void> } {
  const startedAt = clock().getTime();
  let slept = 0;
  return {
    elapsed: () => Math.max(clock().getTime() - startedAt, slept),
    sleep: async (ms) => {
      await sleep(ms);
      slept += ms;
    }
  };
}
