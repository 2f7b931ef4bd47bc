import { randomBytes } from 'node:crypto';
import os from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';
import { AlreadyExistsError, errorMessage, NotFoundError } from '../util/errors.js';
import type { Logger } from '../util/logger.js';
import { silentLogger } from '../util/logger.js';
import { METADATA_FOLDER } from '../storage/layout.js';
import type { ObjectStore } from '../storage/object-store.js';
import { readText } from '../storage/object-store.js';

/**
 * One writer at a time on a location: backup, prune and sync hold this lease while they work, so a prune never
 * deletes under a running backup. It lives under `metadata/`, the one top-level folder besides backups/ and
 * restores/ that Velero tolerates, and says who holds it until when.
 *
 * - Acquire: a conditional create of LEASE_KEY. Where the store makes that atomic (a local directory: link(2); AWS
 *   S3: If-None-Match on PutObject) two runs can never both hold it. Other S3-compatible stores only check before
 *   they write: a HEAD then a PUT, and Swift's If-None-Match on CompleteMultipartUpload is no better (measured on
 *   the test Swift: 1 to 4 of 10 simultaneous one-part uploads to a new key succeeded; of 2 racing HEAD+upload
 *   writers, both succeeded in 10 of 10 rounds). So several runs may "create" the lease at once, the last write
 *   winning. There a creator waits `settleMs` (1s) and reads the lease back: only the run whose token it holds
 *   goes on. That is safe as long as no racing PUT takes longer than settleMs to land after its HEAD; a slower one
 *   is the residual risk (two holders), which only arises when two runs start within that window.
 * - Renew: the holder rewrites the lease with a later expiry every `renewEveryMs` (heartbeat), after checking that
 *   the lease still carries its token. A lease not renewed for `ttlMs` (a crashed runner) is stale.
 * - Take over a stale lease: first win a claim, a conditional create of a key named after the stale lease's token,
 *   then check the lease still carries that token, delete it and create ours conditionally. Two runs that find the
 *   same stale lease cannot both delete it: only the claim's winner does.
 * - Release: delete the lease if it still carries our token (and the claim we took it over with).
 *
 * Time: expiries are written and compared with the runs' own clocks; a skew of seconds is harmless next to a
 * lease of minutes.
 */
export const LEASE_KEY = `${METADATA_FOLDER}kube-backup-lease.json`;
const CLAIM_PREFIX = `${METADATA_FOLDER}kube-backup-lease.takeover-`;

export const DEFAULT_LEASE_TTL_MS = 10 * 60_000;
export const DEFAULT_LEASE_WAIT_MS = 10 * 60_000;
const DEFAULT_POLL_MS = 5_000;
const DEFAULT_SETTLE_MS = 1_000;
const UNREADABLE: LeaseRecord = { holder: 'an unknown run (the lease is unreadable)', operation: 'unknown', token: '', acquiredAt: '?', renewedAt: '?', expiresAt: '?' };

/** What the lease object holds (JSON). */
export interface LeaseRecord {
  /** Who holds it, for people: a workflow run or user@host. */
  holder: string;
  operation: string;
  /** The backup a backup run writes, so a duplicate scheduled run can recognise its twin. */
  target?: string;
  /** The source cluster's identity (kube-system uid) of a backup run. */
  clusterUid?: string;
  /** Random, unique to one acquisition: the holder's proof that the lease is still its own. */
  token: string;
  acquiredAt: string;
  renewedAt: string;
  expiresAt: string;
  /** The claim this lease was taken over with, removed on release. */
  claimKey?: string;
}

export interface LeaseOptions {
  operation: 'backup' | 'prune' | 'sync' | (string & {});
  /** Who is asking, shown to a run that has to wait; default: the GitHub run or user@host. */
  holder?: string;
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
  clock?: () => Date;
  logger?: Logger;
}

/** A held lease. */
export interface Lease {
  readonly record: LeaseRecord;
  /** Extends the expiry; throws LeaseLostError when the lease is no longer ours. */
  renew(): Promise<void>;
  /** Stops the heartbeat and deletes the lease if it is still ours. Never throws. */
  release(): Promise<void>;
  /** Throws the LeaseLostError the heartbeat found, if any: call before destructive steps. */
  assertHeld(): void;
}

/** Another run holds the lease and did not let go within the wait. */
export class LeaseHeldError extends Error {
  constructor(
    readonly current: LeaseRecord,
    readonly location: string,
    readonly waitedMs: number
  ) {
    super(
      `the location ${location} is in use by ${current.holder} (${current.operation}${current.target ? ` of ${current.target}` : ''}, ` +
        `since ${current.acquiredAt}); waited ${Math.round(waitedMs / 1000)}s. Its lease expires at ${current.expiresAt} unless renewed: ` +
        'run again after that run ends, or raise lease-wait'
    );
    this.name = 'LeaseHeldError';
  }
}

