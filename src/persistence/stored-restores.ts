import type { KubeObject } from '../model/kube-object.js';
import { nameOfFolder, RESTORES_FOLDER, restoreKeys } from '../storage/layout.js';
import { readText, type ObjectStore } from '../storage/object-store.js';
import { errorMessage, NotFoundError } from '../util/errors.js';

/**
 * A restore folder as the bucket holds it: recorded (our velero-restore.json, a velero.io/v1 Restore), unrecorded
 * (files without it: Velero's own restores, or a run whose record failed), or corrupt.
 */
export type StoredRestore =
  | { name: string; state: 'recorded'; restore: KubeObject }
  | { name: string; state: 'unrecorded' }
  | { name: string; state: 'corrupt'; problem: string };

/** Every restore folder under the location, read one at a time. */
export async function* listStoredRestores(store: ObjectStore): AsyncIterable<StoredRestore> {
  for await (const folder of store.listFolders(RESTORES_FOLDER)) {
    yield await readStoredRestore(store, nameOfFolder(folder, RESTORES_FOLDER));
  }
}

export async function readStoredRestore(store: ObjectStore, name: string): Promise<StoredRestore> {
  let text: string;
  try {
    text = await readText(store, restoreKeys(name).metadata);
  } catch (err) {
    if (err instanceof NotFoundError) return { name, state: 'unrecorded' };
    throw err;
  }
  try {
    const restore = JSON.parse(text) as KubeObject;
    if (restore?.kind !== 'Restore' || typeof restore.metadata !== 'object') return { name, state: 'corrupt', problem: 'velero-restore.json does not hold a Restore object' };
    return { name, state: 'recorded', restore };
  } catch (err) {
    return { name, state: 'corrupt', problem: `velero-restore.json is not valid JSON: ${errorMessage(err)}` };
  }
}

export interface RestoreStatusView {
  phase?: string;
  startTimestamp?: string;
  completionTimestamp?: string;
  errors?: number;
  warnings?: number;
  failureReason?: string;
  progress?: { totalItems?: number; itemsRestored?: number };
}

export function restoreStatusOf(restore: KubeObject): RestoreStatusView {
  return (restore.status as RestoreStatusView | undefined) ?? {};
}
