import { isJsonObject, objectAt } from '../../util/json.js';
import type { KubeObject } from '../../model/kube-object.js';

/** The label the Job controller selects its pods by: the source Job's uid (legacy name before Kubernetes 1.27). */
const CONTROLLER_UID_LABELS = ['batch.kubernetes.io/controller-uid', 'controller-uid'];

/**
 * Velero's JobAction: the generated selector and pod-template labels carry the source Job's uid, which the new Job
 * will not have; without them the API server generates them afresh. manualSelector is left alone: it is unset for
 * a generated selector, and a user's manual selector never holds the uid label.
 */
export function transformJob(object: KubeObject): void {
  const spec = object.spec;
  if (!isJsonObject(spec)) return;
  const matchLabels = objectAt(spec, ['selector', 'matchLabels']);
  const templateLabels = objectAt(spec, ['template', 'metadata', 'labels']);
  for (const label of CONTROLLER_UID_LABELS) {
    if (matchLabels) delete matchLabels[label];
    if (templateLabels) delete templateLabels[label];
  }
}
