/** What the user asked for, with Velero's meaning: globs for namespaces, `resource.group` (or short names, kinds) for resources. */
export interface ScopeFilters {
  includeNamespaces: string[];
  excludeNamespaces: string[];
  includeResources: string[];
  excludeResources: string[];
  /** undefined = Velero's auto: all cluster-scoped resources when every namespace is included, else only related ones. */
  includeClusterResources: boolean | undefined;
}

export const ALL_FILTERS: ScopeFilters = {
  includeNamespaces: ['*'],
  excludeNamespaces: [],
  includeResources: ['*'],
  excludeResources: [],
  includeClusterResources: undefined
};
