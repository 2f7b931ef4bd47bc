import { listStoredBackups, readStoredBackup, statusOf } from './stored-backups.js';
import { backupKeys } from '../storage/layout.js';
import type { ObjectStore } from '../storage/object-store.js';
import { InputError } from '../util/errors.js';
import type { KubeObject } from '../model/kube-object.js';
import { LABELS } from '../velero/vocabulary.js';

export type BackupChoice = { kind: 'name'; name: string } | { kind: 'latest' } | { kind: 'schedule'; schedule: string };

export interface ChosenBackup {
  name: string;
  backup: KubeObject;
}

const RESTORABLE = new Set(['Completed', 'PartiallyFailed']);

/**
 * The backup a restore reads: by name (Completed or PartiallyFailed, as Velero allows), or the newest Completed
 * one overall or of a schedule. A miss lists what the location does hold, newest first.
 */
export async function chooseBackup(store: ObjectStore, choice: BackupChoice, input = 'from-backup'): Promise<ChosenBackup> {
  if (choice.kind === 'name') {
    const stored = await readStoredBackup(store, choice.name);
    if (stored.state === 'complete') {
      const phase = statusOf(stored.backup).phase ?? 'unknown';
      if (!RESTORABLE.has(phase)) throw new InputError(input, `backup '${choice.name}' is ${phase}, and only Completed or PartiallyFailed backups can be restored`);
      return { name: choice.name, backup: stored.backup };
    }
    if (stored.state === 'corrupt') throw new InputError(input, `backup '${choice.name}' cannot be read: ${stored.problem}`);
    throw await noSuchBackup(store, choice.name, input);
  }
  const candidates = (await completedBackups(store)).filter((b) => statusOf(b.backup).phase === 'Completed');
  const matching = choice.kind === 'schedule' ? candidates.filter((b) => b.backup.metadata.labels?.[LABELS.scheduleName] === choice.schedule) : candidates;
  const newest = matching[0];
  if (!newest) {
    const what = choice.kind === 'schedule' ? `of schedule '${choice.schedule}'` : '';
    throw new InputError(choice.kind === 'schedule' ? 'from-schedule' : input, `no Completed backup ${what} in ${store.url}`.replace('  ', ' '), candidates.length ? `Completed backups there: ${candidates.slice(0, 15).map((b) => b.name).join(', ')}` : 'Run a backup first');
  }
  return newest;
}

/**
 * The error for a name with no readable velero-backup.json, listing the backups there are. "Unfinished" is said only
 * when the folder really holds files (a crashed or running backup), never of a name that was never used.
 */
export async function noSuchBackup(store: ObjectStore, name: string, input: string): Promise<InputError> {
  const existing = await completedBackups(store);
  const unfinished = await folderHoldsObjects(store, backupKeys(name).folder);
  return new InputError(
    input,
    `no backup named '${name}' in ${store.url}${unfinished ? ' (its folder holds an unfinished backup)' : ''}`,
    existing.length ? `Backups there, newest first: ${existing.slice(0, 15).map((b) => b.name).join(', ')}${existing.length > 15 ? ', …' : ''}` : 'The location holds no complete backup'
  );
}

/** Complete backups, newest first by start time (then name). */
async function completedBackups(store: ObjectStore): Promise<ChosenBackup[]> {
  const found: ChosenBackup[] = [];
  for await (const stored of listStoredBackups(store)) {
    if (stored.state === 'complete') found.push({ name: stored.name, backup: stored.backup });
  }
  const started = (b: ChosenBackup) => Date.parse(statusOf(b.backup).startTimestamp ?? '') || 0;
  return found.sort((a, b) => started(b) - started(a) || b.name.localeCompare(a.name));
}

/** Whether anything at all is stored under `folder`: an unfinished backup, as opposed to no backup of that name. */
export async function folderHoldsObjects(store: ObjectStore, folder: string): Promise<boolean> {
  for await (const _ of store.list(folder)) return true;
  return false;
}
