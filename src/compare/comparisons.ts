import { diffForUpdate, isUnchanged, type FieldChange } from './diff.js';
import { mergePatchFor } from './merge-patch.js';
import { mergeServiceAccount } from './service-account.js';
import type { KubeObject } from '../model/kube-object.js';

/**
 * How a backed-up object (after restore's transforms) relates to the live one. One rule per resource type, shared
 * by restore (dry run, existing-resource-policy) and the drift report, so the two never disagree on "unchanged".
 */
export interface Comparison {
  isUnchanged(desired: KubeObject, live: KubeObject): boolean;
  diff(desired: KubeObject, live: KubeObject): FieldChange[];
  mergePatch(desired: KubeObject, live: KubeObject): unknown;
}

const COMPARISON: Comparison = { isUnchanged, diff: diffForUpdate, mergePatch: (desired, live) => mergePatchFor(desired, live) ?? {} };

/** Service accounts are merged into the existing one (its token secrets kept), as Velero does. */
const SERVICE_ACCOUNT_COMPARISON: Comparison = {
  isUnchanged: (desired, live) => isUnchanged(mergeServiceAccount(desired, live), live),
  diff: (desired, live) => diffForUpdate(mergeServiceAccount(desired, live), live),
  mergePatch: (desired, live) => mergePatchFor(mergeServiceAccount(desired, live), live) ?? {}
};

export function comparisonFor(groupResource: string): Comparison {
  return groupResource === 'serviceaccounts' ? SERVICE_ACCOUNT_COMPARISON : COMPARISON;
}
