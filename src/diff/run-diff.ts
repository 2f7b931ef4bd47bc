import { comparisonFor } from '../compare/comparisons.js';
import { liveOnlyFields } from '../compare/diff.js';
import type { KubeObject } from '../model/kube-object.js';
import type { Logger } from '../util/logger.js';
import { groupByOwners, type ListedAddition } from './owners.js';
import type { ChangedObject, DriftCounts, DriftedObject, DriftResult, DriftRow } from './drift-result.js';
import type { ActualSide, ExpectedItem, ExpectedSide, ObjectIdentity } from './sides.js';

export interface DiffContext {
  logger: Logger;
  clock?: () => Date;
  /** Checked between resource types and objects: a cancelled diff stops and reports nothing. */
  signal?: AbortSignal;
}

/**
 * Compares a backup with the live cluster (or a second backup), one resource type at a time: the backup's items
 * of the type are indexed by identity (names only), the other side is streamed past the index, and each object
 * both sides have is compared with restore's own rule (comparisonFor), so whatever a restore would report as
 * differing is "changed" here; so is a label or data key added live since the backup (liveOnlyFields), which a
 * restore leaves alone but a drift gate must see. Memory holds the index of one type, one
 * page of the other side, and what drifted; never a whole type's objects.
 */
export async function runDiff(context: DiffContext, expected: ExpectedSide, actual: ActualSide): Promise<DriftResult> {
  const clock = context.clock ?? (() => new Date());
  const startedAt = clock();
  const tally = new DriftTally();
  const listed: ListedAddition[] = [];
  const problems: string[] = [];
  context.logger.info(`Comparing backup ${expected.backupName} with ${actual.description}`);

  for (const groupResource of expected.resourceTypes()) {
    context.signal?.throwIfAborted();
    const index = new Map<string, ExpectedItem>();
    for (const item of expected.items(groupResource)) index.set(identityKey(item.identity), item);
    const seen = new Set<string>();
    for await (const { object, version } of actual.objects(groupResource, (identity) => index.has(identityKey(identity)))) {
      context.signal?.throwIfAborted();
      const identity = identityOf(object);
      const key = identityKey(identity);
      const item = index.get(key);
      if (!item) {
        listed.push(addition(groupResource, object));
        tally.count('added', groupResource, identity.namespace);
        continue;
      }
      seen.add(key);
      const read = await item.read();
      if (!read.ok) {
        if (read.action === 'failed') problems.push(`${describe({ groupResource, ...identity })}: ${read.reason}`);
        tally.uncompared(read.action);
        continue;
      }
      // Restore reads and writes the object at the version it chose for the item; compared there too.
      const live = read.version === version ? object : await actual.readAt(groupResource, identity, read.version);
      if (!live) {
        tally.count('removed', groupResource, identity.namespace);
        continue;
      }
      const comparison = comparisonFor(groupResource);
      // Restore's rule, plus the keys added live that a restore would leave (labels, ConfigMap and Secret data).
      const addedLive = liveOnlyFields(read.desired, live);
      if (comparison.isUnchanged(read.desired, live) && !addedLive.length) {
        tally.unchanged();
        continue;
      }
      tally.changed.push({ ...drifted(groupResource, read.desired, identity), changes: [...comparison.diff(read.desired, live), ...addedLive] });
      tally.count('changed', groupResource, identity.namespace);
    }
    for (const [key, item] of index) {
      if (seen.has(key)) continue;
      context.signal?.throwIfAborted();
      const read = await item.read();
      if (!read.ok) {
        // What a restore would not write is not missing; what it cannot read is a problem either way.
        if (read.action === 'failed') problems.push(`${describe({ groupResource, ...item.identity })}: ${read.reason}`);
        tally.uncompared(read.action);
        continue;
      }
      tally.removed.push(drifted(groupResource, read.desired, item.identity));
      tally.count('removed', groupResource, item.identity.namespace);
    }
  }

  const completedAt = clock();
  const { counts } = tally;
  context.logger.info(`Drift since ${expected.backupName}: ${counts.added} added, ${counts.removed} removed, ${counts.changed} changed, ${counts.unchanged} unchanged`);
  return {
    backupName: expected.backupName,
    comparedWith: actual.description,
    startedAt,
    completedAt,
    drifted: counts.added + counts.removed + counts.changed > 0,
    counts,
    byResource: tally.rows(tally.byResource),
    byNamespace: tally.rows(tally.byNamespace),
    added: groupByOwners(listed),
    removed: tally.removed,
    changed: tally.changed,
    problems,
    warnings: expected.warnings()
  };
}

type DriftKind = 'added' | 'removed' | 'changed';

/** Counts by kind of drift, per resource type and namespace. */
export class DriftTally {
  readonly counts: DriftCounts = { added: 0, removed: 0, changed: 0, unchanged: 0, skipped: 0, failed: 0 };
  readonly byResource = new Map<string, DriftRow>();
  readonly byNamespace = new Map<string, DriftRow>();
  readonly removed: DriftedObject[] = [];
  readonly changed: ChangedObject[] = [];

  count(kind: DriftKind, groupResource: string, namespace: string | undefined): void {
    this.counts[kind] += 1;
    for (const [rows, key] of [[this.byResource, groupResource], [this.byNamespace, namespace ?? '']] as const) {
      const row = rows.get(key) ?? { key, added: 0, removed: 0, changed: 0 };
      row[kind] += 1;
      rows.set(key, row);
    }
  }

  unchanged(): void {
    this.counts.unchanged += 1;
  }

  uncompared(action: 'skipped' | 'failed'): void {
    this.counts[action] += 1;
  }

  /** Rows by key, so the report reads in the same order every run. */
  rows(rows: Map<string, DriftRow>): DriftRow[] {
    return [...rows.values()].sort((a, b) => a.key.localeCompare(b.key));
  }
}

export function identityKey(identity: ObjectIdentity): string {
  return `${identity.namespace ?? ''}/${identity.name}`;
}

function identityOf(object: KubeObject): ObjectIdentity {
  const namespace = object.metadata.namespace || undefined;
  return namespace ? { namespace, name: object.metadata.name ?? '' } : { name: object.metadata.name ?? '' };
}

function drifted(groupResource: string, object: KubeObject, identity: ObjectIdentity): DriftedObject {
  const result: DriftedObject = { groupResource, name: identity.name };
  if (object.kind) result.kind = object.kind;
  if (identity.namespace) result.namespace = identity.namespace;
  return result;
}

function addition(groupResource: string, object: KubeObject): ListedAddition {
  const owners = (object.metadata.ownerReferences ?? []).flatMap((ref) =>
    typeof ref.kind === 'string' && typeof ref.name === 'string' && typeof ref.uid === 'string' ? [{ kind: ref.kind, name: ref.name, uid: ref.uid, controller: ref.controller === true }] : []
  );
  const listed: ListedAddition = { ...drifted(groupResource, object, identityOf(object)), owners };
  if (object.metadata.uid) listed.uid = object.metadata.uid;
  return listed;
}

/** `deployments.apps shop/web`, `namespaces shop`. */
export function describe(object: DriftedObject): string {
  return `${object.groupResource} ${object.namespace ? `${object.namespace}/` : ''}${object.name}`;
}
