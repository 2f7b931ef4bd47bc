import type { ApiGroup, ApiResource, DiscoveryResult } from './cluster.js';
import type { ResourceRef } from '../model/resource-ref.js';
import { editDistance } from '../util/close-names.js';

export interface ScopedResource {
  /** At the version the backup stores as preferred. */
  resource: ApiResource;
  /** `deployments.apps`, `pods`: the tarball's folder name. */
  groupResource: string;
  /** Other served versions of the same resource (for all-api-versions). */
  otherVersions: string[];
}

/**
 * How cluster-scoped resources are chosen: every one of them, none, or only those related to backed-up
 * namespaced items (a PVC's PV, a custom resource's CRD, a ServiceAccount's cluster role bindings and roles).
 */
export type ClusterScopeMode = 'all' | 'related' | 'none';

const REQUIRED_VERBS = ['list', 'create', 'get', 'delete'];

/** Resources served by two groups, taken once from the first group listed (Velero's choice). */
const SERVED_TWICE: Record<string, string[]> = {
  deployments: ['apps', 'extensions'],
  daemonsets: ['apps', 'extensions'],
  replicasets: ['apps', 'extensions'],
  networkpolicies: ['networking.k8s.io', 'extensions'],
  events: ['', 'events.k8s.io']
};

/** The API address of a scoped resource, at its preferred version or another one it serves. */
export function resourceRefOf(scoped: ScopedResource, version = scoped.resource.version): ResourceRef {
  return { group: scoped.resource.group, version, resource: scoped.resource.name, namespaced: scoped.resource.namespaced };
}

export function groupResourceOf(resource: { name: string; group: string }): string {
  return resource.group ? `${resource.name}.${resource.group}` : resource.name;
}

/**
 * Every resource a backup can take: per group, each resource at the most preferred version that serves it,
 * supporting list, create, get and delete, with the duplicates above removed.
 */
export function backupableResources(discovery: DiscoveryResult): ScopedResource[] {
  const byGroup = new Map<string, ApiResource[]>();
  for (const r of discovery.resources) {
    const list = byGroup.get(r.group) ?? [];
    list.push(r);
    byGroup.set(r.group, list);
  }
  const chosen: ScopedResource[] = [];
  for (const group of discovery.groups) {
    const resources = byGroup.get(group.name) ?? [];
    for (const name of new Set(resources.map((r) => r.name))) {
      const servedAt = orderByPreference(group, resources.filter((r) => r.name === name));
      const preferred = servedAt[0]!;
      if (!REQUIRED_VERBS.every((verb) => preferred.verbs.includes(verb))) continue;
      const owners = SERVED_TWICE[name];
      if (owners && owners.includes(group.name) && owners[0] !== group.name && discovery.resources.some((r) => r.name === name && r.group === owners[0])) continue;
      chosen.push({ resource: preferred, groupResource: groupResourceOf(preferred), otherVersions: servedAt.slice(1).map((r) => r.version) });
    }
  }
  return chosen.sort((a, b) => a.groupResource.localeCompare(b.groupResource));
}

function orderByPreference(group: ApiGroup, resources: ApiResource[]): ApiResource[] {
  const rank = (version: string) => {
    const i = group.versions.indexOf(version);
    return i < 0 ? Number.MAX_SAFE_INTEGER : i;
  };
  return [...resources].sort((a, b) => rank(a.version) - rank(b.version));
}

/**
 * Resolves what a user typed (`deploy`, `Deployment`, `deployments`, `deployments.apps`, `*`) to group-resources,
 * the way kubectl resolves names. Unknown names yield an empty list.
 */
export function resolveResourceName(raw: string, candidates: readonly ScopedResource[]): string[] {
  const wanted = raw.trim().toLowerCase();
  if (wanted === '*') return candidates.map((c) => c.groupResource);
  const dot = wanted.indexOf('.');
  const [name, group] = dot < 0 ? [wanted, undefined] : [wanted.slice(0, dot), wanted.slice(dot + 1)];
  const names = (r: ApiResource) => [r.name, r.singularName, r.kind.toLowerCase(), ...r.shortNames.map((s) => s.toLowerCase())];
  return candidates.filter((c) => (group === undefined || c.resource.group === group) && names(c.resource).includes(name!)).map((c) => c.groupResource);
}

/** A "did you mean" for a resource name this cluster does not serve. */
export function resourceSuggestion(raw: string, candidates: readonly ScopedResource[]): string {
  const wanted = raw.toLowerCase();
  const close = candidates
    .map((c) => c.groupResource)
    .filter((gr) => editDistance(gr.split('.')[0]!, wanted.split('.')[0]!) <= 2)
    .slice(0, 3);
  return close.length ? `Did you mean ${close.join(' or ')}?` : "Use resource.group names as 'kubectl api-resources' lists them, or '*'";
}
