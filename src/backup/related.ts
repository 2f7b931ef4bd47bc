import type { Cluster } from '../kube/cluster.js';
import { KubeApiError } from '../kube/http.js';
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
 *
 * These lookups are extras nobody asked for by name (include-cluster-resources is `auto`): a credential limited to
 * some namespaces is refused them, and the namespaces it backs up are whole without them. So a 403 here is a warning
 * naming what was skipped; anything else (a timeout, a 500) stays an error.
 */
export async function* relatedClusterItems(
  cluster: Cluster,
  scope: BackupScope,
  related: RelatedRefs,
  results: RunResults,
  logger: Logger
): AsyncIterable<{ scoped: ScopedResource; object: KubeObject }> {
  const allowed = (gr: string) => scope.clusterScoped.find((c) => c.groupResource === gr);
  const failed = (what: string, err: unknown) => {
    if (isForbidden(err)) {
      const message = `skipped ${what}: the credentials may not read it (forbidden), and include-cluster-resources is auto, so it is not required; a restore into a cluster without it needs it created there`;
      results.warning(message);
      logger.warn(message);
    } else {
      results.error(`cannot read ${what}: ${errorMessage(err)}`);
    }
  };
  const fetch = async (scoped: ScopedResource, name: string, why: string): Promise<KubeObject | undefined> => {
    try {
      const object = await cluster.get(resourceRefOf(scoped), name);
      if (!object) logger.warn(`${scoped.groupResource} ${name} (${why}) no longer exists`);
      return object;
    } catch (err) {
      failed(`${scoped.groupResource} ${name} (${why})`, err);
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
      // Aggregated APIs have no CRD: a 404 is expected and silent (built-in groups are never looked up).
      const object = await cluster.get(resourceRefOf(crds), gr).catch((err: unknown) => {
        failed(`CRD ${gr} (the definition of backed-up custom resources)`, err);
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
      failed('ClusterRoleBindings (and their ClusterRoles) of backed-up service accounts', err);
    }
    if (roles) {
      for (const name of [...roleNames].sort()) {
        const object = await fetch(roles, name, 'bound to a backed-up service account');
        if (object) yield { scoped: roles, object };
      }
    }
  }
}

function isForbidden(err: unknown): boolean {
  return err instanceof KubeApiError && err.statusCode === 403;
}
