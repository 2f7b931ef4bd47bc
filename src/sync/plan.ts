import { leftAloneReason, recordOwner, type StoredBackup } from '../persistence/stored-backups.js';
import type { KubeObject } from '../model/kube-object.js';
import { ANNOTATIONS, LABELS } from '../velero/vocabulary.js';

/**
 * Which Backup objects sync creates and deletes: the pure decision. Object storage is the truth (Velero's backup
 * sync controller): a backup folder with a valid velero-backup.json and no Backup object of that name gets one,
 * marked with this location's URL; a Completed or PartiallyFailed Backup object of this location whose folder is
 * gone is deleted. "Of this location" means its name and its URL (annotation kube-backup.io/location): two prefixes
 * of a bucket usually share the name `default`, and a sync of one must not delete the other's records. A record of
 * this name without the annotation (Velero's, an older version's) may be either's, so it is only reported.
 */
export interface SyncInput {
  /** Every folder under backups/, read. */
  stored: readonly StoredBackup[];
  /** The Backup objects in the namespace. */
  records: readonly KubeObject[];
  locationName: string;
  /** The store's URL, recorded in each created record and compared with the records' own. */
  locationUrl: string;
  namespace: string;
}

export interface SyncPlan {
  /** Backup objects to create, ready to send. */
  create: KubeObject[];
  /** Names of Backup objects to delete. */
  delete: string[];
  /** Backups already recorded. */
  present: string[];
  /** Folders that cannot be synced, and why (corrupt velero-backup.json, a record of that name of another location). */
  skipped: { name: string; problem: string }[];
  /** Finished records of this location name whose folder is gone, not deleted: they may not be this location's. */
  leftAlone: { name: string; reason: string }[];
}

/** Phases of a Backup object that only a finished backup has; others may belong to a backup still being written. */
export const SYNCED_PHASES: ReadonlySet<string> = new Set(['Completed', 'PartiallyFailed']);

export function planSync(input: SyncInput): SyncPlan {
  const plan: SyncPlan = { create: [], delete: [], present: [], skipped: [], leftAlone: [] };
  const location = { name: input.locationName, url: input.locationUrl };
  const recorded = new Map(input.records.map((r) => [r.metadata.name, r]));
  const folders = new Set(input.stored.map((s) => s.name));
  for (const stored of input.stored) {
    if (stored.state === 'unfinished') continue;
    if (stored.state === 'corrupt') {
      plan.skipped.push({ name: stored.name, problem: stored.problem });
      continue;
    }
    const problem = backupProblem(stored.name, stored.backup);
    if (problem) {
      plan.skipped.push({ name: stored.name, problem });
      continue;
    }
    const existing = recorded.get(stored.name);
    if (!existing) {
      plan.create.push(recordFor(stored.backup, input.locationName, input.namespace, input.locationUrl));
      continue;
    }
    const owner = recordOwner(existing, location);
    // The same name recorded from another location of this name: a different backup, which keeps its record.
    if (owner.owner === 'other-location') plan.skipped.push({ name: stored.name, problem: `a Backup object of this name records another location (${owner.url}); it is left as it is` });
    else plan.present.push(stored.name);
  }
  for (const record of input.records) {
    const name = record.metadata.name;
    if (!name || folders.has(name)) continue;
    const phase = (record.status as { phase?: string } | undefined)?.phase;
    if (!phase || !SYNCED_PHASES.has(phase)) continue;
    const owner = recordOwner(record, location);
    if (owner.owner === 'this-location') plan.delete.push(name);
    else if (owner.owner === 'unmarked') plan.leftAlone.push({ name, reason: leftAloneReason(owner, location) });
  }
  return plan;
}

/** Why a velero-backup.json that parsed cannot be synced, if it cannot. */
export function backupProblem(folderName: string, backup: KubeObject): string | undefined {
  if (backup.apiVersion !== 'velero.io/v1') return `velero-backup.json holds apiVersion '${String(backup.apiVersion)}', not velero.io/v1`;
  if (backup.metadata.name !== folderName) return `velero-backup.json names the backup '${String(backup.metadata.name)}', not '${folderName}' as its folder does`;
  if (backup.spec !== undefined && (typeof backup.spec !== 'object' || backup.spec === null || Array.isArray(backup.spec))) return 'velero-backup.json has a spec that is not an object';
  // A Backup without a phase (or New) is a request: a Velero in the cluster would run it as a new backup.
  const phase = (backup.status as { phase?: unknown } | undefined)?.phase;
  if (phase === undefined || phase === '' || phase === 'New') return `velero-backup.json has no finished phase (${phase === undefined || phase === '' ? 'none' : String(phase)}); Velero would start it as a new backup`;
  return undefined;
}

// Set by the API server of the cluster that held the object; meaningless (or refused) in another.
const SERVER_FIELDS = ['uid', 'resourceVersion', 'generation', 'selfLink', 'creationTimestamp', 'managedFields', 'deletionTimestamp', 'deletionGracePeriodSeconds'];

/**
 * The Backup object to create for a stored backup: in `namespace`, with spec.storageLocation and the
 * storage-location label naming this location (the location may have another name in this cluster than in the one
 * that wrote it, as Velero's sync does), and the annotation kube-backup.io/location holding its URL. Owner
 * references are dropped: they point at objects (a Schedule) of the cluster that wrote the backup, and the garbage
 * collector would delete the record at once.
 */
export function recordFor(backup: KubeObject, locationName: string, namespace: string, locationUrl: string): KubeObject {
  const copy = structuredClone(backup);
  const metadata = copy.metadata;
  for (const field of SERVER_FIELDS) delete metadata[field];
  delete metadata.ownerReferences;
  delete metadata.generateName;
  metadata.namespace = namespace;
  metadata.labels = { ...(metadata.labels ?? {}), [LABELS.storageLocation]: locationName };
  metadata.annotations = { ...(metadata.annotations ?? {}), [ANNOTATIONS.location]: locationUrl };
  copy.spec = { ...((copy.spec as Record<string, unknown> | undefined) ?? {}), storageLocation: locationName };
  return copy;
}
