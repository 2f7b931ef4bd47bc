import type { Cluster } from '../kube/cluster.js';
import type { LocationPolicy } from '../settings/backup-settings.js';
import type { PruneSettings } from '../settings/lifecycle-settings.js';
import { leftAloneReason, readStoredBackup, recordOwner, statusOf, type LocationIdentity, type StoredBackup } from '../persistence/stored-backups.js';
import { BACKUPS_FOLDER, backupKeys, nameOfFolder, restoreKeys } from '../storage/layout.js';
import { LeaseLostError, withLease, type Lease, type LeaseOptions } from '../coordination/lease.js';
import { readText, type ObjectInfo, type ObjectStore } from '../storage/object-store.js';
import { BACKUP_REF } from '../velero/backup-crd.js';
import { DeleteRefusedError, errorMessage, InputError } from '../util/errors.js';
import type { Logger } from '../util/logger.js';
import { completeCandidate } from './candidates.js';
import { clearDebris, type DebrisReport } from './debris.js';
import { planPrune, type DeleteReason, type KeepReason, type PruneCandidate } from './plan.js';
import { indexRestores, type RestoreIndex } from './restores.js';
import { ClusterSnapshotDeleter, type SnapshotDeleter, type SnapshotDeletion, type SnapshotWaits } from './snapshot-deleter.js';
import { readSnapshotInventory, type CsiSnapshotRef } from './snapshots.js';
import type { KubeObject } from '../model/kube-object.js';
import { LABELS } from '../velero/vocabulary.js';

/**
 * Written into a backup folder before a prune deletes anything of it, deleted last: an unfinished folder holding it
 * is an interrupted prune, finished by the next one at once rather than after the grace period. Velero ignores
 * unknown files in a backup folder.
 */
export function pruneMarkerKey(name: string): string {
  return `${backupKeys(name).folder}kube-backup-pruning.json`;
}

/** The prune marker's content: why the folder is being deleted, and the snapshots already deleted (by handle). */
interface PruneMarker {
  reason?: string;
  expiration?: string;
  snapshotsDeleted?: string[];
}

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

