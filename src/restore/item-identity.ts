import type { KubeObject } from '../model/kube-object.js';
import type { ItemPlace } from '../persistence/item-identity.js';
import { describeValue, quoted } from '../util/printable.js';
import { mappedNamespace } from './transform/namespace.js';

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
