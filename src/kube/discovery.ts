import type { ApiGroup, ApiResource } from './cluster.js';
import { splitApiVersion } from './paths.js';

/** The shapes of the discovery documents the API server serves (the parts we read). */
export interface ApiVersionsDoc {
  versions: string[];
}
export interface ApiGroupListDoc {
  groups: { name: string; versions: { groupVersion: string; version: string }[]; preferredVersion?: { version: string } }[];
}
export interface ApiResourceListDoc {
  groupVersion: string;
  resources: { name: string; singularName?: string; namespaced: boolean; kind: string; verbs?: string[]; shortNames?: string[] }[];
}

/** The core group plus every named group, each with its served versions, preferred first. */
export function parseGroups(core: ApiVersionsDoc, named: ApiGroupListDoc): ApiGroup[] {
  const groups: ApiGroup[] = [];
  if (core.versions.length > 0) groups.push({ name: '', preferredVersion: core.versions[0]!, versions: [...core.versions] });
  for (const g of named.groups) {
    const versions = g.versions.map((v) => v.version);
    const preferred = g.preferredVersion?.version ?? versions[0];
    if (!preferred) continue;
    groups.push({ name: g.name, preferredVersion: preferred, versions: [preferred, ...versions.filter((v) => v !== preferred)] });
  }
  return groups;
}

/** Resources of one group version; subresources (`pods/log`, `deployments/scale`) are not resources of their own. */
export function parseResources(doc: ApiResourceListDoc): ApiResource[] {
  const { group, version } = splitApiVersion(doc.groupVersion);
  return doc.resources
    .filter((r) => !r.name.includes('/'))
    .map((r) => ({
      group,
      version,
      name: r.name,
      kind: r.kind,
      singularName: r.singularName || r.kind.toLowerCase(),
      namespaced: r.namespaced,
      verbs: r.verbs ?? [],
      shortNames: r.shortNames ?? []
    }));
}
