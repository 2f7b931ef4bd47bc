import type { KubeObject } from '../model/kube-object.js';
import { isJsonObject } from '../util/json.js';
import { describeValue, quoted } from '../util/printable.js';

/**
 * Where the archive path puts an item: its group-resource, its namespace (absent for `cluster/` items) and name.
 * The path is the truth, as in Velero: the filters, the plan and the namespaces to create all read it, so every
 * write must go where it says.
 */
export interface ItemPlace {
  groupResource: string;
  namespace?: string;
  name: string;
}

export type IdentityCheck = { object: KubeObject } | { problem: string };

/**
 * Whether an item's JSON agrees with its archive path: metadata.name equal to the path's name; for an item under
 * `namespaces/<ns>/`, metadata.namespace equal to <ns>, or empty/absent (then filled from the path); for one under
 * `cluster/`, no metadata.namespace at all; labels, when present, a map of strings (the label filters read them).
 * Returns the object to restore (the input when nothing is filled; never changed) or what disagrees.
 */
export function checkItemIdentity(object: KubeObject, place: ItemPlace): IdentityCheck {
  const meta = object.metadata;
  const { name, namespace } = meta;
  if (typeof name !== 'string' || name === '' || name !== place.name) return { problem: `metadata.name is ${describeValue(name)}, but the archive path names it ${quoted(place.name)}` };
  if (namespace !== undefined && namespace !== null && typeof namespace !== 'string') return { problem: `metadata.namespace is ${describeValue(namespace)}` };
  const stated = namespace || undefined;
  if (place.namespace === undefined) {
    if (stated !== undefined) return { problem: `metadata.namespace is ${quoted(stated)}, but the archive path stores it as cluster-scoped` };
  } else if (stated !== undefined && stated !== place.namespace) {
    return { problem: `metadata.namespace is ${quoted(stated)}, but the archive path puts it in namespace ${quoted(place.namespace)}` };
  }
  if (meta.labels !== undefined && !isLabelMap(meta.labels)) return { problem: 'metadata.labels is not a map of strings' };
  if (place.namespace !== undefined && stated === undefined) return { object: { ...object, metadata: { ...meta, namespace: place.namespace } } };
  return { object };
}

function isLabelMap(value: unknown): boolean {
  return isJsonObject(value) && Object.values(value).every((v) => typeof v === 'string');
}
