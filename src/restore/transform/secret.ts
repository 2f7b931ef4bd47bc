import { isJsonObject } from '../../util/json.js';
import type { KubeObject } from '../../model/kube-object.js';

export const SERVICE_ACCOUNT_TOKEN_TYPE = 'kubernetes.io/service-account-token';
const ACCOUNT_NAME = 'kubernetes.io/service-account.name';
const ACCOUNT_UID = 'kubernetes.io/service-account.uid';

/**
 * Velero's SecretAction skips a token Secret named `<account>-token-*` for an account of its namespace: the token
 * controller generated it and (before Kubernetes 1.24) generates another for the restored account. Velero looks the
 * accounts up in the target; we read the account from the Secret's own service-account.name annotation.
 */
export function secretSkipReason(secret: KubeObject): string | undefined {
  if (secret.type !== SERVICE_ACCOUNT_TOKEN_TYPE) return undefined;
  const account = secret.metadata.annotations?.[ACCOUNT_NAME];
  if (account && secret.metadata.name?.startsWith(`${account}-token-`)) {
    return `auto-generated token of ServiceAccount ${account}: the target's token controller makes its own (as Velero does)`;
  }
  return undefined;
}

/**
 * A token Secret the user created (any other name) is restored empty of what the token controller fills in: the
 * old account uid, the token and CA signed by the source cluster (Velero's SecretAction), and, beyond Velero, the
 * namespace key, which would keep naming the source namespace after a namespace mapping.
 */
export function transformSecret(object: KubeObject): void {
  if (object.type !== SERVICE_ACCOUNT_TOKEN_TYPE) return;
  if (object.metadata.annotations) delete object.metadata.annotations[ACCOUNT_UID];
  if (isJsonObject(object.data)) {
    for (const key of ['token', 'ca.crt', 'namespace']) delete object.data[key];
  }
}
