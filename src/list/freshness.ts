import { formatGoDuration } from '../util/duration.js';

/** A backup folder as `mode: list` and `backup get` show it. */
export interface ListedBackup {
  name: string;
  /** Velero's phase; `Unfinished` (no velero-backup.json) and `Corrupt` (one that cannot be read) for the others. */
  phase: string;
  schedule?: string;
  started?: string;
  completed?: string;
  expires?: string;
  items?: number;
  errors?: number;
  warnings?: number;
  /** Every file of its folder (tarball, logs, volume copies, manifests), as the store counts them. */
  sizeBytes: number;
}

export interface FreshnessPolicy {
  maxAgeMs: number;
  scheduleName?: string;
  now: Date;
}

export interface Freshness {
  /** The newest Completed backup considered (of the schedule, when one is given). */
  newest?: ListedBackup;
  ageMs?: number;
  fresh: boolean;
  /** One line saying what was found, for the log, the summary and the failure. */
  message: string;
}

/**
 * The freshness alarm, pure: the newest Completed backup (of `scheduleName`, when given) must have completed within
 * `maxAgeMs` of now. None at all is as stale as can be: a schedule that never ran is the thing to be told about.
 * Its age runs from completion (else start): a backup that took an hour is no older for it.
 */
export function checkFreshness(backups: readonly ListedBackup[], policy: FreshnessPolicy): Freshness {
  const limit = formatGoDuration(policy.maxAgeMs);
  const of = policy.scheduleName ? ` of schedule '${policy.scheduleName}'` : '';
  const newest = newestCompleted(backups, policy.scheduleName);
  if (!newest) return { fresh: false, message: `no Completed backup${of} in the location; max-age is ${limit}` };
  const ageMs = policy.now.getTime() - finishedAt(newest)!;
  const age = formatGoDuration(Math.max(0, ageMs));
  const when = newest.completed ?? newest.started;
  if (ageMs > policy.maxAgeMs) {
    return { newest, ageMs, fresh: false, message: `the newest Completed backup${of}, ${newest.name}, finished ${when}, ${age} ago: older than max-age ${limit}` };
  }
  return { newest, ageMs, fresh: true, message: `the newest Completed backup${of}, ${newest.name}, finished ${when}, ${age} ago (max-age ${limit})` };
}

/** The Completed backup (of the schedule, when given) that finished last; by name when two finished together. */
export function newestCompleted(backups: readonly ListedBackup[], scheduleName?: string): ListedBackup | undefined {
  let newest: ListedBackup | undefined;
  for (const backup of backups) {
    if (backup.phase !== 'Completed' || (scheduleName !== undefined && backup.schedule !== scheduleName)) continue;
    const at = finishedAt(backup);
    if (at === undefined) continue;
    const best = newest && finishedAt(newest)!;
    if (!newest || at > best! || (at === best && backup.name > newest.name)) newest = backup;
  }
  return newest;
}

function finishedAt(backup: ListedBackup): number | undefined {
  for (const value of [backup.completed, backup.started]) {
    const ms = value === undefined ? NaN : Date.parse(value);
    if (!Number.isNaN(ms)) return ms;
  }
  return undefined;
}
