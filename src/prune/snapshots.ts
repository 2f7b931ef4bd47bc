import { gunzipSync } from 'node:zlib';
import type { KubeObject } from '../model/kube-object.js';
import { backupKeys } from '../storage/layout.js';
import type { ObjectStore } from '../storage/object-store.js';
import { errorMessage, NotFoundError } from '../util/errors.js';
import { isJsonObject } from '../util/json.js';
import { LABELS } from '../velero/vocabulary.js';
import { snapshotOwnerElsewhere } from '../persistence/copy-origin.js';
import { csiSnapshotCount } from './candidates.js';

/**
 * A backup's CSI snapshots, as prune finds them: in `backups/<b>/<b>-volumeinfo.json.gz` (Velero's BackupVolumeInfo
 * array), never in the tarball, so deleting them needs no decryption key once tarballs are encrypted. The
 * volumeinfo is read from this location's own folder only: a Backup object in a cluster (a sync'd record) or
 * another location's backup never names a snapshot to this prune.
 */
export interface CsiSnapshotRef {
  /** The driver's id of the snapshot (csiSnapshotInfo.snapshotHandle). */
  handle: string;
  driver: string;
  /** The VolumeSnapshotContent the backup's snapshot was bound to (gone from the cluster after the backup). */
  vscName?: string;
  /** `namespace/claim` it was taken of, when volumeinfo says. */
  claim?: string;
}

export interface SnapshotInventory {
  /** CSI snapshots to delete before any file of the backup. */
  csi: CsiSnapshotRef[];
  /** Set when the backup holds snapshots this tool cannot delete: it is kept, and why. */
  blocked?: string;
  /** Entries that name a CSI snapshot prune cannot act on (no handle or no driver): said, not blocking. */
  warnings: string[];
  /** Set for a copy (see persistence/copy-origin.ts): the location its snapshots belong to; prune deletes its files only. */
  snapshotsOwnedBy?: string;
}

/** What a volumeinfo file may decompress to: it is whatever the bucket holds. */
const MAX_VOLUME_INFO_BYTES = 64 * 1024 * 1024;

/**
 * The snapshots one volumeinfo array names (pure). `CSISnapshot` entries without data movement are CSI snapshots
 * this tool deletes (by handle and driver, as Velero's deletion does); `NativeSnapshot` entries (Velero's volume
 * snapshotter plugins) and data-mover uploads (`snapshotDataMoved`, kept in Velero's repository) cannot be deleted
 * here, so they block; file-system copies and skipped volumes are not snapshots. `null` is Velero's empty list.
 */
export function inventoryOf(entries: unknown, backupName: string): SnapshotInventory | { problem: string } {
  if (entries === null) return { csi: [], warnings: [] };
  if (!Array.isArray(entries)) return { problem: 'volumeinfo is not a JSON array' };
  const csi = new Map<string, CsiSnapshotRef>();
  const warnings: string[] = [];
  let native = 0;
  let moved = 0;
  for (const entry of entries) {
    if (!isJsonObject(entry)) return { problem: 'volumeinfo holds an entry that is not an object' };
    const where = typeof entry.pvcName === 'string' && typeof entry.pvcNamespace === 'string' ? `${entry.pvcNamespace}/${entry.pvcName}` : undefined;
    if (entry.backupMethod === 'NativeSnapshot') {
      native++;
      continue;
    }
    if (entry.backupMethod !== 'CSISnapshot') continue;
    if (entry.snapshotDataMoved === true) {
      moved++;
      continue;
    }
    const info = isJsonObject(entry.csiSnapshotInfo) ? entry.csiSnapshotInfo : {};
    const handle = typeof info.snapshotHandle === 'string' && info.snapshotHandle !== 'unknown' ? info.snapshotHandle : '';
    const driver = typeof info.driver === 'string' ? info.driver : '';
    if (!handle || !driver) {
      warnings.push(`Backup ${backupName}: volumeinfo names a CSI snapshot${where ? ` of ${where}` : ''} without ${handle ? 'a driver' : 'a snapshot handle'}; there is nothing to delete it by`);
      continue;
    }
    const ref: CsiSnapshotRef = { handle, driver };
    if (typeof info.vscName === 'string' && info.vscName !== 'unknown') ref.vscName = info.vscName;
    if (where) ref.claim = where;
    csi.set(`${driver}\u0000${handle}`, ref);
  }
  const inventory: SnapshotInventory = { csi: [...csi.values()], warnings };
  const blocked = [
    native ? `${native} native volume snapshots (Velero's volume snapshotter plugins)` : '',
    moved ? `${moved} data-mover uploads (in Velero's repository)` : ''
  ].filter(Boolean);
  if (blocked.length) inventory.blocked = `${blocked.join(' and ')} this tool cannot delete; delete the backup with Velero`;
  return inventory;
}

