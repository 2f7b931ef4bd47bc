import type { LeaseRecord } from '../coordination/lease.js';
import type { KubeObject } from '../model/kube-object.js';
import { ANNOTATIONS } from '../velero/vocabulary.js';

/**
 * What a scheduled run does when the backup of its cron slot already exists. GitHub sometimes starts a scheduled
 * run twice: the second finds the slot's name taken and, when the backup came from the same cluster, has nothing
 * to do. A backup of another cluster under the same name means two clusters share a location prefix and schedule
 * name, which is a configuration error, never a reason to skip silently.
 */
export type ExistingVerdict = { duplicate: true } | { duplicate: false; problem: string; fix: string };

export function judgeExistingBackup(existing: KubeObject | undefined, clusterUid: string | undefined): ExistingVerdict {
  const fix = "Give each cluster its own location prefix (or schedule-name), as Velero users do";
  if (!existing) return { duplicate: false, problem: 'its velero-backup.json cannot be read, so whether it came from this cluster is unknown', fix: 'Inspect or delete that backup' };
  const theirs = existing.metadata.annotations?.[ANNOTATIONS.sourceCluster];
  if (!clusterUid) {
    return {
      duplicate: false,
      problem: 'the identity of this cluster (the uid of namespace kube-system) cannot be read, so whether the backup came from it is unknown',
      fix: "Allow the credentials to get namespace 'kube-system'"
    };
  }
  if (!theirs) return { duplicate: false, problem: 'it does not record its source cluster (it was not written by a scheduled run of this action on this cluster)', fix };
  if (theirs !== clusterUid) return { duplicate: false, problem: `it came from another cluster (kube-system uid ${theirs}; this cluster's is ${clusterUid})`, fix };
  return { duplicate: true };
}

/** Whether a lease is held by a backup run writing this very backup, from this very cluster: a twin scheduled run. */
export function isTwinRun(lease: LeaseRecord, backupName: string, clusterUid: string | undefined): boolean {
  return lease.operation === 'backup' && lease.target === backupName && clusterUid !== undefined && lease.clusterUid === clusterUid;
}
