import { nameOfFolder, RESTORES_FOLDER, restoreKeys } from '../storage/layout.js';
import type { ObjectStore } from '../storage/object-store.js';
import { NotFoundError } from '../util/errors.js';
import { readText } from '../storage/object-store.js';

/** The backup a restore record names: `spec.backupName` of the velero.io/v1 Restore in velero-restore.json. */
export function restoreBackupName(text: string): { backupName: string } | { problem: string } {
  let restore: { kind?: unknown; spec?: { backupName?: unknown } };
  try {
    restore = JSON.parse(text) as typeof restore;
  } catch {
    return { problem: 'velero-restore.json is not valid JSON' };
  }
  if (restore?.kind !== 'Restore') return { problem: 'velero-restore.json does not hold a Restore object' };
  const name = restore.spec?.backupName;
  if (typeof name !== 'string' || name === '') return { problem: 'velero-restore.json names no spec.backupName' };
  return { backupName: name };
}

export interface RestoreIndex {
  /** Restore names per backup name. */
  byBackup: Map<string, string[]>;
  /** Restores whose record could not be read; they are left alone. */
  problems: { restore: string; problem: string }[];
  /** Restores without a velero-restore.json (Velero wrote them): which backup they came from is unknown, so they stay. */
  unrecorded: number;
}

/** Reads every restore record under `restores/` once. */
export async function indexRestores(store: ObjectStore): Promise<RestoreIndex> {
  const index: RestoreIndex = { byBackup: new Map(), problems: [], unrecorded: 0 };
  for await (const folder of store.listFolders(RESTORES_FOLDER)) {
    const restore = nameOfFolder(folder, RESTORES_FOLDER);
    let text: string;
    try {
      text = await readText(store, restoreKeys(restore).metadata);
    } catch (err) {
      if (err instanceof NotFoundError) {
        index.unrecorded++;
        continue;
      }
      throw err;
    }
    const parsed = restoreBackupName(text);
    if ('problem' in parsed) {
      index.problems.push({ restore, problem: parsed.problem });
      continue;
    }
    const list = index.byBackup.get(parsed.backupName) ?? [];
    list.push(restore);
    index.byBackup.set(parsed.backupName, list);
  }
  return index;
}