/**
 * A doomed backup folder's snapshots: its volumeinfo when it has one. Without one (an older backup, Velero's before
 * 1.13) it is what today's record says: CSI snapshots the record counts cannot be found, so the backup is kept as
 * before. `backup` is the folder's velero-backup.json (absent for an unfinished folder). A snapshot belongs to the
 * location whose backup took it: a backup whose record names another location (`velero.io/storage-location`) keeps
 * its snapshots, and so is kept. A copy's snapshots are the source location's: none is named, and its files go. A volumeinfo that cannot be read fails the backup's deletion (it may name
 * snapshots), unless the record says the backup took none.
 */
export async function readSnapshotInventory(store: ObjectStore, name: string, backup: KubeObject | undefined, locationName: string): Promise<SnapshotInventory> {
  // A copy names the source's snapshots in its volumeinfo: they are not this location's to delete, copy or not complete.
  const owner = await snapshotOwnerElsewhere(store, name, backup);
  if (owner !== undefined) return { csi: [], warnings: [], snapshotsOwnedBy: owner };
  const key = backupKeys(name).volumeInfo;
  const recordedCsi = backup ? csiSnapshotCount((backup.status ?? {}) as Parameters<typeof csiSnapshotCount>[0]) : 0;
  let entries: unknown;
  try {
    entries = await readGzJson(store, key);
  } catch (err) {
    if (err instanceof NotFoundError) {
      if (recordedCsi > 0) return { csi: [], warnings: [], blocked: `${recordedCsi} CSI snapshots its record counts, and no ${name}-volumeinfo.json.gz to find them by (an older backup); delete the backup with Velero` };
      return { csi: [], warnings: [] };
    }
    if (backup && recordedCsi === 0) return { csi: [], warnings: [`Backup ${name}: ${key} cannot be read (${errorMessage(err)}); its record says it took no CSI snapshots`] };
    throw new Error(`cannot read ${key}, which names its snapshots: ${errorMessage(err)}`);
  }
  const inventory = inventoryOf(entries, name);
  if ('problem' in inventory) {
    if (backup && recordedCsi === 0) return { csi: [], warnings: [`Backup ${name}: ${key}: ${inventory.problem}; its record says it took no CSI snapshots`] };
    throw new Error(`${key}: ${inventory.problem}`);
  }
  const recordedLocation = backup?.metadata.labels?.[LABELS.storageLocation];
  if (inventory.csi.length && !inventory.blocked && recordedLocation !== undefined && recordedLocation !== locationName) {
    inventory.blocked =
      `its ${inventory.csi.length} CSI snapshots were taken for location '${recordedLocation}' (${LABELS.storageLocation}), not '${locationName}': ` +
      `only that location's prune deletes them (location-name: ${recordedLocation})`;
  }
  return inventory;
}

async function readGzJson(store: ObjectStore, key: string): Promise<unknown> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of await store.get(key)) {
    size += (chunk as Buffer).length;
    if (size > MAX_VOLUME_INFO_BYTES) throw new Error(`larger than ${MAX_VOLUME_INFO_BYTES} bytes`);
    chunks.push(chunk as Buffer);
  }
  const text = gunzipSync(Buffer.concat(chunks), { maxOutputLength: MAX_VOLUME_INFO_BYTES }).toString('utf8');
  return JSON.parse(text) as unknown;
}
