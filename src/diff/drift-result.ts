import type { FieldChange } from '../compare/diff.js';

/** An object on one side only, or changed. */
export interface DriftedObject {
  groupResource: string;
  kind?: string;
  namespace?: string;
  name: string;
}

/** A live object the backup lacks, with the topmost other added object it came with (a Pod → its Deployment). */
export interface AddedObject extends DriftedObject {
  uid?: string;
  /** Its controller (ownerReferences), whether added too or not: `Deployment web`. */
  owner?: { kind: string; name: string; uid: string };
  /** The added object at the top of its ownerReferences chain, when that is not itself. */
  cameWith?: DriftedObject;
}

export interface ChangedObject extends DriftedObject {
  /** Every changed field path; values only where value-masking.ts allows them. `to` is the backup's, `from` the live one. */
  changes: FieldChange[];
}

export interface DriftCounts {
  added: number;
  removed: number;
  changed: number;
  unchanged: number;
  /** Backed-up items a restore would skip (finished pods, token secrets…): never drift. */
  skipped: number;
  /** Backed-up items that cannot be compared (unreadable, not servable): listed in `problems`. */
  failed: number;
}

export interface DriftRow {
  key: string;
  added: number;
  removed: number;
  changed: number;
}

export interface DriftResult {
  backupName: string;
  /** What it was compared with: `cluster …` or `backup …`. */
  comparedWith: string;
  startedAt: Date;
  completedAt: Date;
  drifted: boolean;
  counts: DriftCounts;
  /** Per resource type and per namespace (cluster-scoped: ''), only rows with drift. */
  byResource: DriftRow[];
  byNamespace: DriftRow[];
  added: AddedObject[];
  removed: DriftedObject[];
  changed: ChangedObject[];
  problems: string[];
  warnings: string[];
}
