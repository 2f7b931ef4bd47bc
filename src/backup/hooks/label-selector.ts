/**
 * Kubernetes LabelSelector matching (metav1.LabelSelector), as Velero applies it to a hook rule: every matchLabels
 * pair and every matchExpressions requirement must hold. An empty selector matches every pod. (The type is the one
 * src/kube shares for list calls, where the API server matches; hooks select from pods already listed.)
 */
import type { LabelSelector } from '../../kube/label-selector.js';

export type { LabelSelector } from '../../kube/label-selector.js';

export type LabelSelectorRequirement = NonNullable<LabelSelector['matchExpressions']>[number];
export type LabelSelectorOperator = LabelSelectorRequirement['operator'];

export const LABEL_SELECTOR_OPERATORS: readonly LabelSelectorOperator[] = ['In', 'NotIn', 'Exists', 'DoesNotExist'];

export function matchesLabelSelector(selector: LabelSelector, labels: Readonly<Record<string, string>> | undefined): boolean {
  const has = (key: string) => labels !== undefined && Object.hasOwn(labels, key);
  for (const [key, value] of Object.entries(selector.matchLabels ?? {})) {
    if (!has(key) || labels![key] !== value) return false;
  }
  for (const { key, operator, values = [] } of selector.matchExpressions ?? []) {
    if (!requirementHolds(operator, has(key), has(key) ? labels![key]! : '', values)) return false;
  }
  return true;
}

function requirementHolds(operator: LabelSelectorOperator, present: boolean, value: string, values: readonly string[]): boolean {
  switch (operator) {
    case 'In':
      return present && values.includes(value);
    case 'NotIn':
      // Kubernetes' meaning: a pod without the label is "not in" any set.
      return !present || !values.includes(value);
    case 'Exists':
      return present;
    case 'DoesNotExist':
      return !present;
  }
}
