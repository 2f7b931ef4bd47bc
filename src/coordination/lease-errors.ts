import type { LeaseRecord } from './lease-record.js';

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