/** Our lease was taken over (it had expired) or deleted. */
export class LeaseLostError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'LeaseLostError';
  }
}

/** The holder shown to others: the GitHub Actions run when there is one, else user@host and the process id. */
export function defaultHolder(env: NodeJS.ProcessEnv = process.env): string {
  if (env.GITHUB_RUN_ID) {
    const repo = env.GITHUB_REPOSITORY ?? 'workflow';
    const attempt = env.GITHUB_RUN_ATTEMPT ? ` attempt ${env.GITHUB_RUN_ATTEMPT}` : '';
    const job = env.GITHUB_JOB ? `, job ${env.GITHUB_JOB}` : '';
    return `${repo} run ${env.GITHUB_RUN_ID}${attempt}${job}`;
  }
  let user = 'unknown';
  try {
    user = os.userInfo().username;
  } catch {
    // no passwd entry (containers)
  }
  return `${user}@${os.hostname()} pid ${process.pid}`;
}

/** The lease as stored now, or undefined. A lease that is not valid JSON comes back as `corrupt`. */
export async function readLease(store: ObjectStore): Promise<LeaseRecord | 'corrupt' | undefined> {
  let text: string;
  try {
    text = await readText(store, LEASE_KEY);
  } catch (err) {
    if (err instanceof NotFoundError) return undefined;
    throw err;
  }
  try {
    const record = JSON.parse(text) as LeaseRecord;
    if (typeof record?.token !== 'string' || typeof record.expiresAt !== 'string' || Number.isNaN(Date.parse(record.expiresAt))) return 'corrupt';
    return record;
  } catch {
    return 'corrupt';
  }
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
  const settleMs = options.settleMs ?? (store.conditionalPut === 'atomic' ? 0 : DEFAULT_SETTLE_MS);
  const started = performance.now();
  let lastWaitLog = -Infinity;

  const fresh = (claimKey?: string): LeaseRecord => {
    const now = clock();
    const record: LeaseRecord = {
      holder: options.holder ?? defaultHolder(),
      operation: options.operation,
      token: randomBytes(12).toString('hex'),
      acquiredAt: now.toISOString(),
      renewedAt: now.toISOString(),
      expiresAt: new Date(now.getTime() + ttlMs).toISOString()
    };
    if (options.target) record.target = options.target;
    if (options.clusterUid) record.clusterUid = options.clusterUid;
    if (claimKey) record.claimKey = claimKey;
    return record;
  };

  for (;;) {
    const record = fresh();
    if (await createExclusive(store, LEASE_KEY, serialise(record), record.token, settleMs)) return new HeldLease(store, record, ttlMs, options.renewEveryMs ?? Math.floor(ttlMs / 3), clock, logger);

    const current = await readLease(store);
    if (current === undefined) continue; // released between our create and read: try again at once
    if (current === 'corrupt' || Date.parse(current.expiresAt) <= clock().getTime()) {
      const what = current === 'corrupt' ? 'an unreadable lease' : `a stale lease of ${current.holder} (expired ${current.expiresAt})`;
      const taken = await takeOver(store, current, fresh, clock, ttlMs, settleMs);
      if (taken) {
        logger.warn(`Took over ${what} on ${store.url}`);
        return new HeldLease(store, taken, ttlMs, options.renewEveryMs ?? Math.floor(ttlMs / 3), clock, logger);
      }
    }
    const waited = performance.now() - started;
    if (waited >= waitMs) throw new LeaseHeldError(current === 'corrupt' ? UNREADABLE : current, store.url, waited);
    if (current === 'corrupt' || Date.parse(current.expiresAt) <= clock().getTime()) {
      // Another run is taking the stale lease over: its own lease appears in a moment.
      await sleep(Math.min(pollMs, 1_000, Math.max(0, waitMs - waited)));
      continue;
    }
    if (performance.now() - lastWaitLog >= 60_000) {
      logger.info(`Waiting for ${store.url}: in use by ${current.holder} (${current.operation}${current.target ? ` of ${current.target}` : ''}) until ${current.expiresAt} at the latest`);
      lastWaitLog = performance.now();
    }
    await sleep(Math.max(0, Math.min(pollMs, waitMs - waited)));
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
 * Creates `key` only if absent; true when this run's write is the one that stands. On a store whose conditional
 * create is not atomic: a check, a plain write, then after `settleMs` a read-back, where a racing run's later write
 * means we lost. The write is then a plain PUT on purpose: a conditional create may reach Swift as a one-part
 * multipart upload, which is no more atomic there, and whose deletion (segments, then manifest) can show a
 * concurrent reader a broken object ("BrokenMPU"), as a released lease once did to a waiting run's read.
 */
async function createExclusive(store: ObjectStore, key: string, body: string, token: string, settleMs: number): Promise<boolean> {
  const atomic = store.conditionalPut === 'atomic';
  try {
    if (!atomic && (await store.head(key))) return false;
    await store.put(key, body, { contentType: 'application/json', ifNoneMatch: atomic });
  } catch (err) {
    if (err instanceof AlreadyExistsError) return false;
    throw err;
  }
  if (atomic && settleMs <= 0) return true;
  await sleep(settleMs);
  return (await readToken(store, key)) === token;
}

async function readToken(store: ObjectStore, key: string): Promise<string | undefined> {
  try {
    return (JSON.parse(await readText(store, key)) as { token?: string } | undefined)?.token;
  } catch (err) {
    if (err instanceof NotFoundError || err instanceof SyntaxError) return undefined;
    throw err;
  }
}

/**
 * Replaces a stale (or unreadable) lease. Only the run that wins the claim for this stale lease deletes it, so two
 * runs taking over at once cannot delete each other's new lease. A claim left by a run that died while taking over
 * is itself stale after one ttl and is removed.
 */
async function takeOver(
  store: ObjectStore,
  stale: LeaseRecord | 'corrupt',
  fresh: (claimKey?: string) => LeaseRecord,
  clock: () => Date,
  ttlMs: number,
  settleMs: number
): Promise<LeaseRecord | undefined> {
  const claimKey = `${CLAIM_PREFIX}${stale === 'corrupt' ? 'corrupt' : stale.token.replace(/[^A-Za-z0-9_-]/g, '_')}`;
  const claimToken = randomBytes(12).toString('hex');
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
  const record = fresh(claimKey);
  if (!(await createExclusive(store, LEASE_KEY, serialise(record), record.token, settleMs))) {
    // Another run created a lease in the moment the key was free: it holds the location now.
    await store.deleteMany([claimKey]);
    return undefined;
  }
  // The claim the stale lease was itself taken over with is of no more use.
  if (stale !== 'corrupt' && stale.claimKey && stale.claimKey.startsWith(CLAIM_PREFIX)) await store.deleteMany([stale.claimKey]).catch(() => undefined);
  return record;
}

class HeldLease implements Lease {
  #record: LeaseRecord;
  #lost: LeaseLostError | undefined;
  #released = false;
  #timer: NodeJS.Timeout | undefined;
  /** Renewals run one at a time: the heartbeat and an explicit renew() never interleave. */
  #queue: Promise<void> = Promise.resolve();

  constructor(
    private readonly store: ObjectStore,
    record: LeaseRecord,
    private readonly ttlMs: number,
    renewEveryMs: number,
    private readonly clock: () => Date,
    private readonly logger: Logger
  ) {
    this.#record = record;
    if (renewEveryMs > 0) {
      this.#timer = setInterval(() => {
        this.renew().catch((err: unknown) => {
          if (!(err instanceof LeaseLostError)) this.logger.warn(`Could not renew the lease on ${store.url} (will retry): ${errorMessage(err)}`);
        });
      }, renewEveryMs);
      this.#timer.unref();
    }
  }

  get record(): LeaseRecord {
    return this.#record;
  }

  assertHeld(): void {
    if (this.#lost) throw this.#lost;
  }

  renew(): Promise<void> {
    const next = this.#queue.then(() => this.#renewNow());
    this.#queue = next.catch(() => undefined);
    return next;
  }

  async #renewNow(): Promise<void> {
    if (this.#lost) throw this.#lost;
    if (this.#released) return;
    const current = await readLease(this.store);
    if (current === undefined || current === 'corrupt' || current.token !== this.#record.token) {
      const by = current && current !== 'corrupt' ? ` by ${current.holder}` : '';
      this.#lost = new LeaseLostError(`the lease on ${this.store.url} was taken over${by} (it was not renewed for ${this.ttlMs / 1000}s)`);
      this.logger.error(this.#lost.message);
      this.#stop();
      throw this.#lost;
    }
    const now = this.clock();
    const renewed = { ...this.#record, renewedAt: now.toISOString(), expiresAt: new Date(now.getTime() + this.ttlMs).toISOString() };
    await this.store.put(LEASE_KEY, serialise(renewed), { contentType: 'application/json' });
    this.#record = renewed;
  }

  async release(): Promise<void> {
    this.#stop();
    await this.#queue;
    if (this.#released) return;
    this.#released = true;
    if (this.#lost) return;
    try {
      const current = await readLease(this.store);
      if (current !== undefined && current !== 'corrupt' && current.token === this.#record.token) {
        await this.store.deleteMany([LEASE_KEY]);
      }
      if (this.#record.claimKey) await this.store.deleteMany([this.#record.claimKey]);
    } catch (err) {
      this.logger.warn(`Could not release the lease on ${this.store.url}; it expires by itself at ${this.#record.expiresAt}: ${errorMessage(err)}`);
    }
  }

  #stop(): void {
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = undefined;
  }
}

function serialise(record: LeaseRecord): string {
  return `${JSON.stringify(record, null, 2)}\n`;
}
