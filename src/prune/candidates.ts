import type { PruneCandidate } from './plan.js';
import type { KubeObject } from '../model/kube-object.js';
import { LABELS } from '../velero/vocabulary.js';

export interface SnapshotCounts {
  volumeSnapshotsAttempted?: number;
  volumeSnapshotsCompleted?: number;
  csiVolumeSnapshotsAttempted?: number;
  csiVolumeSnapshotsCompleted?: number;
}

/** A complete backup (a readable velero-backup.json) as a prune candidate. */
export function completeCandidate(name: string, backup: KubeObject): PruneCandidate {
  const status = (backup.status ?? {}) as { phase?: string; expiration?: string; startTimestamp?: string } & SnapshotCounts;
  const started = date(status.startTimestamp) ?? date(backup.metadata.creationTimestamp as string | undefined);
  return {
    name,
    state: 'complete',
    phase: status.phase,
    expiration: date(status.expiration),
    startedAt: started,
    scheduleName: backup.metadata.labels?.[LABELS.scheduleName],
    snapshots: nativeSnapshotCount(status),
    csiSnapshots: csiSnapshotCount(status)
  };
}

const count = (v: unknown) => (typeof v === 'number' && Number.isFinite(v) ? v : 0);

/** Snapshots a backup may have left in the cloud: an attempted one may exist even if it never completed. */
export function snapshotCount(status: SnapshotCounts): number {
  return nativeSnapshotCount(status) + csiSnapshotCount(status);
}

/** Velero's native (volume snapshotter plugin) snapshots: this tool cannot delete them. */
export function nativeSnapshotCount(status: SnapshotCounts): number {
  return Math.max(count(status.volumeSnapshotsAttempted), count(status.volumeSnapshotsCompleted));
}

/** CSI snapshots: deleted by prune through the backup's volumeinfo (snapshots.ts). */
export function csiSnapshotCount(status: SnapshotCounts): number {
  return Math.max(count(status.csiVolumeSnapshotsAttempted), count(status.csiVolumeSnapshotsCompleted));
}

function date(value: string | undefined): Date | undefined {
  if (typeof value !== 'string') return undefined;
  const ms = Date.parse(value);
  return Number.isNaN(ms) ? undefined : new Date(ms);
}
