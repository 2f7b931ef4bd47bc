import type { VolumeCopyRecord } from '../volumes/volume-copy-record.js';
import type { TakenSnapshot } from './csi-snapshots.js';
import type { VolumeInScope } from './volume-inventory.js';

/** One entry of Velero's `<backup>-volumeinfo.json.gz` (internal/volume/volumes_information.go, BackupVolumeInfo). */
export interface BackupVolumeInfo {
  pvcName?: string;
  pvcNamespace?: string;
  pvName?: string;
  backupMethod?: 'PodVolumeBackup' | 'CSISnapshot' | 'NativeSnapshot';
  snapshotDataMoved: boolean;
  preserveLocalSnapshot: boolean;
  skipped: boolean;
  skippedReason?: string;
  startTimestamp?: string;
  completionTimestamp?: string;
  result?: 'succeeded' | 'failed';
  csiSnapshotInfo?: { snapshotHandle: string; size: number; driver: string; vscName: string; ReadyToUse: boolean | null };
  pvInfo?: { reclaimPolicy: string; labels: Record<string, string> | null };
}

/**
 * Velero restores a volume by the method volumeinfo names; a file-system copy of ours is no method Velero knows
 * (claiming PodVolumeBackup would make it re-provision the volume empty, or fail to delete the backup), so a copied
 * volume is recorded as skipped, with a reason that names the copy. Velero then treats it as any volume it did not
 * back up; this tool restores its data. Reasons follow Velero's `<approach>: <reason>;` form.
 */
export const COPIED_REASON = 'podvolume: copied as a file-system copy by kube-backup-action, which restores it (Velero cannot);';
export const NOT_BACKED_UP_REASON = 'any: not satisfy the criteria for VolumePolicy or the legacy snapshot way;';
export const POLICY_SKIP_REASON = "any: matched action is 'skip' in chosen resource policies;";

export interface VolumeInfoSources {
  volumes: readonly VolumeInScope[];
  copies: readonly VolumeCopyRecord[];
  snapshots: readonly TakenSnapshot[];
  /** PV name → reason a snapshot was not attempted. */
  snapshotSkips?: ReadonlyMap<string, string>;
  /** PVs a volume policy's `skip` left out. */
  skippedByPolicy?: ReadonlySet<string>;
}

/**
 * Every volume in scope in Velero's shape and order (skipped ones first, then CSI snapshots): a snapshot as
 * Velero's CSI entry (so Velero restores and deletes it), everything else as skipped with the reason that applies.
 */
export function volumeInfoEntries(sources: VolumeInfoSources): BackupVolumeInfo[] {
  const copied = new Set(sources.copies.filter((c) => c.result === 'succeeded' && c.persistentVolume).map((c) => c.persistentVolume!));
  const snapshotted = new Set(sources.snapshots.flatMap((s) => (s.persistentVolume ? [s.persistentVolume] : [])));
  const byName = new Map(sources.volumes.map((v) => [v.name, v]));
  const pvInfo = (volume: VolumeInScope | undefined) => ({ reclaimPolicy: volume?.reclaimPolicy ?? '', labels: volume?.labels ?? null });
  const reason = (name: string): string =>
    copied.has(name) ? COPIED_REASON : sources.skippedByPolicy?.has(name) ? POLICY_SKIP_REASON : (sources.snapshotSkips?.get(name) ?? NOT_BACKED_UP_REASON);
  const skipped: BackupVolumeInfo[] = sources.volumes
    .filter((volume) => !snapshotted.has(volume.name))
    .map((volume) => ({
      ...(volume.claim?.name ? { pvcName: volume.claim.name, pvcNamespace: volume.claim.namespace } : {}),
      pvName: volume.name,
      snapshotDataMoved: false,
      preserveLocalSnapshot: false,
      skipped: true,
      skippedReason: reason(volume.name),
      pvInfo: pvInfo(volume)
    }));
  const csi: BackupVolumeInfo[] = sources.snapshots.map((taken) => ({
    pvcName: taken.claim,
    pvcNamespace: taken.namespace,
    ...(taken.persistentVolume ? { pvName: taken.persistentVolume } : {}),
    backupMethod: 'CSISnapshot',
    snapshotDataMoved: false,
    preserveLocalSnapshot: true,
    skipped: false,
    startTimestamp: taken.startTimestamp,
    completionTimestamp: taken.completionTimestamp,
    result: 'succeeded',
    csiSnapshotInfo: { snapshotHandle: taken.handle, size: taken.restoreSizeBytes, driver: taken.driver, vscName: taken.content.metadata.name!, ReadyToUse: true },
    pvInfo: pvInfo(taken.persistentVolume ? byName.get(taken.persistentVolume) : undefined)
  }));
  return [...skipped, ...csi];
}
