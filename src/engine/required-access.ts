import type { AccessCheck, DiscoveryResult } from '../kube/cluster.js';
import { backupableResources } from '../kube/resources.js';
import { snapshotApiOf } from '../volumes/snapshot-api.js';

/** The modes whose Kubernetes permissions `check` can test (rbac/backup-role.yaml, rbac/restore-role.yaml). */
export const ACCESS_MODES = ['backup', 'restore'] as const;
export type AccessMode = (typeof ACCESS_MODES)[number];

export interface RequiredAccess extends AccessCheck {
  /** What the run does with it, for the line that reports it missing. */
  why: string;
  /** The run goes on without it (a warning, or only some inputs need it): reported, but `check` still passes. */
  optional?: boolean;
}

/** The cluster-scoped items a namespace-limited backup looks up (backup/related.ts), and how. */
const RELATED_LOOKUPS: Record<string, string> = {
  persistentvolumes: 'get',
  'customresourcedefinitions.apiextensions.k8s.io': 'get',
  'clusterrolebindings.rbac.authorization.k8s.io': 'list',
  'clusterroles.rbac.authorization.k8s.io': 'get'
};

/**
 * The permissions a run of `mode` uses, derived from the calls the engine makes (backup: collect, related, hooks,
 * volume copies, CSI snapshots; restore: apply, namespaces, volume fills, hooks). With `namespaces` the run is
 * limited to those namespaces: namespaced permissions are needed there only, and cluster-scoped ones only for the
 * related items include-cluster-resources: auto takes (a claim's PV, a CRD, a ServiceAccount's cluster roles), as
 * optional: the backup skips them with a warning when refused. Pure.
 */
export function requiredAccess(mode: AccessMode, discovery: DiscoveryResult, namespaces: readonly string[] = []): RequiredAccess[] {
  const limited = namespaces.length > 0;
  const where = limited ? [...namespaces] : [undefined];
  const needs: RequiredAccess[] = [];
  const inNamespaces = (check: Omit<RequiredAccess, 'namespace'>) => where.forEach((namespace) => needs.push({ ...check, ...(namespace ? { namespace } : {}) }));

  for (const scoped of backupableResources(discovery)) {
    const { group, name: resource, namespaced } = scoped.resource;
    if (resource === 'namespaces' && limited) {
      // A limited run takes its namespaces by name instead of listing them (see backup/collect.ts).
      // The API server authorizes a Namespace as an object inside itself, so a Role there can grant it.
      for (const namespace of namespaces) needs.push({ verb: 'get', group, resource, name: namespace, namespace, why: `${mode} reads the Namespace object ${namespace}` });
      needs.push({ verb: 'list', group, resource, why: 'to find namespaces by glob (literal names work without it)', optional: true });
      continue;
    }
    const related = RELATED_LOOKUPS[scoped.groupResource];
    // A limited run takes cluster-scoped items only as related ones (include-cluster-resources: auto).
    if (!namespaced && limited && !related) continue;
    const verbs = mode === 'backup' ? [limited && !namespaced ? related! : 'list'] : ['get', 'create', 'patch'];
    for (const verb of verbs) {
      const why = mode === 'backup' ? `backup ${verb === 'list' ? 'lists' : 'reads'} ${scoped.groupResource}` : `restore ${verb === 'get' ? 'compares with' : verb === 'create' ? 'creates' : 'updates'} ${scoped.groupResource}`;
      if (namespaced) inNamespaces({ verb, group, resource, why });
      else needs.push({ verb, group, resource, why: limited ? `${why} related to the namespaces' items (skipped with a warning when refused)` : why, optional: limited });
    }
    if (mode === 'restore') {
      const why = `existing-resource-policy: recreate deletes ${scoped.groupResource} that differ`;
      if (namespaced) inNamespaces({ verb: 'delete', group, resource, why, optional: true });
      else needs.push({ verb: 'delete', group, resource, why, optional: true });
    }
  }

  const run = mode === 'backup' ? 'backup hooks and file-system copies of volumes' : 'restore hooks and the filling of restored volumes';
  inNamespaces({ verb: 'create', group: '', resource: 'pods', subresource: 'exec', why: `${run} run commands in pods` });
  inNamespaces({ verb: 'create', group: '', resource: 'pods', why: 'data-mover pods for volumes no running pod can serve' });
  inNamespaces({ verb: 'delete', group: '', resource: 'pods', why: 'data-mover pods are deleted when done' });

  const snapshots = snapshotApiOf(discovery);
  if (snapshots && mode === 'backup') {
    const group = snapshots.snapshots.group;
    for (const verb of ['create', 'patch', 'delete']) inNamespaces({ verb, group, resource: 'volumesnapshots', why: `CSI snapshots of claims (snapshot-volumes) ${verb === 'create' ? 'are taken' : verb === 'patch' ? 'are annotated' : 'leave the cluster once recorded'}` });
    for (const verb of ['patch', 'delete']) needs.push({ verb, group, resource: 'volumesnapshotcontents', why: 'CSI snapshot contents are set to Retain, then removed from the cluster', optional: limited });
    needs.push({ verb: 'get', group: 'storage.k8s.io', resource: 'storageclasses', why: "a claim's StorageClass names its CSI driver", optional: limited });
    needs.push({ verb: 'list', group, resource: 'volumesnapshotclasses', why: 'the VolumeSnapshotClass of each driver', optional: limited });
  }
  if (mode === 'restore') {
    // RBAC refuses to create a role granting more than its creator holds, or a binding to such a role, without these.
    const rbac = 'rbac.authorization.k8s.io';
    const why = 'restored roles and bindings may grant permissions the restoring credentials do not hold';
    if (limited) {
      inNamespaces({ verb: 'escalate', group: rbac, resource: 'roles', why });
      inNamespaces({ verb: 'bind', group: rbac, resource: 'roles', why });
    } else {
      for (const resource of ['clusterroles', 'roles']) for (const verb of ['escalate', 'bind']) needs.push({ verb, group: rbac, resource, why });
    }
  }
  return needs;
}

/** `create pods/exec in namespace shop`: the permission as a person asks for it. */
export function describeAccess(check: AccessCheck): string {
  const resource = `${check.resource}${check.subresource ? `/${check.subresource}` : ''}${check.group ? `.${check.group}` : ''}`;
  const object = check.name ? ` ${check.name}` : '';
  return `${check.verb} ${resource}${object} ${check.namespace ? `in namespace ${check.namespace}` : 'cluster-wide'}`;
}
