import { removeServiceAccountTokenVolumes } from '../../compare/pod-tokens.js';
import { isJsonObject } from '../../util/json.js';
import type { KubeObject } from '../../model/kube-object.js';

/**
 * Velero's PodAction. nodeName names a node of the source cluster (the scheduler must choose again); priority is
 * computed by admission from priorityClassName (which stays) and a copied value that disagrees is refused. The
 * legacy secret-based token volumes `<serviceAccount>-token-xxxxx` reference a Secret that is not restored (see
 * transformSecret), so they and their mounts go: admission mounts a fresh token. Velero matches them by name prefix
 * only, as here. Projected `kube-api-access-*` volumes stay: they name only the account and kube-root-ca.crt, valid
 * in any namespace.
 *
 * Beyond Velero: ephemeralContainers are dropped, since the API refuses them on create (they are added only through
 * the ephemeralcontainers subresource) and a debugging session is not part of the workload.
 */
export function transformPod(object: KubeObject): void {
  const spec = object.spec;
  if (!isJsonObject(spec)) return;
  delete spec.nodeName;
  delete spec.priority;
  delete spec.ephemeralContainers;

  // Velero uses serviceAccountName as it is; an unset one means the namespace's `default` account.
  const account = typeof spec.serviceAccountName === 'string' && spec.serviceAccountName ? spec.serviceAccountName : typeof spec.serviceAccount === 'string' && spec.serviceAccount ? spec.serviceAccount : 'default';
  const tokenPrefix = `${account}-token-`;
  const isToken = (entry: unknown) => isJsonObject(entry) && typeof entry.name === 'string' && entry.name.startsWith(tokenPrefix);

  removeServiceAccountTokenVolumes(spec, isToken);
}

