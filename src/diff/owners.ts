import type { AddedObject, DriftedObject } from './drift-result.js';

/** An added object as listed, before grouping: its uid and the uids of its owners (ownerReferences). */
export interface ListedAddition extends DriftedObject {
  uid?: string;
  owners: readonly { kind: string; name: string; uid: string; controller?: boolean }[];
}

/**
 * Groups added objects under the added object they came with: a Deployment added live brings a ReplicaSet and
 * Pods, and the reader should see one addition with its followers, not three unrelated ones. Each object names its
 * controller (or first owner) and, when that chain reaches an added object at its top, that object (`cameWith`).
 * Cycles, which a garbage collector would never leave but an archive or a hostile cluster might, stop the walk.
 */
export function groupByOwners(listed: readonly ListedAddition[]): AddedObject[] {
  const byUid = new Map<string, ListedAddition>();
  for (const item of listed) if (item.uid) byUid.set(item.uid, item);
  const ownerOf = (item: ListedAddition) => item.owners.find((o) => o.controller) ?? item.owners[0];
  return listed.map((item) => {
    const { owners: _owners, ...object } = item;
    const added: AddedObject = { ...object };
    const owner = ownerOf(item);
    if (owner) added.owner = { kind: owner.kind, name: owner.name, uid: owner.uid };
    let top: ListedAddition | undefined;
    const seen = new Set<ListedAddition>([item]);
    for (let next = owner && byUid.get(owner.uid); next && !seen.has(next); next = byUid.get(ownerOf(next)?.uid ?? '')) {
      seen.add(next);
      top = next;
    }
    if (top) added.cameWith = { groupResource: top.groupResource, kind: top.kind, namespace: top.namespace, name: top.name };
    return added;
  });
}
