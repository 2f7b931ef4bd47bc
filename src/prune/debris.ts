import type { ObjectStore, UnfinishedWrite } from '../storage/object-store.js';
import { formatGoDuration } from '../util/duration.js';
import { errorMessage } from '../util/errors.js';
import type { Logger } from '../util/logger.js';

/**
 * Debris of interrupted runs: multipart uploads never completed nor aborted, temporary and lock files of a local
 * directory, left by a run that was killed (SIGKILL, a lost runner) before its cleanup could run. Invisible to
 * every listing, but they hold space, and on S3 they are billed.
 *
 * What keeps a live write safe, two guarantees:
 * - The lease. Prune removes debris only while it holds the location's lease, checked just before. Backup and sync
 *   hold that lease from before they open an upload until after it is completed or aborted, so no run of this tool
 *   that still holds the lease is writing. (A run that lost its lease in a stall fails at its next check anyway.)
 * - The age. Restores write their record without the lease, and another tool (Velero itself) may share the bucket:
 *   only writes untouched for `minAgeMs` (unfinished-grace, never less than the lease TTL: a writer silent that
 *   long is treated as the lease treats a holder that stopped renewing) are removed. An upload's age runs from its
 *   newest part, so one still receiving parts stays young however long ago it started.
 */
export interface Debris {
  key: string;
  kind: UnfinishedWrite['kind'];
  lastModified: Date;
  /** How long before the prune's time it was last written to. */
  ageMs: number;
  size?: number;
}

export interface DebrisReport {
  /** Removed (with dry-run: would be), being older than minAgeMs. */
  removed: Debris[];
  /** Younger than minAgeMs: a run may still be writing them, so they are left alone. */
  leftAlone: Debris[];
  minAgeMs: number;
  /** The bytes the removed debris held, where the store says. */
  bytes: number;
}

export interface DebrisOptions {
  now: Date;
  minAgeMs: number;
  dryRun: boolean;
  logger: Logger;
  /** Throws once the lease is lost (see Lease.assertHeld): checked right before anything is removed. */
  assertHeld: () => void;
  signal?: AbortSignal;
  warn: (message: string) => void;
}

/** The pure decision: which of `writes` are abandoned (older than minAgeMs at `now`), and which may be in progress. */
export function sortDebris(writes: readonly UnfinishedWrite[], now: Date, minAgeMs: number): { stale: UnfinishedWrite[]; fresh: UnfinishedWrite[] } {
  const stale: UnfinishedWrite[] = [];
  const fresh: UnfinishedWrite[] = [];
  for (const write of writes) (now.getTime() - write.lastModified.getTime() >= minAgeMs ? stale : fresh).push(write);
  return { stale, fresh };
}

/** Finds the location's debris and removes what is abandoned; a store that leaves none (no listUnfinished) has none. */
export async function clearDebris(store: ObjectStore, options: DebrisOptions): Promise<DebrisReport> {
  const { now, minAgeMs, dryRun, logger } = options;
  const report: DebrisReport = { removed: [], leftAlone: [], minAgeMs, bytes: 0 };
  if (!store.listUnfinished || !store.abortUnfinished) return report;
  const writes: UnfinishedWrite[] = [];
  try {
    for await (const write of store.listUnfinished('')) writes.push(write);
  } catch (err) {
    // Debris costs space, not correctness: a store that cannot list it must not stop the prune.
    options.warn(`Could not list the debris of interrupted runs in ${store.url}: ${errorMessage(err)}`);
    return report;
  }
  const { stale, fresh } = sortDebris(writes, now, minAgeMs);
  report.leftAlone = fresh.map((w) => debrisOf(w, now));
  for (const write of fresh) logger.info(`Left ${describe(write, now)} alone: younger than ${formatGoDuration(minAgeMs)}, a run may still be writing it`);
  if (stale.length === 0) return report;

  if (!dryRun) {
    options.signal?.throwIfAborted();
    options.assertHeld();
    try {
      await store.abortUnfinished(stale);
    } catch (err) {
      options.warn(`Could not remove the debris of interrupted runs in ${store.url} (the next prune tries again): ${errorMessage(err)}`);
      return report;
    }
  }
  for (const write of stale) {
    report.removed.push(debrisOf(write, now));
    report.bytes += write.size ?? 0;
    logger.info(`${dryRun ? 'Would remove' : 'Removed'} ${describe(write, now)}`);
  }
  return report;
}

const KIND_NAMES: Record<UnfinishedWrite['kind'], string> = {
  'multipart-upload': 'unfinished upload',
  'temporary-file': 'temporary file',
  'lock-file': 'lock file'
};

/** "unfinished upload" etc., for logs and summaries. */
export function kindName(kind: UnfinishedWrite['kind']): string {
  return KIND_NAMES[kind];
}

function debrisOf(write: UnfinishedWrite, now: Date): Debris {
  return { key: write.key, kind: write.kind, lastModified: write.lastModified, ageMs: ageOf(write, now), ...(write.size !== undefined ? { size: write.size } : {}) };
}

/** Never negative: the store's clock may run a little ahead of ours. */
function ageOf(write: UnfinishedWrite, now: Date): number {
  return Math.max(0, now.getTime() - write.lastModified.getTime());
}

function describe(write: UnfinishedWrite, now: Date): string {
  const size = write.size !== undefined ? `, ${write.size} bytes` : '';
  return `${kindName(write.kind)} of '${write.key}' (last written ${formatGoDuration(ageOf(write, now))} ago${size})`;
}
