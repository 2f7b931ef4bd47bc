import type { KubeObject } from '../model/kube-object.js';

/** Where an object is in the compared cluster: its namespace (after namespace mapping) and name. */
export interface ObjectIdentity {
  namespace?: string;
  name: string;
}

/** What a restore would write for one backed-up item, or why it would write nothing. */
export type ExpectedObject =
  | { ok: true; desired: KubeObject; version: string }
  | { ok: false; action: 'skipped' | 'failed'; reason: string };

/** One backed-up item in scope: its identity is all that is held; the object is read when it is compared. */
export interface ExpectedItem {
  identity: ObjectIdentity;
  read(): Promise<ExpectedObject>;
}

/**
 * The backup side of a drift report: a backup seen as a restore into the compared cluster would see it (the same
 * filters, namespace mapping, transforms), one resource type at a time.
 */
export interface ExpectedSide {
  readonly backupName: string;
  /** The backup's resource types in scope, in restore order. */
  resourceTypes(): string[];
  items(groupResource: string): Iterable<ExpectedItem>;
  /** Warnings of opening and selecting (discovery failures, unusable items the filters leave out). */
  warnings(): string[];
}

export interface ActualObject {
  object: KubeObject;
  /** The version it was read at: compared with the backup's only at the version restore would write. */
  version: string;
}

/** What the backup is compared with: the live cluster, or a second backup seen the same way. */
export interface ActualSide {
  /** `cluster https://…` or `backup nightly-20250101000000`, for the report. */
  readonly description: string;
  /**
   * Every object of the type that is in scope (the same filters, objects a restore would skip left out), plus any
   * `isExpected` names, streamed: memory holds one page, not the type.
   */
  objects(groupResource: string, isExpected: (identity: ObjectIdentity) => boolean): AsyncIterable<ActualObject>;
  /** The object at another version, when the backup's item can only be written at that one. */
  readAt(groupResource: string, identity: ObjectIdentity, version: string): Promise<KubeObject | undefined>;
}
