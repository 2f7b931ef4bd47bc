import { type LabelSelector, matchesLabelSelector } from '../../kube/label-selector.js';
import { InputError } from '../../util/errors.js';
import { globMatcher } from '../../util/glob.js';
import type { IncludeName } from '../../settings/include-names.js';
import type { RestoreFilters } from '../../settings/restore-filters.js';
import { NEVER_RESTORED } from './order.js';
import { isNamespacedResource, resolveRestoreResource } from './resources.js';
import type { ClusterScopeMode, ScopedResource } from '../../kube/resources.js';

export interface ResolvedName {
  entry: string;
  groupResources: Set<string>;
  /** undefined: cluster-scoped entry. */
  namespace?: (namespace: string) => boolean;
  name: (name: string) => boolean;
}

/** The filters resolved against the target's resources and the backup's contents. */
export interface RestoreScope {
  includesResource: (groupResource: string) => boolean;
  /** The backup's namespace (before mapping). */
  includesNamespace: (namespace: string) => boolean;
  /** True when no namespace is filtered out. */
  allNamespaces: boolean;
  clusterScopeMode: ClusterScopeMode;
  includeClusterResources: boolean | undefined;
  labelSelector?: LabelSelector;
  orLabelSelectors: LabelSelector[];
  names: ResolvedName[];
  warnings: string[];
}

/**
 * Resolves the filters. `candidates` are the resources the target serves (backupableResources of its discovery)
 * plus those of the backup's CRDs (scopedResourcesFromCrds); `backupGroupResources` the archive's resource folders.
 *
 * Cluster-scoped resources follow Velero's restore rule (restore.go, getOrderedResourceCollection and restoreItem):
 *   - include-cluster-resources true: all of them (subject to the resource filters and selectors);
 *   - false: none, not even those a restored item needs;
 *   - unset: all of them when every namespace is included (no include-namespaces other than '*', no
 *     exclude-namespaces); otherwise only those a selected item brings (relatedItems: a claim's PV, a pod's
 *     PriorityClass, and, beyond Velero, a custom resource's CRD).
 * Namespace objects are cluster-scoped but follow the namespace filters instead (the caller creates every target
 * namespace it restores into anyway, from the backed-up Namespace: namespaceForTarget).
 */
export function planRestoreScope(
  filters: RestoreFilters,
  candidates: readonly ScopedResource[],
  backupGroupResources: readonly string[]
): RestoreScope {
  const warnings: string[] = [];
  const resolve = (raw: string) => resolveRestoreResource(raw, candidates, backupGroupResources);

  const includeAll = filters.includeResources.length === 0 || filters.includeResources.includes('*');
  const included = new Set<string>();
  if (!includeAll) {
    for (const raw of filters.includeResources) {
      const found = resolve(raw);
      if (!found.length) throw new InputError('include-resources', `'${raw}' is neither a resource the target cluster serves nor one in the backup`, "Use resource.group names as 'kubectl api-resources' lists them, or '*'");
      found.forEach((gr) => included.add(gr));
    }
  }
  const excluded = new Set<string>();
  for (const raw of filters.excludeResources) {
    const found = resolve(raw);
    if (!found.length) warnings.push(`exclude-resources: '${raw}' is neither served by the target nor in the backup; nothing to exclude`);
    found.forEach((gr) => excluded.add(gr));
  }

  const include = globMatcher(filters.includeNamespaces.length ? filters.includeNamespaces : ['*']);
  const exclude = globMatcher(filters.excludeNamespaces);
  const allNamespaces = (filters.includeNamespaces.length === 0 || filters.includeNamespaces.includes('*')) && filters.excludeNamespaces.length === 0;
  const icr = filters.includeClusterResources;

  const scope: RestoreScope = {
    includesResource: (gr) => !NEVER_RESTORED.includes(gr) && (includeAll || included.has(gr)) && !excluded.has(gr),
    includesNamespace: (ns) => include(ns) && !exclude(ns),
    allNamespaces,
    clusterScopeMode: icr === true ? 'all' : icr === false ? 'none' : allNamespaces ? 'all' : 'related',
    includeClusterResources: icr,
    orLabelSelectors: filters.orLabelSelectors,
    names: filters.includeNames.map((n) => resolveName(n, resolve, candidates)),
    warnings
  };
  if (filters.labelSelector) scope.labelSelector = filters.labelSelector;
  return scope;
}

