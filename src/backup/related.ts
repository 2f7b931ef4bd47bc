import type { Cluster } from '../kube/cluster.js';
import type { Logger } from '../util/logger.js';
import { errorMessage } from '../util/errors.js';
import type { RunResults } from '../util/run-results.js';
import { type BackupScope } from './scope.js';
import type { KubeObject } from '../model/kube-object.js';
import { resourceRefOf, type ScopedResource } from '../kube/resources.js';

/** Cluster-scoped items a namespace-subset backup needs so its namespaced items restore whole. */
export interface RelatedRefs {
  /** PV names bound to backed-up PVCs. */
  persistentVolumes: Set<string>;
  /** `namespace/name` of backed-up ServiceAccounts. */
  serviceAccounts: Set<string>;
  /** Group-resources of backed-up custom resources; their CRD is named the same. */
  customResourceGroups: Set<string>;
}

const CRDS = 'customresourcedefinitions.apiextensions.k8s.io';
const BINDINGS = 'clusterrolebindings.rbac.authorization.k8s.io';
const ROLES = 'clusterroles.rbac.authorization.k8s.io';

/**
 * Velero's related-item actions for a namespace-subset backup: a PVC's PV, a custom resource's CRD, and the
 * ClusterRoleBindings naming a backed-up ServiceAccount with their ClusterRoles. Only resources the filters
 * keep are taken; an item that cannot be read is an error of the backup, not its end.
 */
export async function* relatedClusterItems(
  cluster: Cluster,
  scope: BackupScope,
  related: RelatedRefs,
  results: RunResults,
  logger: Logger
): AsyncIterable<{ scoped: ScopedResource; object: KubeObject }> {
  const allowed = (gr: string) => scope.clusterScoped.find((c) => c.groupResource === gr);
  const fetch = async (scoped: ScopedResource, name: string, why: string): Promise<KubeObject | undefined> => {
    try {
      const object = await cluster.get(resourceRefOf(scoped), name);
      if (!object) logger.warn(`${scoped.groupResource} ${name} (${why}) no longer exists`);
      return object;
    } catch (err) {
      results.error(`cannot read ${scoped.groupResource} ${name} (${why}): ${errorMessage(err)}`);
      return undefined;
    }
  };

  const pvs = allowed('persistentvolumes');
  if (pvs) {
    for (const name of [...related.persistentVolumes].sort()) {
      const object = await fetch(pvs, name, 'bound to a backed-up claim');
      if (object) yield { scoped: pvs, object };
    }
  }

  const crds = allowed(CRDS);
  if (crds) {
    for (const gr of [...related.customResourceGroups].sort()) {
      // Built-in groups with dots (apps.k8s.io-style) have no CRD: a 404 is expected and silent.
      const object = await cluster.get(resourceRefOf(crds), gr).catch((err: unknown) => {
        results.error(`cannot read CRD ${gr}: ${errorMessage(err)}`);
        return undefined;
      });
      if (object) yield { scoped: crds, object };
    }
  }

  const bindings = allowed(BINDINGS);
  if (bindings && related.serviceAccounts.size > 0) {
    const roles = allowed(ROLES);
    const roleNames = new Set<string>();
    try {
      for await (const binding of cluster.list(resourceRefOf(bindings))) {
        const subjects = (binding.subjects as { kind: string; name: string; namespace?: string }[] | undefined) ?? [];
        if (!subjects.some((s) => s.kind === 'ServiceAccount' && related.serviceAccounts.has(`${s.namespace}/${s.name}`))) continue;
        yield { scoped: bindings, object: binding };
        const roleRef = binding.roleRef as { kind: string; name: string } | undefined;
        if (roleRef?.kind === 'ClusterRole') roleNames.add(roleRef.name);
      }
    } catch (err) {
      results.error(`cannot list cluster role bindings of backed-up service accounts: ${errorMessage(err)}`);
    }
    if (roles) {
      for (const name of [...roleNames].sort()) {
        const object = await fetch(roles, name, 'bound to a backed-up service account');
        if (object) yield { scoped: roles, object };
      }
    }
  }
}
