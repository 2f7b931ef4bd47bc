import type { Cluster } from '../kube/cluster.js';
import type { LocationPolicy } from '../settings/backup-settings.js';
import type { PruneSettings } from '../settings/lifecycle-settings.js';
import { readStoredBackup, type StoredBackup } from '../persistence/stored-backups.js';
import { BACKUPS_FOLDER, nameOfFolder } from '../storage/layout.js';
import { withLease, type Lease, type LeaseOptions } from '../coordination/lease.js';
import type { ObjectStore } from '../storage/object-store.js';
import { errorMessage, InputError } from '../util/errors.js';
import type { Logger } from '../util/logger.js';
import { completeCandidate } from './candidates.js';
import { clearDebris, type DebrisReport } from './debris.js';
import { deleteStoredBackup, listAll, pruneMarkerKey, type DeletedBackup } from './delete-backup.js';
import { planPrune, type DeleteReason, type KeepReason, type PruneCandidate } from './plan.js';
import { indexRestores } from './restores.js';
import { ClusterSnapshotDeleter, type SnapshotDeleter, type SnapshotDeletion, type SnapshotWaits } from './snapshot-deleter.js';
import type { KubeObject } from '../model/kube-object.js';

export { pruneMarkerKey } from './delete-backup.js';

export interface PruneContext {
  store: ObjectStore;
  /** Where the backups are recorded as Backup objects; without one, only the store is pruned. */
  cluster?: Cluster;
  logger: Logger;
  clock?: () => Date;
  /** Who runs this prune, shown to a run that has to wait for the location's lease (settings/run-identity.ts). */
  holder: string;
  /** Overrides for the lease (poll period, heartbeat); the ttl and wait come from the settings. */
  lease?: Partial<LeaseOptions>;
  /** Aborted when the run is cancelled (SIGINT/SIGTERM at the edges): no new work starts, cleanup still runs. */
  signal?: AbortSignal;
  /** Deletes CSI snapshots; by default through `cluster` (ClusterSnapshotDeleter), failing every one without it. */
  snapshots?: SnapshotDeleter;
  /** Overrides for the waits of the default snapshot deleter. */
  snapshotWaits?: Partial<SnapshotWaits>;
}

export interface PruneRequest {
  settings: PruneSettings;
  location: LocationPolicy;
}

/** A backup prune deleted: for one reason of its own (expired, unfinished). */
export interface PrunedBackup extends DeletedBackup {
  reason: DeleteReason;
}

/** A backup prune could not delete (or finish deleting); the next prune tries again. */
export interface PruneFailure {
  name: string;
  message: string;
  /** Its CSI snapshots when they are why: each one's result. Its files all stay when any failed. */
  snapshots?: SnapshotDeletion[];
}

export interface KeptBackup {
  name: string;
  reason: KeepReason;
  detail?: string;
}

export interface PruneResult {
  location: string;
  dryRun: boolean;
  now: Date;
  /** Deleted backups (with dry-run: those that would be). */
  deleted: PrunedBackup[];
  kept: KeptBackup[];
  /** Backups whose deletion failed part way, or whose snapshots could not be deleted; the next prune tries again. */
  failures: PruneFailure[];
  warnings: string[];
  /** What the deleted backups held, and the debris removed (with dry-run: what would be freed). */
  freedBytes: number;
  /** Debris of interrupted runs (unfinished uploads, temporary files): removed when abandoned, else left alone. */
  debris: DebrisReport;
}

/**
 * Deletes expired backups and stale unfinished folders, Velero's garbage collection as a one-shot run, then the
 * debris interrupted runs left (debris.ts says why a live write is safe from it). Per backup: its CSI snapshots
 * first (found in its volumeinfo; when any cannot be deleted, nothing of the backup is, and the next prune tries
 * again, so no snapshot is ever orphaned), then velero-backup.json (the backup leaves every listing at once), then
 * the restores made from it (their own record last, so an interrupted prune can still find them), then the rest of
 * the folder, then the cluster's Backup object. A marker written into the folder before its first file is deleted
 * (and after each snapshot deleted, naming it) and deleted last tells the next prune that an unfinished folder is an
 * interrupted prune, to finish at once rather than after the grace period given to crashed backups, and which of
 * its snapshots are already gone.
 */
export async function runPrune(context: PruneContext, request: PruneRequest): Promise<PruneResult> {
  const { store, logger } = context;
  const clock = context.clock ?? (() => new Date());
  const { settings, location } = request;
  if (location.accessMode === 'ReadOnly') {
    throw new InputError('storage-access-mode', `the location '${location.name}' (${store.url}) is ReadOnly, so no backup can be deleted from it`, 'Use storage-access-mode: ReadWrite to prune');
  }
  // A dry run deletes nothing, so it needs no lease and never waits for one.
  if (settings.dryRun) return prune(context, request, clock(), undefined);
  const leaseOptions = { operation: 'prune', holder: context.holder, ttlMs: settings.lease.ttlMs, waitMs: settings.lease.waitMs, clock, logger, ...context.lease };
  return withLease(store, leaseOptions, (lease) => prune(context, request, clock(), lease));
}

