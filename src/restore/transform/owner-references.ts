import { cloneJson } from '../../util/json.js';
import type { KubeObject, ObjectMeta } from '../../model/kube-object.js';

export type OwnerReference = NonNullable<ObjectMeta['ownerReferences']>[number];

/**
 * The new uid of an owner restored in this run, or undefined. `namespace` is the dependent's (target) namespace:
 * owners are in the same namespace, or cluster-scoped (then the lookup should ignore it).
 */
export type OwnerUidLookup = (apiVersion: string, kind: string, namespace: string | undefined, name: string) => string | undefined;

/**
 * For `preserve-owner-references` (Velero always strips them, its issue 4707): each reference whose owner this
 * restore created gets that owner's new uid; the others are dropped and returned, because the target's garbage
 * collector deletes an object whose owner uid does not exist. The input is not changed.
 */
export function rewriteOwnerReferences(object: KubeObject, uidOf: OwnerUidLookup): { object: KubeObject; dropped: OwnerReference[] } {
  const copy = cloneJson(object);
  const refs = copy.metadata.ownerReferences ?? [];
  const kept: OwnerReference[] = [];
  const dropped: OwnerReference[] = [];
  for (const ref of refs) {
    const uid = uidOf(ref.apiVersion, ref.kind, copy.metadata.namespace, ref.name);
    if (uid) kept.push({ ...ref, uid });
    else dropped.push(ref);
  }
  if (kept.length) copy.metadata.ownerReferences = kept;
  else delete copy.metadata.ownerReferences;
  return { object: copy, dropped };
}
