import { isJsonObject } from '../../util/json.js';
import type { KubeObject } from '../../model/kube-object.js';

/**
 * Velero's ServiceAccountAction: the `secrets` list names the account's auto-generated `<name>-token-xxxxx`
 * Secret, which is not restored (transformSecret); the target's token controller (before Kubernetes 1.24) adds its
 * own. Velero removes only the first such entry; we remove every one (an account may list several after rotation).
 */
export function transformServiceAccount(object: KubeObject): void {
  const secrets = object.secrets;
  const prefix = `${object.metadata.name ?? ''}-token-`;
  if (!Array.isArray(secrets)) return;
  const kept = secrets.filter((s) => !(isJsonObject(s) && typeof s.name === 'string' && s.name.startsWith(prefix)));
  if (kept.length) object.secrets = kept;
  else delete object.secrets;
}
