import { errorMessage, NotFoundError } from '../util/errors.js';
import { BACKUPS_FOLDER, backupKeys, nameOfFolder } from '../storage/layout.js';
import { readText, type ObjectStore } from '../storage/object-store.js';
import type { KubeObject } from '../model/kube-object.js';

/** A backup folder as the bucket holds it: complete (a readable Backup), unfinished (none), or corrupt. */
export type StoredBackup =
  | { name: string; state: 'complete'; backup: KubeObject }
  | { name: string; state: 'unfinished' }
  | { name: string; state: 'corrupt'; problem: string };

/** Every backup folder under the location, read one at a time (a bucket may hold thousands). */
export async function* listStoredBackups(store: ObjectStore): AsyncIterable<StoredBackup> {
  for await (const folder of store.listFolders(BACKUPS_FOLDER)) {
    yield await readStoredBackup(store, nameOfFolder(folder, BACKUPS_FOLDER));
  }
}

export async function readStoredBackup(store: ObjectStore, name: string): Promise<StoredBackup> {
  let text: string;
  try {
    text = await readText(store, backupKeys(name).metadata);
  } catch (err) {
    if (err instanceof NotFoundError) return { name, state: 'unfinished' };
    throw err;
  }
  try {
    const backup = JSON.parse(text) as KubeObject;
    if (backup?.kind !== 'Backup' || typeof backup.metadata !== 'object') return { name, state: 'corrupt', problem: 'velero-backup.json does not hold a Backup object' };
    return { name, state: 'complete', backup };
  } catch (err) {
    return { name, state: 'corrupt', problem: `velero-backup.json is not valid JSON: ${errorMessage(err)}` };
  }
}


export interface BackupStatusView {
  phase?: string;
  startTimestamp?: string;
  completionTimestamp?: string;
  expiration?: string;
  errors?: number;
  warnings?: number;
  progress?: { totalItems?: number; itemsBackedUp?: number };
}

export function statusOf(backup: KubeObject): BackupStatusView {
  return (backup.status as BackupStatusView | undefined) ?? {};
}
