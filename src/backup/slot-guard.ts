import { readStoredBackup } from '../persistence/stored-backups.js';
import { backupKeys } from '../storage/layout.js';
import type { ObjectStore } from '../storage/object-store.js';
import { InputError } from '../util/errors.js';
import { judgeExistingBackup } from './twin-run.js';
import type { KubeObject } from '../model/kube-object.js';

/**
 * Whether the backup `name` may be written. Undefined: the name is free. The existing Backup: a twin run of the
 * same cron slot on the same cluster already made it, so this run has nothing to do. Throws an InputError when the
 * name is taken otherwise: by an unscheduled backup, or by another cluster's backup of the same slot.
 */
export async function existingTwinBackup(store: ObjectStore, name: string, slot: Date | undefined, clusterUid: string | undefined): Promise<KubeObject | undefined> {
  if (!(await store.head(backupKeys(name).metadata))) return undefined;
  if (!slot) throw new InputError('backup-name', `a backup named '${name}' already exists in ${store.url}`, 'Choose another backup-name, or delete the old backup first');
  const stored = await readStoredBackup(store, name);
  const verdict = judgeExistingBackup(stored.state === 'complete' ? stored.backup : undefined, clusterUid);
  if (verdict.duplicate && stored.state === 'complete') return stored.backup;
  const problem = verdict.duplicate ? 'it cannot be read' : verdict.problem;
  const fix = verdict.duplicate ? 'Inspect or delete that backup' : verdict.fix;
  throw new InputError('schedule-name', `the backup '${name}' of cron slot ${slot.toISOString()} already exists in ${store.url}, but ${problem}`, fix);
}
