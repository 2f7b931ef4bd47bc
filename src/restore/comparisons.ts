import { diffForUpdate, isUnchanged } from '../compare/diff.js';
import { mergePatchFor } from '../compare/merge-patch.js';
import { mergeServiceAccount } from '../compare/service-account.js';
import type { Comparison } from './apply.js';

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