export interface PrunedBackup {
  name: string;
  reason: DeleteReason;
  phase?: string;
  expiration?: string;
  scheduleName?: string;
  /** Restores made from it (their velero-restore.json names it), deleted with it. */
  restores: string[];
  objects: number;
  bytes: number;
  /** Whether the cluster's Backup object was deleted too. */
  recordDeleted: boolean;
  /** Why a Backup object of that name was left in the cluster: it is not (or may not be) this location's. */
  recordLeftAlone?: string;
  /** Its CSI snapshots (from its volumeinfo), deleted before any of its files (with dry-run: that would be). */
  snapshots: SnapshotDeletion[];
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
    const backup = backups.get(decision.name);
    const status = backup ? statusOf(backup) : undefined;
    const pruned: PrunedBackup = {
      name: decision.name,
      reason: decision.reason,
      phase: status?.phase,
      expiration: status?.expiration,
      scheduleName: backup?.metadata.labels?.[LABELS.scheduleName],
      restores: restores.byBackup.get(decision.name) ?? [],
      objects: 0,
      bytes: 0,
      recordDeleted: false,
      snapshots: []
    };
    try {
      const inventory = await readSnapshotInventory(store, decision.name, backup, location.name);
      for (const message of inventory.warnings) warn(message);
      if (inventory.blocked) {
        result.kept.push({ name: decision.name, reason: 'snapshots', detail: inventory.blocked });
        logger.info(`Kept backup ${decision.name}: ${inventory.blocked}`);
        continue;
      }
      if (settings.dryRun && inventory.csi.length) {
        const unavailable = await deleter.unavailable();
        if (unavailable) warn(`Backup ${decision.name}: its ${inventory.csi.length} CSI snapshots could not be deleted now (${unavailable}), so a prune would keep it`);
      }
      await deleteBackup(context, deleter, pruned, inventory.csi, restores, settings.dryRun, () => lease?.assertHeld());
      if (!settings.dryRun && context.cluster) {
        const outcome = await deleteRecord(context.cluster, decision.name, settings.veleroNamespace, { name: location.name, url: store.url }, warn);
        pruned.recordDeleted = outcome === 'deleted';
        if (typeof outcome === 'object') {
          pruned.recordLeftAlone = outcome.leftAlone;
          logger.info(`Left Backup ${settings.veleroNamespace}/${decision.name} alone: ${outcome.leftAlone}`);
        }
      }
      result.deleted.push(pruned);
      result.freedBytes += pruned.bytes;
      const what = decision.reason === 'expired' ? `expired ${pruned.expiration}` : 'unfinished';
      const snapshotCount = pruned.snapshots.length ? ` and ${pruned.snapshots.length} CSI snapshots` : '';
      const extra = (pruned.restores.length ? ` and ${pruned.restores.length} restores` : '') + snapshotCount;
      logger.info(`${settings.dryRun ? 'Would delete' : 'Deleted'} backup ${decision.name} (${what})${extra}: ${pruned.objects} objects, ${pruned.bytes} bytes`);
    } catch (err) {
      if (err instanceof LeaseLostError) throw err;
      if (err instanceof DeleteRefusedError) {
        // Retention is the store doing its job, not a failed run: the backup goes once its retention ends.
        // velero-backup.json goes first: once it is gone, the backup was partly deleted before the refusal.
        const recordGone = (await store.head(backupKeys(decision.name).metadata).catch(() => 'unknown')) === undefined;
        const partly = recordGone ? ' (partly deleted; the next prune finishes it)' : '';
        // Untouched: leave it as it was, without the marker that says a prune is under way.
        if (!recordGone) await store.deleteMany([pruneMarkerKey(decision.name)]).catch(() => undefined);
        result.kept.push({ name: decision.name, reason: 'retention', detail: `${err.key} is under retention: ${err.retention}${partly}` });
        logger.warn(`Kept backup ${decision.name}: the store refuses to delete ${err.key} (${err.retention}); a prune after its retention ends deletes it${partly}`);
        continue;
      }
      if (err instanceof SnapshotsNotDeletedError) {
        result.failures.push({ name: decision.name, message: err.message, snapshots: err.snapshots });
        logger.error(`Kept backup ${decision.name}, files and all; the next prune tries again: ${err.message}`);
        continue;
      }
      result.failures.push({ name: decision.name, message: errorMessage(err) });
      logger.error(`Could not delete backup ${decision.name}; the next prune finishes it: ${errorMessage(err)}`);
    }
  }
}

/** A backup whose CSI snapshots were not all deleted: none of its files is. */
class SnapshotsNotDeletedError extends Error {
  constructor(readonly snapshots: SnapshotDeletion[]) {
    const failed = snapshots.filter((s) => s.result === 'failed');
    const reasons = [...new Set(failed.map((s) => s.message ?? 'unknown'))];
    super(`${failed.length} of its ${snapshots.length} CSI snapshots could not be deleted, so none of its files was: ${reasons.join('; ')}`);
    this.name = 'SnapshotsNotDeletedError';
  }
}

