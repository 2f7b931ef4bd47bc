/**
 * Which backup folders a prune deletes: the pure decision, apart from any I/O. Velero's GC deletes a backup once
 * `status.expiration` has passed; on top of that, `keep-last` protects the newest Completed backups of each
 * schedule, and unfinished folders (a crashed backup, an interrupted prune) go after a grace period.
 */

/** A backup folder as prune sees it. */
export type PruneCandidate =
  | {
      name: string;
      state: 'complete';
      phase?: string;
      expiration?: Date;
      /** status.startTimestamp, else metadata.creationTimestamp: orders a schedule's backups for keep-last. */
      startedAt?: Date;
      /** Label velero.io/schedule-name. */
      scheduleName?: string;
      /** Native volume snapshots the backup recorded (Velero's volume snapshotter plugins): none can be deleted here. */
      snapshots: number;
      /** CSI snapshots the backup recorded: deleted with it, found through its volumeinfo (snapshots.ts). */
      csiSnapshots?: number;
    }
  | {
      name: string;
      state: 'unfinished';
      /** The newest object in the folder. */
      lastModified: Date;
      /** A prune marked it before it started deleting it, and was interrupted: finish at once, whatever its age. */
      pruning?: boolean;
    }
  | { name: string; state: 'corrupt'; problem: string };

export interface PrunePolicy {
  now: Date;
  /** Never delete the N newest Completed backups of a schedule; 0 protects none. */
  keepLast: number;
  unfinishedGraceMs: number;
  /**
   * Whether native volume snapshots can be deleted; when not, a backup with some is kept rather than orphaning them.
   * CSI snapshots are not decided here: prune reads each doomed backup's volumeinfo, and keeps the backup when it
   * cannot find or delete them (run-prune.ts).
   */
  canDeleteSnapshots: boolean;
}

export type DeleteReason = 'expired' | 'unfinished';
/** `retention`: prune tried, and the store refused to delete one of its objects (Object Lock, a legal hold). */
export type KeepReason = 'not-expired' | 'no-expiration' | 'keep-last' | 'in-progress' | 'snapshots' | 'unfinished-recent' | 'corrupt' | 'retention';

export type PruneDecision = { name: string; action: 'delete'; reason: DeleteReason } | { name: string; action: 'keep'; reason: KeepReason; detail?: string };

/** Phases after which a backup is done; Velero refuses to delete one still in progress. */
export const FINISHED_PHASES: ReadonlySet<string> = new Set(['Completed', 'PartiallyFailed', 'Failed', 'FailedValidation']);

/** One decision per candidate, in the candidates' order. */
export function planPrune(candidates: readonly PruneCandidate[], policy: PrunePolicy): PruneDecision[] {
  const protectedNames = keepLastProtected(candidates, policy.keepLast);
  const now = policy.now.getTime();
  return candidates.map((c): PruneDecision => {
    switch (c.state) {
      case 'corrupt':
        return { name: c.name, action: 'keep', reason: 'corrupt', detail: c.problem };
      case 'unfinished':
        return c.pruning || c.lastModified.getTime() + policy.unfinishedGraceMs <= now
          ? { name: c.name, action: 'delete', reason: 'unfinished' }
          : { name: c.name, action: 'keep', reason: 'unfinished-recent', detail: `unfinished, last written ${c.lastModified.toISOString()}` };
      case 'complete':
        if (!c.expiration) return { name: c.name, action: 'keep', reason: 'no-expiration' };
        if (c.expiration.getTime() > now) return { name: c.name, action: 'keep', reason: 'not-expired', detail: `expires ${c.expiration.toISOString()}` };
        if (!FINISHED_PHASES.has(c.phase ?? '')) return { name: c.name, action: 'keep', reason: 'in-progress', detail: `phase ${c.phase ?? '(none)'}` };
        if (protectedNames.has(c.name)) return { name: c.name, action: 'keep', reason: 'keep-last', detail: `one of the ${policy.keepLast} newest Completed backups of schedule ${c.scheduleName}` };
        if (c.snapshots > 0 && !policy.canDeleteSnapshots) {
          return { name: c.name, action: 'keep', reason: 'snapshots', detail: `${c.snapshots} native volume snapshots (Velero's volume snapshotter plugins) this tool cannot delete; delete the backup with Velero` };
        }
        return { name: c.name, action: 'delete', reason: 'expired' };
    }
  });
}

/** The names keep-last protects: per schedule, the N newest Completed backups (by start time, then name). */
export function keepLastProtected(candidates: readonly PruneCandidate[], keepLast: number): Set<string> {
  const kept = new Set<string>();
  if (keepLast <= 0) return kept;
  const bySchedule = new Map<string, { name: string; at: number }[]>();
  for (const c of candidates) {
    if (c.state !== 'complete' || c.phase !== 'Completed' || !c.scheduleName) continue;
    const list = bySchedule.get(c.scheduleName) ?? [];
    list.push({ name: c.name, at: c.startedAt?.getTime() ?? 0 });
    bySchedule.set(c.scheduleName, list);
  }
  for (const list of bySchedule.values()) {
    list.sort((a, b) => b.at - a.at || (a.name < b.name ? 1 : a.name > b.name ? -1 : 0));
    for (const { name } of list.slice(0, keepLast)) kept.add(name);
  }
  return kept;
}
