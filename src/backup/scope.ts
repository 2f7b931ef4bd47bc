import type { DiscoveryResult } from '../kube/cluster.js';
import { backupableResources, resolveResourceName, resourceSuggestion, type ClusterScopeMode, type ScopedResource } from '../kube/resources.js';
import type { ScopeFilters } from '../settings/scope-filters.js';
import { InputError } from '../util/errors.js';
import { globMatcher } from '../util/glob.js';

export interface BackupScope {
  /** Namespaced resources to walk, in a stable order. */
  namespaced: ScopedResource[];
  /** Cluster-scoped resources to walk whole (mode 'all'), or to draw related items from (mode 'related'). */
  clusterScoped: ScopedResource[];
  clusterScopeMode: ClusterScopeMode;
  includesNamespace: (namespace: string) => boolean;
  /** True when no namespace is filtered out, so one cluster-wide list per resource serves. */
  allNamespaces: boolean;
  /** The Namespace resource, when Namespace objects themselves go into the backup (unless resources exclude them). */
  namespacesResource?: ScopedResource;
  /** Included namespaces named without globs: what a user who may not list namespaces can still back up. */
  literalNamespaces: string[];
  warnings: string[];
}

/** Turns filters and discovery into what to walk. Pure; every input mistake is an InputError naming the input. */
export function planBackupScope(discovery: DiscoveryResult, filters: ScopeFilters, inputNames = { includeResources: 'include-resources' }): BackupScope {
  const candidates = backupableResources(discovery);
  const warnings = discovery.failures.map((f) => `discovery of ${f.groupVersion} failed, its resources are not backed up: ${f.message}`);

  const resolve = (raws: string[], unknown: (raw: string) => void) =>
    new Set(
      raws.flatMap((raw) => {
        const found = resolveResourceName(raw, candidates);
        if (found.length === 0) unknown(raw);
        return found;
      })
    );
  const included = resolve(filters.includeResources.length ? filters.includeResources : ['*'], (raw) => {
    throw new InputError(inputNames.includeResources, `'${raw}' is not a resource this cluster serves`, resourceSuggestion(raw, candidates));
  });
  const excluded = resolve(filters.excludeResources, (raw) => warnings.push(`exclude-resources: '${raw}' is not a resource this cluster serves; nothing to exclude`));
  const selected = candidates.filter((c) => included.has(c.groupResource) && !excluded.has(c.groupResource));

  const include = globMatcher(filters.includeNamespaces.length ? filters.includeNamespaces : ['*']);
  const exclude = globMatcher(filters.excludeNamespaces);
  const allNamespaces = (filters.includeNamespaces.length === 0 || filters.includeNamespaces.includes('*')) && filters.excludeNamespaces.length === 0;
  const clusterScopeMode: ClusterScopeMode =
    filters.includeClusterResources === true ? 'all' : filters.includeClusterResources === false ? 'none' : allNamespaces ? 'all' : 'related';

  return {
    // Namespace objects are walked with the namespaced resources: they follow the namespace filter, not the cluster one.
    namespaced: selected.filter((c) => c.resource.namespaced),
    clusterScoped: selected.filter((c) => !c.resource.namespaced && c.groupResource !== 'namespaces'),
    clusterScopeMode,
    includesNamespace: (ns) => include(ns) && !exclude(ns),
    allNamespaces,
    namespacesResource: selected.find((c) => c.groupResource === 'namespaces'),
    literalNamespaces: filters.includeNamespaces.filter((ns) => !/[*?[\]]/.test(ns)),
    warnings
  };
}

