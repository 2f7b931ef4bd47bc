/** API groups Kubernetes itself serves; a resource of any other group is taken for a custom (or aggregated) one. */
const BUILT_IN_GROUPS = new Set([
  '',
  'apps',
  'batch',
  'autoscaling',
  'policy',
  'extensions',
  ...[
    'admissionregistration',
    'apiextensions',
    'apiregistration',
    'authentication',
    'authorization',
    'certificates',
    'coordination',
    'discovery',
    'events',
    'flowcontrol.apiserver',
    'internal.apiserver',
    'networking',
    'node',
    'rbac.authorization',
    'resource',
    'scheduling',
    'storage',
    'storagemigration'
  ].map((name) => `${name}.k8s.io`)
]);

export function isBuiltInGroup(group: string): boolean {
  return BUILT_IN_GROUPS.has(group);
}

/** The group of a group-resource (`deployments.apps` → `apps`, `pods` → ''). */
export function groupOf(groupResource: string): string {
  const dot = groupResource.indexOf('.');
  return dot < 0 ? '' : groupResource.slice(dot + 1);
}
