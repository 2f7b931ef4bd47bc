import type { PruneCandidate } from './plan.js';
import type { KubeObject } from '../model/kube-object.js';
import { LABELS } from '../velero/vocabulary.js';

interface SnapshotCounts {
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
    snapshots: snapshotCount(status)
  };
}

/** Snapshots a backup may have left in the cloud: an attempted one may exist even if it never completed. */
export function snapshotCount(status: SnapshotCounts): number {
  const n = (v: unknown) => (typeof v === 'number' && Number.isFinite(v) ? v : 0);
  return Math.max(n(status.volumeSnapshotsAttempted), n(status.volumeSnapshotsCompleted)) + Math.max(n(status.csiVolumeSnapshotsAttempted), n(status.csiVolumeSnapshotsCompleted));
}

function date(value: string | undefined): Date | undefined {
  if (typeof value !== 'string') return undefined;
  const ms = Date.parse(value);
  return Number.isNaN(ms) ? undefined : new Date(ms);
}
