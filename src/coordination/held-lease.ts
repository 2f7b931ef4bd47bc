import { ChangedMeanwhileError, errorMessage } from '../util/errors.js';
import type { Logger } from '../util/logger.js';
import type { ObjectStore } from '../storage/object-store.js';
import { LeaseLostError } from './lease-errors.js';
import { LEASE_KEY, readLease, readVersionedLease, renewedLeaseRecord, serialiseLease, type LeaseRecord } from './lease-record.js';

/** A held lease. */
export interface Lease {
  readonly record: LeaseRecord;
  /** Extends the expiry; throws LeaseLostError when the lease is no longer ours. */
  renew(): Promise<void>;
  /** Stops the heartbeat and deletes the lease if it is still ours. Never throws. */
  release(): Promise<void>;
  /**
   * Throws when the lease is no longer ours: the heartbeat found it taken over, or our own last renewal has expired
   * (a run that stalled past its TTL may have been taken over without knowing). Call before every destructive step.
   */
  assertHeld(): void;
}

export interface HeldLeaseOptions {
  ttlMs: number;
  /** Heartbeat period; 0 turns the heartbeat off (the caller renews). */
  renewEveryMs: number;
  clock: () => Date;
  logger: Logger;
}

/**
 * The lease once acquired. Renew: the holder rewrites the lease with a later expiry every `renewEveryMs`
 * (heartbeat), after checking that the lease still carries its token; a lease not renewed for `ttlMs` (a crashed
 * runner) is stale. Release: delete the lease if it still carries our token (and the claim we took it over with).
 * The heartbeat timer does not keep the process alive; release() stops it.
 */
export class HeldLease implements Lease {
  #record: LeaseRecord;
  #lost: LeaseLostError | undefined;
  #released = false;
  #timer: ReturnType<typeof setInterval> | undefined;
  /** Renewals run one at a time: the heartbeat and an explicit renew() never interleave. */
  #queue: Promise<void> = Promise.resolve();
  private readonly ttlMs: number;
  private readonly clock: () => Date;
  private readonly logger: Logger;

  constructor(
    private readonly store: ObjectStore,
    record: LeaseRecord,
    options: HeldLeaseOptions
  ) {
    this.#record = record;
    this.ttlMs = options.ttlMs;
    this.clock = options.clock;
    this.logger = options.logger;
    if (options.renewEveryMs > 0) {
      this.#timer = setInterval(() => {
        this.renew().catch((err: unknown) => {
          if (!(err instanceof LeaseLostError)) this.logger.warn(`Could not renew the lease on ${store.url} (will retry): ${errorMessage(err)}`);
        });
      }, options.renewEveryMs);
      this.#timer.unref();
    }
  }

  get record(): LeaseRecord {
    return this.#record;
  }

  assertHeld(): void {
    if (this.#lost) throw this.#lost;
    if (this.#expired()) this.#lose(`our lease on ${this.store.url} expired at ${this.#record.expiresAt} before it was renewed (the run stalled); another run may hold the location now`);
  }

  renew(): Promise<void> {
    const next = this.#queue.then(() => this.#renewNow());
    this.#queue = next.catch(() => undefined);
    return next;
  }

  /**
   * Renews only what is still ours: never after our own expiry (another run may have taken over meanwhile), never
   * over a lease with another token, and the write is conditional on the version read (If-Match, a swap on disk),
   * so a renewal that stalled between its read and its write cannot overwrite a new holder.
   */
  async #renewNow(): Promise<void> {
    this.assertHeld();
    if (this.#released) return;
    const { lease: current, version } = await readVersionedLease(this.store);
    if (current === undefined || current === 'corrupt' || current.token !== this.#record.token) {
      const by = current && current !== 'corrupt' ? ` by ${current.holder}` : '';
      this.#lose(`the lease on ${this.store.url} was taken over${by} (it was not renewed for ${this.ttlMs / 1000}s)`);
    }
    this.assertHeld();
    const renewed = renewedLeaseRecord(this.#record, this.clock(), this.ttlMs);
    try {
      await this.store.put(LEASE_KEY, serialiseLease(renewed), { contentType: 'application/json', ifMatch: version });
    } catch (err) {
      if (err instanceof ChangedMeanwhileError) this.#lose(`the lease on ${this.store.url} changed while it was being renewed: another run took it over`);
      throw err;
    }
    this.#record = renewed;
  }

  #expired(): boolean {
    return this.clock().getTime() > Date.parse(this.#record.expiresAt);
  }

  #lose(message: string): never {
    this.#lost = new LeaseLostError(message);
    this.logger.error(message);
    this.#stop();
    throw this.#lost;
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
