import { cloneJson, isJsonObject } from '../util/json.js';
import type { KubeObject } from '../model/kube-object.js';

/**
 * Velero's mergeServiceAccounts, for a ServiceAccount that already exists (typically `default`, which every
 * namespace gets): the live account is kept and the backed-up one only adds to it: secrets and imagePullSecrets
 * it names that live lacks (by name) are appended, labels and annotations it has that live lacks are added; on a
 * key both have, the live value wins. Velero does this whatever the existing-resource policy; the caller sends
 * mergePatchFor(mergeServiceAccount(desired, live), live) when it differs from live.
 */
export function mergeServiceAccount(desired: KubeObject, live: KubeObject): KubeObject {
  const merged = cloneJson(live);
  for (const field of ['secrets', 'imagePullSecrets']) {
    const names = new Set(listOf(merged[field]).map(nameOf));
    const added = listOf(desired[field]).filter((ref) => !names.has(nameOf(ref)));
    if (added.length) merged[field] = [...listOf(merged[field]), ...cloneJson(added)];
  }
  merged.metadata.labels = { ...desired.metadata.labels, ...live.metadata.labels };
  merged.metadata.annotations = { ...desired.metadata.annotations, ...live.metadata.annotations };
  if (Object.keys(merged.metadata.labels).length === 0) delete merged.metadata.labels;
  if (Object.keys(merged.metadata.annotations).length === 0) delete merged.metadata.annotations;
  return merged;
}

function listOf(value: unknown): unknown[] {
  return Array.isArray(value) ? value : [];
}

function nameOf(ref: unknown): unknown {
  return isJsonObject(ref) ? ref.name : undefined;
}