/** Deletes (or, in a dry run, measures) one backup folder, its CSI snapshots and the restores made from it, in the safe order. */
async function deleteBackup(
  context: PruneContext,
  deleter: SnapshotDeleter,
  pruned: PrunedBackup,
  snapshots: readonly CsiSnapshotRef[],
  restores: RestoreIndex,
  dryRun: boolean,
  /** Throws once the lease is lost (taken over, or expired in a stall): checked before every deletion. */
  assertHeld: () => void
): Promise<void> {
  const { store } = context;
  const keys = backupKeys(pruned.name);
  const folder = await listAll(store, keys.folder);
  const restoreObjects = await Promise.all(pruned.restores.map(async (name) => ({ name, objects: await listAll(store, restoreKeys(name).folder) })));
  for (const objects of [folder, ...restoreObjects.map((r) => r.objects)]) {
    pruned.objects += objects.length;
    pruned.bytes += objects.reduce((sum, o) => sum + o.size, 0);
  }
  const marker = pruneMarkerKey(pruned.name);
  const markerBody: PruneMarker = { reason: pruned.reason, expiration: pruned.expiration };
  let markerThere = folder.some((o) => o.key === marker);
  const putMarker = async () => {
    await store.put(marker, `${JSON.stringify(markerBody, null, 2)}\n`, { contentType: 'application/json' });
    markerThere = true;
  };
  const earlier = snapshots.length && markerThere ? await readMarker(store, marker) : {};
  const deletedBefore = new Set(earlier.snapshotsDeleted ?? []);
  if (deletedBefore.size) markerBody.snapshotsDeleted = [...deletedBefore];

  // The snapshots first: a backup whose snapshots cannot all be deleted keeps every file, so the next prune finds
  // them again; none is ever left without a backup naming it.
  for (const snapshot of snapshots) {
    const base = { handle: snapshot.handle, driver: snapshot.driver, ...(snapshot.claim ? { claim: snapshot.claim } : {}) };
    if (deletedBefore.has(snapshot.handle)) {
      pruned.snapshots.push({ ...base, result: 'already-gone', message: 'deleted by an earlier prune' });
      continue;
    }
    if (dryRun) {
      pruned.snapshots.push({ ...base, result: 'would-delete' });
      continue;
    }
    context.signal?.throwIfAborted();
    assertHeld();
    const outcome = await deleter.delete(pruned.name, snapshot, context.signal);
    pruned.snapshots.push(outcome);
    if (outcome.result === 'deleted' || outcome.result === 'already-gone') {
      markerBody.snapshotsDeleted = [...(markerBody.snapshotsDeleted ?? []), snapshot.handle];
      await putMarker();
    }
  }
  if (pruned.snapshots.some((s) => s.result === 'failed')) throw new SnapshotsNotDeletedError(pruned.snapshots);
  if (dryRun) return;

  if (!markerThere) await putMarker();
  const deleteKeys = async (keysToDelete: string[]) => {
    assertHeld();
    await store.deleteMany(keysToDelete);
  };
  if (folder.some((o) => o.key === keys.metadata)) await deleteKeys([keys.metadata]);
  for (const restore of restoreObjects) {
    const record = restoreKeys(restore.name).metadata;
    await deleteKeys(restore.objects.map((o) => o.key).filter((key) => key !== record));
    await deleteKeys([record]);
  }
  await deleteKeys(folder.map((o) => o.key).filter((key) => key !== keys.metadata && key !== marker));
  await deleteKeys([marker]);
  restores.byBackup.delete(pruned.name);
}

/**
 * Deletes the cluster's Backup object of a pruned backup, if it is this location's (its name and its URL: see
 * recordOwner); a record of the same backup name from another location, or one that does not say which location it
 * came from (Velero's, an older version's), is left alone and said so. Failing to delete is a warning: the next
 * sync deletes a record of this location whose folder is gone.
 */
async function deleteRecord(
  cluster: Cluster,
  name: string,
  namespace: string,
  location: LocationIdentity,
  warn: (message: string) => void
): Promise<'deleted' | 'absent' | { leftAlone: string }> {
  try {
    const record = await cluster.get(BACKUP_REF, name, namespace);
    if (!record) return 'absent';
    const owner = recordOwner(record, location);
    if (owner.owner !== 'this-location') return { leftAlone: leftAloneReason(owner, location) };
    return (await cluster.delete(BACKUP_REF, name, { namespace })) ? 'deleted' : 'absent';
  } catch (err) {
    // A cluster without the Backup CRD answers 404, which get() already maps to undefined.
    warn(`Backup ${name}: could not delete its Backup object in namespace ${namespace}: ${errorMessage(err)}`);
    return 'absent';
  }
}

/** The marker an earlier, interrupted prune left; one that cannot be read names no snapshot (they are tried again). */
async function readMarker(store: ObjectStore, key: string): Promise<PruneMarker> {
  try {
    const parsed = JSON.parse(await readText(store, key)) as PruneMarker;
    return { snapshotsDeleted: Array.isArray(parsed?.snapshotsDeleted) ? parsed.snapshotsDeleted.filter((h): h is string => typeof h === 'string') : [] };
  } catch {
    return {};
  }
}

async function listAll(store: ObjectStore, prefix: string): Promise<ObjectInfo[]> {
  const objects: ObjectInfo[] = [];
  for await (const info of store.list(prefix)) objects.push(info);
  return objects;
}

