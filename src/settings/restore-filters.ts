import { parseLabelSelector, type LabelSelector } from '../kube/label-selector.js';
import { InputError } from '../util/errors.js';
import { parseIncludeNames, type IncludeName } from './include-names.js';
import { parseNamespacePatterns, parseResourceNames } from './names.js';

/** What a restore selects, with Velero's meaning (its Restore spec), plus include-names. */
export interface RestoreFilters {
  /** Globs; empty means every namespace. Matched against the backup's namespaces, before any mapping. */
  includeNamespaces: string[];
  excludeNamespaces: string[];
  /** As typed: `*`, `deployments.apps`, `deploy`, `Widget`; empty means every resource. */
  includeResources: string[];
  excludeResources: string[];
  /** undefined: Velero's auto (see planRestoreScope). */
  includeClusterResources: boolean | undefined;
  labelSelector?: LabelSelector;
  /** An item matching any one of these is selected (Velero's orLabelSelectors). */
  orLabelSelectors: LabelSelector[];
  /** Empty: no restriction by name. */
  includeNames: IncludeName[];
}

/** The inputs' raw text, as the settings module reads it. */
export interface RawRestoreFilters {
  includeNamespaces?: string;
  excludeNamespaces?: string;
  includeResources?: string;
  excludeResources?: string;
  includeClusterResources?: boolean;
  selector?: string;
  /** `a=b or c=d`, as for backup. */
  orSelector?: string;
  includeNames?: string;
}

/** Parses the filter inputs; each mistake is an InputError naming its input. */
export function parseRestoreFilters(raw: RawRestoreFilters): RestoreFilters {
  const orSelectors = (raw.orSelector ?? '')
    .split(/\s+or\s+/)
    .map((s) => s.trim())
    .filter(Boolean);
  if (raw.selector && orSelectors.length) {
    throw new InputError('or-selector', 'cannot be combined with selector', 'Use one of selector or or-selector, as Velero does');
  }
  const filters: RestoreFilters = {
    includeNamespaces: parseNamespacePatterns(raw.includeNamespaces, 'include-namespaces'),
    excludeNamespaces: parseNamespacePatterns(raw.excludeNamespaces, 'exclude-namespaces'),
    includeResources: parseResourceNames(raw.includeResources, 'include-resources'),
    excludeResources: parseResourceNames(raw.excludeResources, 'exclude-resources'),
    includeClusterResources: raw.includeClusterResources,
    orLabelSelectors: orSelectors.map((s) => parseLabelSelector(s, 'or-selector')),
    includeNames: parseIncludeNames(raw.includeNames, 'include-names')
  };
  if (raw.selector) filters.labelSelector = parseLabelSelector(raw.selector, 'selector');
  return filters;
}
