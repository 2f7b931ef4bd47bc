import type { Cluster } from '../kube/cluster.js';
import type { KubeObject } from '../model/kube-object.js';
import { leftAloneReason, recordOwner, statusOf, type LocationIdentity } from '../persistence/stored-backups.js';
import { backupKeys, restoreKeys } from '../storage/layout.js';
import { LeaseLostError } from '../coordination/lease.js';
import { readText, type ObjectInfo, type ObjectStore } from '../storage/object-store.js';
import { BACKUP_REF } from '../velero/backup-crd.js';
import { DeleteRefusedError, errorMessage } from '../util/errors.js';
import type { Logger } from '../util/logger.js';
import { LABELS } from '../velero/vocabulary.js';
import type { DeleteReason } from './plan.js';
import type { RestoreIndex } from './restores.js';
import type { SnapshotDeleter, SnapshotDeletion } from './snapshot-deleter.js';
import { readSnapshotInventory, type CsiSnapshotRef } from './snapshots.js';

/**
 * The one way a backup is deleted, for prune (expired, unfinished) and for `mode: delete` / `backup delete` (asked
 * for by name): its CSI snapshots first, then velero-backup.json, then the restores made from it, then the rest of
 * its folder, then the cluster's Backup object.
 */

/**
 * Written into a backup folder before anything of it is deleted, deleted last: an unfinished folder holding it is
 * an interrupted deletion, finished by the next prune at once rather than after the grace period. Velero ignores
 * unknown files in a backup folder.
 */
export function pruneMarkerKey(name: string): string {
  return `${backupKeys(name).folder}kube-backup-pruning.json`;
}

/** The marker's content: why the folder is being deleted, and the snapshots already deleted (by handle). */
interface PruneMarker {
  reason?: string;
  expiration?: string;
  snapshotsDeleted?: string[];
}

/** Why a backup is deleted: prune's reasons, or `requested` by name (mode: delete, `backup delete`). */
export type DeletionReason = DeleteReason | 'requested';

export interface DeletedBackup {
  name: string;
  reason: DeletionReason;
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
  /** Set when its CSI snapshots belong to another location (a copy's): they were left alone, and why. */
  snapshotsLeftAlone?: string;
}

/** What deleting one backup came to. Never thrown for the backup's own trouble, only for a lost lease or a cancel. */
export type BackupDeletion =
  | { result: 'deleted'; deleted: DeletedBackup }
  /** Snapshots this tool cannot delete (native, data-mover, another location's): nothing of it was touched. */
  | { result: 'kept-for-snapshots'; detail: string }
  /** The store refused to delete `key` (Object Lock, a legal hold); `partly` when velero-backup.json was already gone. */
  | { result: 'kept-for-retention'; key: string; retention: string; partly: boolean }
  /** Not (or not wholly) deleted; `snapshots` when its CSI snapshots are why: its files all stay. */
  | { result: 'failed'; message: string; snapshots?: SnapshotDeletion[] };

export interface BackupDeletionContext {
  store: ObjectStore;
  /** Where its Backup object lives; without one, only the store is touched. */
  cluster?: Cluster;
  logger: Logger;
  signal?: AbortSignal;
  deleter: SnapshotDeleter;
  /** Every restore record of the location (indexRestores), read once per run. */
  restores: RestoreIndex;
  location: LocationIdentity;
  veleroNamespace: string;
  dryRun: boolean;
  /** Throws once the lease is lost (taken over, or expired in a stall): checked before every deletion. */
  assertHeld: () => void;
  warn: (message: string) => void;
}

export interface BackupToDelete {
  name: string;
  reason: DeletionReason;
  /** Its velero-backup.json; absent for an unfinished folder. */
  backup?: KubeObject;
}

