import { errorMessage } from '../util/errors.js';
import type { Logger } from '../util/logger.js';
import type { ObjectStore } from '../storage/object-store.js';
import { LeaseLostError } from './lease-errors.js';
import { LEASE_KEY, readLease, renewedLeaseRecord, serialiseLease, type LeaseRecord } from './lease-record.js';

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
    const renewed = renewedLeaseRecord(this.#record, this.clock(), this.ttlMs);
    await this.store.put(LEASE_KEY, serialiseLease(renewed), { contentType: 'application/json' });
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
