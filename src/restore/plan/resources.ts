import { isJsonObject } from '../../util/json.js';
import type { KubeObject } from '../../model/kube-object.js';
import { resolveResourceName, type ScopedResource } from '../../kube/resources.js';

/**
 * The resources a backed-up CRD will serve once restored, shaped like discovery's, so `include-resources: widget`
 * (a kind, short name or singular) resolves for custom resources the target does not serve yet.
 */
export function scopedResourcesFromCrds(crds: Iterable<KubeObject>): ScopedResource[] {
  const resources: ScopedResource[] = [];
  for (const crd of crds) {
    const spec = isJsonObject(crd.spec) ? crd.spec : {};
    const names = isJsonObject(spec.names) ? spec.names : {};
    if (typeof spec.group !== 'string' || typeof names.plural !== 'string' || typeof names.kind !== 'string') continue;
    const versions = Array.isArray(spec.versions) ? spec.versions.filter(isJsonObject) : [];
    const storage = versions.find((v) => v.storage === true) ?? versions[0];
    resources.push({
      resource: {
        group: spec.group,
        version: typeof storage?.name === 'string' ? storage.name : typeof spec.version === 'string' ? spec.version : '',
        name: names.plural,
        kind: names.kind,
        singularName: typeof names.singular === 'string' && names.singular ? names.singular : names.kind.toLowerCase(),
        namespaced: spec.scope !== 'Cluster',
        verbs: ['create', 'delete', 'get', 'list', 'patch', 'update', 'watch'],
        shortNames: Array.isArray(names.shortNames) ? names.shortNames.filter((s): s is string => typeof s === 'string') : []
      },
      groupResource: `${names.plural}.${spec.group}`,
      otherVersions: []
    });
  }
  return resources;
}

/**
 * What a user's resource name means in a restore (Velero resolves through the target's discovery, and refreshes it
 * after restoring CRDs): kubectl's resolution against `candidates` (the target's resources plus those of the backed-up
 * CRDs), else a `resource.group` of the backup written out (`widgets.example.com`), or its bare plural (`widgets`).
 * Empty when nothing matches.
 */
export function resolveRestoreResource(raw: string, candidates: readonly ScopedResource[], backupGroupResources: readonly string[]): string[] {
  const found = new Set(resolveResourceName(raw, candidates));
  if (found.size) return [...found];
  const wanted = raw.trim().toLowerCase();
  return backupGroupResources.filter((gr) => gr === wanted || (!wanted.includes('.') && gr.split('.')[0] === wanted));
}

/** Whether a resolved resource is namespaced, when known (from the candidates). */
export function isNamespacedResource(groupResource: string, candidates: readonly ScopedResource[]): boolean | undefined {
  return candidates.find((c) => c.groupResource === groupResource)?.resource.namespaced;
}
