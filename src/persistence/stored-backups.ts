import { errorMessage, NotFoundError } from '../util/errors.js';
import { BACKUPS_FOLDER, backupKeys, nameOfFolder } from '../storage/layout.js';
import { readText, type ObjectStore } from '../storage/object-store.js';
import type { KubeObject } from '../model/kube-object.js';
import { ANNOTATIONS, LABELS } from '../velero/vocabulary.js';

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

/** A location as the Backup objects recording its backups name it: Velero's location name and the location's URL. */
export interface LocationIdentity {
  /** `velero.io/storage-location` and `spec.storageLocation`; not unique (`default` by default). */
  name: string;
  /** The store's URL (`s3://bucket/prefix`, `file:///dir`), in the annotation kube-backup.io/location. */
  url: string;
}

/**
 * Whose a Backup object in a cluster is, for sync and prune, which delete only their own location's:
 * - `this-location`: the name and the location annotation both match;
 * - `unmarked`: the name matches but there is no location annotation (Velero's own sync, an older version of this
 *   tool): which prefix it came from is unknown, so it is never deleted, only reported;
 * - `other-location`: another location of the same name (another prefix of the bucket, another directory);
 * - `other-name`: another location name altogether.
 * Pure.
 */
export type RecordOwner = { owner: 'this-location' } | { owner: 'unmarked' } | { owner: 'other-location'; url: string } | { owner: 'other-name'; name: string | undefined };

export function recordOwner(record: KubeObject, location: LocationIdentity): RecordOwner {
  const name = record.metadata.labels?.[LABELS.storageLocation] ?? (record.spec as { storageLocation?: unknown } | undefined)?.storageLocation;
  if (name !== location.name) return { owner: 'other-name', name: typeof name === 'string' ? name : undefined };
  const url = record.metadata.annotations?.[ANNOTATIONS.location];
  if (url === undefined) return { owner: 'unmarked' };
  return url === location.url ? { owner: 'this-location' } : { owner: 'other-location', url };
}

/** Why a record that is not this location's is left alone, for logs and results. */
export function leftAloneReason(owner: Exclude<RecordOwner, { owner: 'this-location' }>, location: LocationIdentity): string {
  switch (owner.owner) {
    case 'unmarked':
      return `it records no location (no ${ANNOTATIONS.location} annotation: made by Velero or an older kube-backup), so it may not be ${location.url}'s`;
    case 'other-location':
      return `it records another location named '${location.name}': ${owner.url}`;
    case 'other-name':
      return `it records another location name: '${owner.name ?? '(none)'}'`;
  }
}
