import { isCredentialName } from '../util/credentials.js';
import { isJsonObject } from '../util/json.js';

/**
 * Which values a diff may show (README, "What is never shown"). A change always names its field; its values
 * (from, to) are shown only when all of these hold:
 *
 * 1. the object is of a built-in kind on VALUES_SHOWN, whose fields are all known and none is meant to hold a
 *    credential; for every other kind only the values of `metadata.labels` are shown. So never for Secrets, never for
 *    ConfigMaps (in practice they are where credentials end up when they should have been Secrets: connection
 *    strings, whole config files with a password on line 40, and no field name tells which), never for custom
 *    resources (their schema is unknown here, and operators' resources do carry passwords and keys inline), and
 *    never for a kind this list does not know (default deny: a new built-in kind or an aggregated API);
 * 2. no field on the way, nor any key inside the value, has a name that looks like a credential (isCredentialName:
 *    password, token, secret, credential, cert, auth, API or private key...), nor is the entry of a name/value list
 *    (env, HTTP headers) whose name does, nor is it the argument after a credential flag (`--token <value>`);
 * 3. nothing in the value looks like a credential itself (looksLikeCredential: `password=`, `--api-token=`, a URL
 *    with a password, a PEM block, a bearer or basic authorization, a JWT);
 * 4. it is not kubectl's last-applied annotation (a copy of the whole object) nor a driver's free-form options
 *    (`volumeAttributes`, `flexVolume`), which carry whatever their author put there.
 *
 * Masking more than needed costs a value in a plan; masking less leaks a credential into logs, job summaries and
 * artifacts that more people can read than the cluster's Secrets.
 */

/** `group/Kind`, the core group being empty: built-in kinds whose values a diff shows. */
const VALUES_SHOWN = new Set(
  Object.entries({
    '': ['Pod', 'PodTemplate', 'ReplicationController', 'Service', 'Endpoints', 'ServiceAccount', 'Namespace', 'PersistentVolumeClaim', 'LimitRange', 'ResourceQuota'],
    apps: ['Deployment', 'StatefulSet', 'DaemonSet', 'ReplicaSet'],
    extensions: ['Deployment', 'DaemonSet', 'ReplicaSet', 'Ingress', 'NetworkPolicy'],
    batch: ['Job', 'CronJob'],
    autoscaling: ['HorizontalPodAutoscaler'],
    policy: ['PodDisruptionBudget'],
    'networking.k8s.io': ['NetworkPolicy', 'Ingress', 'IngressClass'],
    'discovery.k8s.io': ['EndpointSlice'],
    'rbac.authorization.k8s.io': ['Role', 'ClusterRole', 'RoleBinding', 'ClusterRoleBinding'],
    'scheduling.k8s.io': ['PriorityClass'],
    'node.k8s.io': ['RuntimeClass'],
    'coordination.k8s.io': ['Lease'],
    'apiextensions.k8s.io': ['CustomResourceDefinition'],
    'apiregistration.k8s.io': ['APIService'],
    'admissionregistration.k8s.io': ['MutatingWebhookConfiguration', 'ValidatingWebhookConfiguration', 'ValidatingAdmissionPolicy', 'ValidatingAdmissionPolicyBinding']
  }).flatMap(([group, kinds]) => kinds.map((kind) => `${group}/${kind}`))
);

/** kubectl apply keeps the whole applied object here, Secret data included. */
const LAST_APPLIED = 'kubectl.kubernetes.io/last-applied-configuration';

/** Free-form maps handed to a volume driver: anything may be in them. */
const FREE_FORM = new Set(['volumeAttributes', 'flexVolume']);

export type Segment = string | number;

/** Whether the values of this kind's fields may be shown at all (rule 1); labels excepted, see mayShowValues. */
export function kindShowsValues(apiVersion: string | undefined, kind: string | undefined): boolean {
  if (!apiVersion || !kind) return false;
  const slash = apiVersion.indexOf('/');
  return VALUES_SHOWN.has(`${slash < 0 ? '' : apiVersion.slice(0, slash)}/${kind}`);
}


