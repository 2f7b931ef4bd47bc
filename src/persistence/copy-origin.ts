import type { KubeObject } from '../model/kube-object.js';
import { backupKeys } from '../storage/layout.js';
import type { ObjectStore } from '../storage/object-store.js';
import { ANNOTATIONS } from '../velero/vocabulary.js';

/**
 * Whose CSI snapshots a copied backup names. A copy (`mode: copy`) takes files, never snapshots: those stay owned by
 * the location the backup was taken for, and only that location's prune may delete them. Copy records the owner
 * twice: in the copied velero-backup.json (annotation kube-backup.io/snapshots-owned-by), and in a marker it writes
 * into the destination folder before any other file, so that an interrupted copy (an unfinished folder, whose
 * volumeinfo names the source's snapshots) is just as safe from a prune.
 */
export function copyMarkerKey(name: string): string {
  return `${backupKeys(name).folder}kube-backup-copy.json`;
}

/** The location a backup's record says owns its snapshots, or undefined when that is wherever it is stored. Pure. */
export function snapshotsOwnedBy(backup: KubeObject | undefined): string | undefined {
  const owner = backup?.metadata.annotations?.[ANNOTATIONS.snapshotsOwnedBy];
  return typeof owner === 'string' && owner !== '' ? owner : undefined;
}

/**
 * The location owning the CSI snapshots a backup folder of `store` names, when that is another location: from its
 * record, or, for an unfinished folder (no record), from the copy marker. Undefined: they are this location's.
 */
export async function snapshotOwnerElsewhere(store: ObjectStore, name: string, backup: KubeObject | undefined): Promise<string | undefined> {
  if (backup !== undefined) {
    const owner = snapshotsOwnedBy(backup);
    return owner === store.url ? undefined : owner;
  }
  return (await store.head(copyMarkerKey(name))) ? 'the location it was being copied from (an unfinished copy)' : undefined;
}

/** The copy marker's content, for whoever looks into the bucket. */
export function copyMarkerBody(owner: string): string {
  return `${JSON.stringify({ snapshotsOwnedBy: owner, note: 'a copy of a backup: its CSI snapshots belong to that location, not this one' }, null, 2)}\n`;
}