async function prune(context: PruneContext, request: PruneRequest, now: Date, lease: Lease | undefined): Promise<PruneResult> {
  const { store, logger } = context;
  const { settings } = request;
  const result: PruneResult = {
    location: store.url,
    dryRun: settings.dryRun,
    now,
    deleted: [],
    kept: [],
    failures: [],
    warnings: [],
    freedBytes: 0,
    debris: { removed: [], leftAlone: [], minAgeMs: 0, bytes: 0 }
  };
  const warn = (message: string) => {
    result.warnings.push(message);
    logger.warn(message);
  };
  await pruneBackups(context, request, now, lease, result, warn);
  result.debris = await clearDebris(store, {
    now,
    // A writer outside the lease that has been silent for a whole lease TTL is as gone as a holder that stopped renewing.
    minAgeMs: Math.max(settings.unfinishedGraceMs, settings.lease.ttlMs),
    dryRun: settings.dryRun,
    logger,
    assertHeld: () => lease?.assertHeld(),
    signal: context.signal,
    warn
  });
  result.freedBytes += result.debris.bytes;
  return result;
}

async function pruneBackups(
  context: PruneContext,
  { settings, location }: PruneRequest,
  now: Date,
  lease: Lease | undefined,
  result: PruneResult,
  warn: (message: string) => void
): Promise<void> {
  const { store, logger } = context;
  const candidates: PruneCandidate[] = [];
  const backups = new Map<string, KubeObject>();
  for await (const folder of store.listFolders(BACKUPS_FOLDER)) {
    const name = nameOfFolder(folder, BACKUPS_FOLDER);
    let stored: StoredBackup;
    try {
      stored = await readStoredBackup(store, name);
    } catch (err) {
      // A velero-backup.json the store cannot return (on Swift, one a killed prune deleted half of) is corrupt,
      // unless the folder is marked as being pruned.
      if (await store.head(pruneMarkerKey(name))) {
        candidates.push({ name, state: 'unfinished', lastModified: now, pruning: true });
        continue;
      }
      stored = { name, state: 'corrupt', problem: `velero-backup.json cannot be read: ${errorMessage(err)}` };
    }
    if (stored.state === 'complete') {
      candidates.push(completeCandidate(name, stored.backup));
      backups.set(name, stored.backup);
    } else if (stored.state === 'corrupt') {
      candidates.push({ name, state: 'corrupt', problem: stored.problem });
      warn(`Backup ${name} is kept: ${stored.problem}`);
    } else {
      const objects = await listAll(store, folder);
      const lastModified = new Date(Math.max(0, ...objects.map((o) => o.lastModified.getTime())));
      candidates.push({ name, state: 'unfinished', lastModified, pruning: objects.some((o) => o.key === pruneMarkerKey(name)) });
    }
  }

  const decisions = planPrune(candidates, { now, keepLast: settings.keepLast, unfinishedGraceMs: settings.unfinishedGraceMs, canDeleteSnapshots: false });
  const doomed = decisions.filter((d) => d.action === 'delete');
  for (const d of decisions) if (d.action === 'keep') result.kept.push({ name: d.name, reason: d.reason, detail: d.detail });
  logger.info(`${candidates.length} backup folders in ${store.url}; ${doomed.length} to delete${settings.dryRun ? ' (dry run: none will be)' : ''}`);
  if (doomed.length === 0) return;

  const restores = await indexRestores(store);
  for (const p of restores.problems) warn(`Restore ${p.restore} is kept: ${p.problem}`);
  const deleter = context.snapshots ?? new ClusterSnapshotDeleter(context.cluster, logger, context.snapshotWaits);

  for (const decision of doomed) {
    if (decision.action !== 'delete') continue;
    context.signal?.throwIfAborted();
    lease?.assertHeld();
    const outcome = await deleteStoredBackup(
      {
        store,
        cluster: context.cluster,
        logger,
        signal: context.signal,
        deleter,
        restores,
        location: { name: location.name, url: store.url },
        veleroNamespace: settings.veleroNamespace,
        dryRun: settings.dryRun,
        assertHeld: () => lease?.assertHeld(),
        warn
      },
      { name: decision.name, reason: decision.reason, backup: backups.get(decision.name) }
    );
    switch (outcome.result) {
      case 'deleted': {
        const pruned = { ...outcome.deleted, reason: decision.reason };
        result.deleted.push(pruned);
        result.freedBytes += pruned.bytes;
        const what = decision.reason === 'expired' ? `expired ${pruned.expiration}` : 'unfinished';
        const snapshotCount = pruned.snapshots.length ? ` and ${pruned.snapshots.length} CSI snapshots` : '';
        const extra = (pruned.restores.length ? ` and ${pruned.restores.length} restores` : '') + snapshotCount;
        logger.info(`${settings.dryRun ? 'Would delete' : 'Deleted'} backup ${decision.name} (${what})${extra}: ${pruned.objects} objects, ${pruned.bytes} bytes`);
        break;
      }
      case 'kept-for-snapshots':
        result.kept.push({ name: decision.name, reason: 'snapshots', detail: outcome.detail });
        logger.info(`Kept backup ${decision.name}: ${outcome.detail}`);
        break;
      case 'kept-for-retention': {
        // Retention is the store doing its job, not a failed run: the backup goes once its retention ends.
        const partly = outcome.partly ? ' (partly deleted; the next prune finishes it)' : '';
        result.kept.push({ name: decision.name, reason: 'retention', detail: `${outcome.key} is under retention: ${outcome.retention}${partly}` });
        logger.warn(`Kept backup ${decision.name}: the store refuses to delete ${outcome.key} (${outcome.retention}); a prune after its retention ends deletes it${partly}`);
        break;
      }
      case 'failed':
        if (outcome.snapshots) {
          result.failures.push({ name: decision.name, message: outcome.message, snapshots: outcome.snapshots });
          logger.error(`Kept backup ${decision.name}, files and all; the next prune tries again: ${outcome.message}`);
        } else {
          result.failures.push({ name: decision.name, message: outcome.message });
          logger.error(`Could not delete backup ${decision.name}; the next prune finishes it: ${outcome.message}`);
        }
        break;
    }
  }
}