const PEM = /-----BEGIN [A-Z0-9 ]+-----/;
const URL_WITH_PASSWORD = /[a-z][a-z0-9+.-]*:\/\/[^\s/:@]*:[^\s/@]+@/i;
const AUTHORIZATION = /\b(bearer|basic)\s+[A-Za-z0-9._~+/=-]{8,}/i;
const JWT = /eyJ[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]{5,}\./;
/** `name=value`, `name: value`, `"name":"value"`: the name is checked. */
const ASSIGNMENT = /([A-Za-z0-9_.-]+)["']?\s*(?:=|:(?=\s|["']))/g;
/** `--name value` inside one string (a shell command). */
const FLAG_WITH_VALUE = /(?:^|\s)(--?[A-Za-z0-9][\w.-]*)\s+[^\s-]/g;

/** Whether a string looks like it holds a credential, whatever field it is in (rule 3). */
export function looksLikeCredential(text: string): boolean {
  if (PEM.test(text) || URL_WITH_PASSWORD.test(text) || AUTHORIZATION.test(text) || JWT.test(text)) return true;
  for (const pattern of [ASSIGNMENT, FLAG_WITH_VALUE]) {
    for (const match of text.matchAll(pattern)) if (isCredentialName(match[1]!)) return true;
  }
  return false;
}

/** A flag on its own (`--token`, `-password`), whose next argument is then its value. */
function isCredentialFlag(value: unknown): boolean {
  return typeof value === 'string' && /^--?[A-Za-z0-9][\w.-]*$/.test(value) && isCredentialName(value);
}

/** A `{name, value}` entry (env variables, HTTP headers) whose name looks like a credential's. */
function isCredentialEntry(value: unknown): boolean {
  return isJsonObject(value) && typeof value.name === 'string' && ('value' in value || 'valueFrom' in value) && isCredentialName(value.name);
}

/**
 * Whether a value, scalar or reported whole (a list of another length, a map replacing a scalar), holds anything
 * rules 2 and 3 mask: a credential-named key, a credential env entry, the argument after a credential flag, or a
 * string that looks like a credential.
 */
export function holdsCredential(value: unknown): boolean {
  if (typeof value === 'string') return looksLikeCredential(value);
  if (Array.isArray(value)) return value.some((item, i) => holdsCredential(item) || (i > 0 && isCredentialFlag(value[i - 1])));
  if (isJsonObject(value)) return isCredentialEntry(value) || Object.entries(value).some(([key, item]) => isCredentialName(key) || holdsCredential(item));
  return false;
}

/**
 * Whether the path down to a field passes through something whose values are never shown (rules 2 and 4): a
 * credential-named key, a credential env entry, the argument after a credential flag, the last-applied annotation,
 * a driver's free-form options. `desired` and `live` are the two whole objects the path is followed in.
 */
export function pathHidesValues(path: readonly Segment[], desired: unknown, live: unknown): boolean {
  if (path[0] === 'metadata' && path[1] === 'annotations' && path[2] === LAST_APPLIED) return true;
  let nodes = [desired, live];
  for (const segment of path) {
    if (nodes.some(isCredentialEntry)) return true;
    if (typeof segment === 'string') {
      if (isCredentialName(segment) || FREE_FORM.has(segment)) return true;
    } else if (segment > 0 && nodes.some((node) => Array.isArray(node) && isCredentialFlag(node[segment - 1]))) {
      return true;
    }
    nodes = nodes.map((node) => (isJsonObject(node) || Array.isArray(node) ? (node as Record<Segment, unknown>)[segment] : undefined));
  }
  return false;
}

/**
 * The whole rule for one change: whether its values may be shown. `objectApiVersion`/`objectKind` are the
 * object's; `desired` and `live` the whole normalised objects; `to` and `from` the changed values.
 */
export function mayShowValues(objectApiVersion: string | undefined, objectKind: string | undefined, path: readonly Segment[], desired: unknown, live: unknown, to: unknown, from: unknown): boolean {
  const isLabel = path.length === 3 && path[0] === 'metadata' && path[1] === 'labels';
  if (!isLabel && !kindShowsValues(objectApiVersion, objectKind)) return false;
  return !pathHidesValues(path, desired, live) && !holdsCredential(to) && !holdsCredential(from);
}