function resolveName(entry: IncludeName, resolve: (raw: string) => string[], candidates: readonly ScopedResource[]): ResolvedName {
  const input = 'include-names';
  const groupResources = resolve(entry.resource);
  if (!groupResources.length) throw new InputError(input, `'${entry.resource}' in '${entry.entry}' is neither a resource the target cluster serves nor one in the backup`, "Use resource.group names as 'kubectl api-resources' lists them");
  for (const gr of groupResources) {
    const namespaced = gr === 'namespaces' ? false : isNamespacedResource(gr, candidates);
    if (namespaced === true && entry.namespace === undefined) throw new InputError(input, `'${entry.entry}': ${gr} are namespaced`, `Write <namespace>/${entry.resource}/${entry.name}`);
    if (namespaced === false && entry.namespace !== undefined) throw new InputError(input, `'${entry.entry}': ${gr} are cluster-scoped`, `Write ${entry.resource}/${entry.name}`);
  }
  const resolved: ResolvedName = { entry: entry.entry, groupResources: new Set(groupResources), name: globMatcher([entry.name]) };
  if (entry.namespace !== undefined) resolved.namespace = globMatcher([entry.namespace]);
  return resolved;
}

/** An item of the backup, as its path and labels describe it. */
export interface RestoreItemRef {
  groupResource: string;
  /** The backup's namespace; absent or '' for cluster-scoped items. */
  namespace?: string;
  name: string;
  labels?: Readonly<Record<string, string>>;
}

export type Selection = { selected: true } | { selected: false; reason: string };

/**
 * Whether the restore takes an item. `related`: the item is brought by a selected one (relatedItems); as Velero
 * restores additional items, the label selectors, include-names and the auto cluster-scope rule do not apply to
 * it, while the resource and namespace filters, NEVER_RESTORED and include-cluster-resources: false still do.
 */
export function itemSelected(item: RestoreItemRef, scope: RestoreScope, options: { related?: boolean } = {}): Selection {
  const { groupResource, name } = item;
  const namespace = item.namespace || undefined;
  if (NEVER_RESTORED.includes(groupResource)) return skip(`${groupResource} are never restored (as in Velero)`);
  if (!scope.includesResource(groupResource)) return skip(`${groupResource} excluded by include-resources/exclude-resources`);
  if (groupResource === 'namespaces') {
    if (!scope.includesNamespace(name)) return skip(`namespace ${name} excluded by include-namespaces/exclude-namespaces`);
  } else if (namespace !== undefined) {
    if (!scope.includesNamespace(namespace)) return skip(`namespace ${namespace} excluded by include-namespaces/exclude-namespaces`);
  } else if (scope.includeClusterResources === false) {
    return skip('cluster-scoped, and include-cluster-resources is false');
  } else if (scope.clusterScopeMode === 'related' && !options.related) {
    return skip('cluster-scoped, and only some namespaces are restored: restored only when a restored item needs it (include-cluster-resources: true restores all)');
  }
  if (options.related) return { selected: true };

  if (scope.labelSelector && !matchesLabelSelector(scope.labelSelector, item.labels)) return skip('labels do not match selector');
  if (scope.orLabelSelectors.length && !scope.orLabelSelectors.some((s) => matchesLabelSelector(s, item.labels))) return skip('labels match none of or-selector');
  if (scope.names.length && !scope.names.some((n) => nameMatches(n, item, namespace))) return skip('not named by include-names');
  return { selected: true };
}

function nameMatches(entry: ResolvedName, item: RestoreItemRef, namespace: string | undefined): boolean {
  if (!entry.groupResources.has(item.groupResource) || !entry.name(item.name)) return false;
  return entry.namespace === undefined ? namespace === undefined : namespace !== undefined && entry.namespace(namespace);
}

function skip(reason: string): Selection {
  return { selected: false, reason };
}