export async function deleteStoredBackup(context: BackupDeletionContext, target: BackupToDelete): Promise<BackupDeletion> {
  const { store, logger } = context;
  const { name, backup } = target;
  const status = backup ? statusOf(backup) : undefined;
  const deleted: DeletedBackup = {
    name,
    reason: target.reason,
    phase: status?.phase,
    expiration: status?.expiration,
    scheduleName: backup?.metadata.labels?.[LABELS.scheduleName],
    restores: context.restores.byBackup.get(name) ?? [],
    objects: 0,
    bytes: 0,
    recordDeleted: false,
    snapshots: []
  };
  try {
    const inventory = await readSnapshotInventory(store, name, backup, context.location.name);
    if (inventory.snapshotsOwnedBy) deleted.snapshotsLeftAlone = `its CSI snapshots belong to ${inventory.snapshotsOwnedBy} (it is a copy), so only its files are deleted`;
    for (const message of inventory.warnings) context.warn(message);
    if (inventory.blocked) return { result: 'kept-for-snapshots', detail: inventory.blocked };
    if (context.dryRun && inventory.csi.length) {
      const unavailable = await context.deleter.unavailable();
      if (unavailable) context.warn(`Backup ${name}: its ${inventory.csi.length} CSI snapshots could not be deleted now (${unavailable}), so a prune would keep it`);
    }
    await deleteFolder(context, deleted, inventory.csi);
    if (!context.dryRun && context.cluster) {
      const outcome = await deleteRecord(context.cluster, name, context.veleroNamespace, context.location, context.warn);
      deleted.recordDeleted = outcome === 'deleted';
      if (typeof outcome === 'object') {
        deleted.recordLeftAlone = outcome.leftAlone;
        logger.info(`Left Backup ${context.veleroNamespace}/${name} alone: ${outcome.leftAlone}`);
      }
    }
    return { result: 'deleted', deleted };
  } catch (err) {
    if (err instanceof LeaseLostError) throw err;
    if (err instanceof DeleteRefusedError) {
      // velero-backup.json goes first: once it is gone, the backup was partly deleted before the refusal.
      const recordGone = (await store.head(backupKeys(name).metadata).catch(() => 'unknown')) === undefined;
      // Untouched: leave it as it was, without the marker that says a deletion is under way.
      if (!recordGone) await store.deleteMany([pruneMarkerKey(name)]).catch(() => undefined);
      return { result: 'kept-for-retention', key: err.key, retention: err.retention, partly: recordGone };
    }
    if (err instanceof SnapshotsNotDeletedError) return { result: 'failed', message: err.message, snapshots: err.snapshots };
    return { result: 'failed', message: errorMessage(err) };
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
async function deleteFolder(context: BackupDeletionContext, deleted: DeletedBackup, snapshots: readonly CsiSnapshotRef[]): Promise<void> {
  const { store, dryRun, assertHeld } = context;
  const keys = backupKeys(deleted.name);
  const folder = await listAll(store, keys.folder);
  const restoreObjects = await Promise.all(deleted.restores.map(async (name) => ({ name, objects: await listAll(store, restoreKeys(name).folder) })));
  for (const objects of [folder, ...restoreObjects.map((r) => r.objects)]) {
    deleted.objects += objects.length;
    deleted.bytes += objects.reduce((sum, o) => sum + o.size, 0);
  }
  const marker = pruneMarkerKey(deleted.name);
  const markerBody: PruneMarker = { reason: deleted.reason, expiration: deleted.expiration };
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
      deleted.snapshots.push({ ...base, result: 'already-gone', message: 'deleted by an earlier prune' });
      continue;
    }
    if (dryRun) {
      deleted.snapshots.push({ ...base, result: 'would-delete' });
      continue;
    }
    context.signal?.throwIfAborted();
    assertHeld();
    const outcome = await context.deleter.delete(deleted.name, snapshot, context.signal);
    deleted.snapshots.push(outcome);
    if (outcome.result === 'deleted' || outcome.result === 'already-gone') {
      markerBody.snapshotsDeleted = [...(markerBody.snapshotsDeleted ?? []), snapshot.handle];
      await putMarker();
    }
  }
  if (deleted.snapshots.some((s) => s.result === 'failed')) throw new SnapshotsNotDeletedError(deleted.snapshots);
  if (dryRun) return;

  if (!markerThere) await putMarker();
  const deleteKeys = async (keysToDelete: string[]) => {
    assertHeld();
    await store.deleteMany(keysToDelete);
  };
  if (folder.some((o) => o.key === keys.metadata)) await deleteKeys([keys.metadata]);
  for (const restore of restoreObjects) await deleteRestoreObjects(restore.name, restore.objects, deleteKeys);
  await deleteKeys(folder.map((o) => o.key).filter((key) => key !== keys.metadata && key !== marker));
  await deleteKeys([marker]);
  context.restores.byBackup.delete(deleted.name);
}

/** A restore's files, its own record last, so an interrupted deletion can still find which backup it belongs to. */
async function deleteRestoreObjects(name: string, objects: readonly ObjectInfo[], deleteKeys: (keys: string[]) => Promise<void>): Promise<void> {
  const record = restoreKeys(name).metadata;
  await deleteKeys(objects.map((o) => o.key).filter((key) => key !== record));
  await deleteKeys([record]);
}

/** Deletes the files of one restore (`restore delete`); how many objects and bytes they were. */
export async function deleteStoredRestore(store: ObjectStore, name: string, assertHeld: () => void): Promise<{ objects: number; bytes: number }> {
  const objects = await listAll(store, restoreKeys(name).folder);
  await deleteRestoreObjects(name, objects, async (keys) => {
    assertHeld();
    await store.deleteMany(keys);
  });
  return { objects: objects.length, bytes: objects.reduce((sum, o) => sum + o.size, 0) };
}

/**
 * Deletes the cluster's Backup object of a deleted backup, if it is this location's (its name and its URL: see
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

/** The marker an earlier, interrupted deletion left; one that cannot be read names no snapshot (they are tried again). */
async function readMarker(store: ObjectStore, key: string): Promise<PruneMarker> {
  try {
    const parsed = JSON.parse(await readText(store, key)) as PruneMarker;
    return { snapshotsDeleted: Array.isArray(parsed?.snapshotsDeleted) ? parsed.snapshotsDeleted.filter((h): h is string => typeof h === 'string') : [] };
  } catch {
    return {};
  }
}

export async function listAll(store: ObjectStore, prefix: string): Promise<ObjectInfo[]> {
  const objects: ObjectInfo[] = [];
  for await (const info of store.list(prefix)) objects.push(info);
  return objects;
}
