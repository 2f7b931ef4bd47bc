import { restoreKeys } from '../../storage/layout.js';
import type { ObjectStore } from '../../storage/object-store.js';
import { gzipJson, gzipText } from '../../util/gzip.js';
import { restoreObject, type RestorePhase } from '../restore-object.js';
import type { RestoreRun } from '../restore-run.js';

export interface RestoreStatus {
  phase: RestorePhase;
  startedAt: Date;
  completedAt: Date;
}

/**
 * Stores the restore's files where Velero keeps them. The Restore object goes last: it is what marks the name
 * taken, so a restore whose other files failed to store can be named again.
 */
export async function recordRestore(store: ObjectStore, run: RestoreRun, { phase, startedAt, completedAt }: RestoreStatus): Promise<void> {
  const { tally, results } = run;
  const keys = restoreKeys(run.name);
  await store.put(keys.logs, gzipText(run.log.text()));
  await store.put(keys.results, gzipJson(results.toJSON()));
  await store.put(keys.resourceList, gzipJson(tally.resourceListJson()));
  const restore = restoreObject(run.name, run.backupName, run.settings, {
    phase,
    started: startedAt,
    completed: completedAt,
    total: tally.restored + tally.counts.failed,
    restored: tally.restored,
    errors: results.errorTotal,
    warnings: results.warningTotal
  });
  await store.put(keys.metadata, `${JSON.stringify(restore, null, 2)}\n`, { contentType: 'application/json' });
}
