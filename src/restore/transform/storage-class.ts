import { isJsonObject, type JsonObject } from '../../util/json.js';
import type { KubeObject } from '../../model/kube-object.js';

/** The pre-1.6 way to name a claim's or volume's class, still honoured by the API server. */
const BETA_ANNOTATION = 'volume.beta.kubernetes.io/storage-class';

/**
 * Velero's ChangeStorageClassAction with `storage-class-mappings`: a PV's or PVC's spec.storageClassName, and each
 * StatefulSet volumeClaimTemplate's. Velero checks the new class exists in the target; that needs the cluster, so
 * the caller does it. We also map the beta annotation, which otherwise contradicts the new class.
 */
export function mapStorageClass(object: KubeObject, groupResource: string, mappings: Readonly<Record<string, string>>): void {
  if (Object.keys(mappings).length === 0) return;
  if (groupResource === 'statefulsets.apps') {
    const templates = isJsonObject(object.spec) ? object.spec.volumeClaimTemplates : undefined;
    for (const template of Array.isArray(templates) ? templates : []) {
      if (isJsonObject(template) && isJsonObject(template.spec)) mapClassName(template.spec, mappings);
    }
    return;
  }
  if (isJsonObject(object.spec)) mapClassName(object.spec, mappings);
  const annotations = object.metadata.annotations;
  const beta = annotations?.[BETA_ANNOTATION];
  if (annotations && beta !== undefined && Object.hasOwn(mappings, beta)) annotations[BETA_ANNOTATION] = mappings[beta]!;
}

function mapClassName(spec: JsonObject, mappings: Readonly<Record<string, string>>): void {
  const current = spec.storageClassName;
  if (typeof current === 'string' && current !== '' && Object.hasOwn(mappings, current)) spec.storageClassName = mappings[current];
}
