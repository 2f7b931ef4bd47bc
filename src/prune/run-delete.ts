import type { KubeObject } from '../model/kube-object.js';
import { noSuchBackup, folderHoldsObjects } from '../persistence/choose-backup.js';
import { readStoredBackup } from '../persistence/stored-backups.js';
import type { LocationPolicy } from '../settings/backup-settings.js';
import type { DeleteSettings, RestoreDeleteSettings } from '../settings/list-delete-settings.js';
import { withLease } from '../coordination/lease.js';
import { backupKeys, nameOfFolder, RESTORES_FOLDER, restoreKeys } from '../storage/layout.js';
import { InputError } from '../util/errors.js';
import type { Logger } from '../util/logger.js';
import { deleteStoredBackup, deleteStoredRestore, type DeletedBackup } from './delete-backup.js';
import type { PruneContext } from './run-prune.js';
import { indexRestores } from './restores.js';
import { ClusterSnapshotDeleter, type SnapshotDeletion } from './snapshot-deleter.js';

/** What a deletion works with: what prune works with (the same store, cluster, lease and snapshot deleter). */
export type DeleteContext = PruneContext;

/** A backup asked for by name that was not (or not wholly) deleted, and why. */
export interface DeleteFailure {
  name: string;
  message: string;
  snapshots?: SnapshotDeletion[];
}

export interface DeleteResult {
  location: string;
  deleted: DeletedBackup[];
  failures: DeleteFailure[];
  warnings: string[];
}

/**
 * `mode: delete` and `backup delete`: the named backups, each with its CSI snapshots, the restores made from it and
 * its Backup object, the way prune deletes an expired one (delete-backup.ts) and under the same lease. Every name is
 * checked before anything is deleted: a name the location does not hold fails the run and deletes nothing. An
 * unfinished folder (files, no velero-backup.json) can be deleted by name: under the lease, no backup of this tool is
 * writing it. A corrupt one is not: its record, which says whose snapshots its volumeinfo names, cannot be read.
 */
export async function runDelete(context: DeleteContext, request: { settings: DeleteSettings; location: LocationPolicy }): Promise<DeleteResult> {
  const { store, logger } = context;
  const { settings, location } = request;
  if (location.accessMode === 'ReadOnly') {
    throw new InputError('storage-access-mode', `the location '${location.name}' (${store.url}) is ReadOnly, so no backup can be deleted from it`, 'Use storage-access-mode: ReadWrite to delete');
  }
  const clock = context.clock ?? (() => new Date());
  const leaseOptions = { operation: 'delete', holder: context.holder, ttlMs: settings.lease.ttlMs, waitMs: settings.lease.waitMs, clock, logger, ...context.lease };
  return withLease(store, leaseOptions, async (lease) => {
    const targets: { name: string; backup?: KubeObject }[] = [];
    for (const name of settings.names) {
      const stored = await readStoredBackup(store, name);
      if (stored.state === 'complete') targets.push({ name, backup: stored.backup });
      else if (stored.state === 'corrupt') {
        throw new InputError('backup-name', `backup '${name}' cannot be read (${stored.problem}), so whose CSI snapshots it names is unknown`, `Check it, then delete the folder ${backupKeys(name).folder} with the store's own tools`);
      } else if (await folderHoldsObjects(store, backupKeys(name).folder)) targets.push({ name });
      else throw await noSuchBackup(store, name, 'backup-name');
    }
    const result: DeleteResult = { location: store.url, deleted: [], failures: [], warnings: [] };
    const warn = (message: string) => {
      result.warnings.push(message);
      logger.warn(message);
    };
    const restores = await indexRestores(store);
    for (const p of restores.problems) warn(`Restore ${p.restore} is kept: ${p.problem}`);
    const deleter = context.snapshots ?? new ClusterSnapshotDeleter(context.cluster, logger, context.snapshotWaits);
    for (const target of targets) {
      context.signal?.throwIfAborted();
      lease.assertHeld();
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
          dryRun: false,
          assertHeld: () => lease.assertHeld(),
          warn
        },
        { name: target.name, reason: 'requested', backup: target.backup }
      );
      switch (outcome.result) {
        case 'deleted': {
          const d = outcome.deleted;
          result.deleted.push(d);
          const extra = [d.restores.length ? `${d.restores.length} restores` : '', d.snapshots.length ? `${d.snapshots.length} CSI snapshots` : '', d.recordDeleted ? 'its Backup object' : '']
            .filter(Boolean)
            .join(', ');
          logger.info(`Deleted backup ${d.name}${extra ? ` with ${extra}` : ''}: ${d.objects} objects, ${d.bytes} bytes`);
          if (d.snapshotsLeftAlone) logger.info(`Backup ${d.name}: ${d.snapshotsLeftAlone}`);
          break;
        }
        case 'kept-for-snapshots':
          fail(result, logger, { name: target.name, message: `not deleted: ${outcome.detail}` });
          break;
        case 'kept-for-retention':
          fail(result, logger, {
            name: target.name,
            message: `the store refuses to delete ${outcome.key} (${outcome.retention})${outcome.partly ? '; partly deleted, and a prune after its retention ends finishes it' : '; nothing of it was deleted'}`
          });
          break;
        case 'failed':
          fail(result, logger, { name: target.name, message: outcome.snapshots ? outcome.message : `${outcome.message}; a prune finishes what was started`, ...(outcome.snapshots ? { snapshots: outcome.snapshots } : {}) });
          break;
      }
    }
    return result;
  });
}

