import { backupKeys, restoreKeys } from '../../storage/layout.js';
import type { ObjectStore } from '../../storage/object-store.js';
import { errorMessage } from '../../util/errors.js';
import { gzipJson, gzipText } from '../../util/gzip.js';
import { restoreObject, type RestorePhase } from '../restore-object.js';
import type { RestoreRun } from '../restore-run.js';

export interface RestoreStatus {
  phase: RestorePhase;
  startedAt: Date;
  completedAt: Date;
  /** Why the run stopped before the end (cancelled, the store failed...): the record's failureReason. */
  failure?: string;
  /** The items the plan selected, when it got that far: a run that stopped early records them as its total. */
  selected?: number;
}

/**
 * Stores the restore's files where Velero keeps them; returns whether it did. The Restore object goes last: it is
 * what marks the name taken, so a restore whose other files failed to store can be named again.
 *
 * By now the cluster has been written to, so nothing here may cost the run its result: a store that fails is a
 * warning (the outputs and the summary still say what the restore did). A backup pruned while the restore ran gets
 * no record at all: a velero-restore.json naming a backup that is gone is one prune never deletes, and files
 * without it are a folder nobody can attribute.
 */
export async function recordRestore(store: ObjectStore, run: RestoreRun, { phase, startedAt, completedAt, failure, selected }: RestoreStatus): Promise<boolean> {
  const { tally, results } = run;
  const keys = restoreKeys(run.name);
  const written: string[] = [];
  try {
    if (!(await backupStillStored(store, run))) return false;
    for (const [key, body] of [
      [keys.logs, gzipText(run.log.text())],
      [keys.results, gzipJson(results.toJSON())],
      [keys.resourceList, gzipJson(tally.resourceListJson())]
    ] as const) {
      await store.put(key, body);
      written.push(key);
    }
    const restore = restoreObject(run.name, run.uid, run.backupName, run.settings, {
      phase,
      started: startedAt,
      completed: completedAt,
      // A run that stopped early must not look finished: its total is what it set out to restore.
      total: failure !== undefined && selected !== undefined ? Math.max(selected, tally.restored + tally.counts.failed) : tally.restored + tally.counts.failed,
      restored: tally.restored,
      errors: results.errorTotal,
      warnings: results.warningTotal,
      failureReason: failure
    });
    // Checked again just before the record that names it: a prune may have started meanwhile.
    if (!(await backupStillStored(store, run))) {
      await store.deleteMany(written);
      return false;
    }
    await store.put(keys.metadata, `${JSON.stringify(restore, null, 2)}\n`, { contentType: 'application/json' });
    return true;
  } catch (err) {
    run.warn(`The record of restore ${run.name} could not be stored in ${store.url} (${errorMessage(err)}); the restore itself is done, and this run's output is its only report${written.length ? ` (${written.length} of its files were stored under ${keys.folder}, without velero-restore.json)` : ''}`);
    return false;
  }
}

async function backupStillStored(store: ObjectStore, run: RestoreRun): Promise<boolean> {
  if ((await store.head(backupKeys(run.backupName).metadata)) !== undefined) return true;
  run.warn(`Backup ${run.backupName} is no longer in ${store.url} (pruned while this restore ran?): restore ${run.name} is not recorded there, so no record points at a backup that is gone`);
  return false;
}
