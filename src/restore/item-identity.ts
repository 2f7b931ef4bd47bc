import type { KubeObject } from '../model/kube-object.js';
import { isJsonObject } from '../util/json.js';
import { describeValue, quoted } from './printable.js';
import { mappedNamespace } from './transform/namespace.js';

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

/**
 * Whether the path's scope agrees with the target's: an item under `namespaces/<ns>/` of a resource the target
 * serves cluster-scoped would otherwise be selected by the namespace filters and created cluster-wide (the API
 * server ignores a namespace on a cluster-scoped create), and one under `cluster/` of a namespaced resource has
 * no namespace to go to.
 */
export function scopeProblem(place: ItemPlace, namespaced: boolean): string | undefined {
  if (place.namespace !== undefined && !namespaced) return `the archive path puts it in namespace ${quoted(place.namespace)}, but the target serves ${place.groupResource} as cluster-scoped`;
  if (place.namespace === undefined && namespaced) return `the archive path stores it as cluster-scoped, but the target serves ${place.groupResource} as namespaced`;
  return undefined;
}

/**
 * Where an item of `place` is written: its path's namespace mapped, under its path's name (a Namespace's own name
 * mapped), or under `renamed` for the kinds a restore names anew (CSI snapshot objects: see transform/csi.ts).
 */
export function targetOf(place: ItemPlace, mappings: Readonly<Record<string, string>>, renamed?: string): { namespace?: string; name: string } {
  if (place.groupResource === 'namespaces') return { name: mappedNamespace(place.name, mappings) };
  const name = renamed ?? place.name;
  return place.namespace === undefined ? { name } : { namespace: mappedNamespace(place.namespace, mappings), name };
}

/**
 * The last check before a write: the object about to be written goes exactly where its path says, after the
 * mapping. Transforms and resource modifiers may change anything else, but not where it goes.
 */
export function targetProblem(desired: KubeObject, place: ItemPlace, mappings: Readonly<Record<string, string>>, renamed?: string): string | undefined {
  const expected = targetOf(place, mappings, renamed);
  const namespace = desired.metadata.namespace || undefined;
  const name = desired.metadata.name;
  if (namespace === expected.namespace && name === expected.name) return undefined;
  const where = (ns: string | undefined, n: unknown) => (typeof n === 'string' ? quoted(`${ns ? `${ns}/` : ''}${n}`) : `${ns ? `${quoted(ns)}/` : ''}${describeValue(n)}`);
  return `it would be written as ${where(namespace, name)} instead of ${where(expected.namespace, expected.name)} (a resource modifier may not change metadata.name or metadata.namespace)`;
}

function isLabelMap(value: unknown): boolean {
  return isJsonObject(value) && Object.values(value).every((v) => typeof v === 'string');
}
