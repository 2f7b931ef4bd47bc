import { formatLabelSelector, isMetaV1Selector, type LabelSelector } from '../kube/label-selector.js';
import { ANNOTATIONS } from '../velero/vocabulary.js';

/**
 * Writes a run's selectors into its Velero record (Backup or Restore). Velero's fields are metav1.LabelSelectors;
 * a selector using the API server's `>` or `<` does not fit one, so it is kept, as typed, in an annotation instead
 * of being recorded wrong.
 */
export function recordSelectors(record: { spec: Record<string, unknown>; annotations: Record<string, string> }, selector: LabelSelector | undefined, orSelectors: LabelSelector[]): void {
  const all = selector ? [selector] : orSelectors;
  if (!all.every(isMetaV1Selector)) {
    record.annotations[ANNOTATIONS.labelSelectors] = all.map(formatLabelSelector).join(' or ');
    return;
  }
  if (selector) record.spec.labelSelector = selector;
  if (orSelectors.length) record.spec.orLabelSelectors = orSelectors;
}