function fail(result: DeleteResult, logger: Logger, failure: DeleteFailure): void {
  result.failures.push(failure);
  logger.error(`Backup ${failure.name}: ${failure.message}`);
}

export interface RestoreDeleteResult {
  location: string;
  deleted: { name: string; objects: number; bytes: number }[];
}

/**
 * `restore delete`: the files of the named restores (restores/<name>/), their record last. Under the lease, so a
 * prune deleting the same restores with their backup is not interleaved with it. Every name is checked first.
 */
export async function runRestoreDelete(
  context: Pick<DeleteContext, 'store' | 'logger' | 'clock' | 'holder' | 'lease' | 'signal'>,
  request: { settings: RestoreDeleteSettings; location: LocationPolicy }
): Promise<RestoreDeleteResult> {
  const { store, logger } = context;
  const { settings, location } = request;
  if (location.accessMode === 'ReadOnly') {
    throw new InputError('storage-access-mode', `the location '${location.name}' (${store.url}) is ReadOnly, so no restore can be deleted from it`, 'Use storage-access-mode: ReadWrite to delete');
  }
  const clock = context.clock ?? (() => new Date());
  const leaseOptions = { operation: 'delete', holder: context.holder, ttlMs: settings.lease.ttlMs, waitMs: settings.lease.waitMs, clock, logger, ...context.lease };
  return withLease(store, leaseOptions, async (lease) => {
    for (const name of settings.names) {
      if (await folderHoldsObjects(store, restoreKeys(name).folder)) continue;
      const there: string[] = [];
      for await (const folder of store.listFolders(RESTORES_FOLDER)) there.push(nameOfFolder(folder, RESTORES_FOLDER));
      throw new InputError('restore-name', `no restore named '${name}' in ${store.url}`, there.length ? `Restores there: ${there.slice(0, 15).join(', ')}${there.length > 15 ? ', …' : ''}` : 'The location holds no restore');
    }
    const result: RestoreDeleteResult = { location: store.url, deleted: [] };
    for (const name of settings.names) {
      context.signal?.throwIfAborted();
      const deleted = await deleteStoredRestore(store, name, () => lease.assertHeld());
      result.deleted.push({ name, ...deleted });
      logger.info(`Deleted restore ${name}: ${deleted.objects} objects, ${deleted.bytes} bytes`);
    }
    return result;
  });
}
