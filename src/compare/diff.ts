import { isJsonObject } from '../util/json.js';
import { normalizeForComparison } from './normalize.js';
import { isHeldBy } from './subset.js';
import type { KubeObject } from '../model/kube-object.js';

/** One field an update would change. For Secret data, from/to are left out and `masked` is set. */
export interface FieldChange {
  /** `spec.replicas`, `metadata.labels["app.kubernetes.io/name"]`, `spec.template.spec.containers[0].image`. */
  path: string;
  /** `add`: the live object lacks the field; `replace`: it has another value. */
  op: 'add' | 'replace';
  /** The live value (replace, unmasked). */
  from?: unknown;
  to?: unknown;
  masked?: boolean;
}

/** kubectl apply keeps the whole applied object here, Secret data included. */
const LAST_APPLIED = 'kubectl.kubernetes.io/last-applied-configuration';

/**
 * Whether an existing object already is what the restore would create: every field of `desired` (the item after
 * transformForRestore) is present and equal in `live` (isHeldBy), after both lose server-managed fields
 * (normalizeForComparison). Fields only the live object has, such as defaults the API server filled in, an
 * assigned clusterIP or nodePort, or a bound PVC's volumeName, are no difference. True exactly when
 * diffForUpdate is empty.
 */
export function isUnchanged(desired: KubeObject, live: KubeObject): boolean {
  return isHeldBy(normalizeForComparison(desired), normalizeForComparison(live));
}

/**
 * The changes `update` (a JSON merge patch of desired onto live, see mergePatchFor) would make, field by field.
 * Secret values never appear: a changed data or stringData key is named with masked set, and so is kubectl's
 * last-applied annotation, which holds them too.
 */
export function diffForUpdate(desired: KubeObject, live: KubeObject): FieldChange[] {
  const changes: FieldChange[] = [];
  const secret = desired.kind === 'Secret' && (desired.apiVersion ?? 'v1') === 'v1';
  walk(normalizeForComparison(desired), normalizeForComparison(live), [], changes, secret);
  return changes;
}

type Segment = string | number;

function walk(desired: unknown, live: unknown, path: Segment[], out: FieldChange[], secret: boolean): void {
  if (isHeldBy(desired, live)) return;
  const liveAbsent = live === undefined || live === null;
  if (isJsonObject(desired) && (isJsonObject(live) || liveAbsent)) {
    // A map missing in live is reported key by key, so a new Secret data map still names its keys.
    const liveMap = isJsonObject(live) ? live : {};
    for (const [key, value] of Object.entries(desired)) walk(value, liveMap[key], [...path, key], out, secret);
    return;
  }
  if (Array.isArray(desired) && Array.isArray(live) && desired.length === live.length) {
    desired.forEach((item, i) => walk(item, live[i], [...path, i], out, secret));
    return;
  }
  const change: FieldChange = { path: formatPath(path), op: liveAbsent ? 'add' : 'replace' };
  if (secret && isSecretValue(path)) {
    change.masked = true;
  } else {
    if (!liveAbsent) change.from = live;
    change.to = desired;
  }
  out.push(change);
}

function isSecretValue(path: Segment[]): boolean {
  return path[0] === 'data' || path[0] === 'stringData' || (path[0] === 'metadata' && path[1] === 'annotations' && path[2] === LAST_APPLIED);
}

/** A change in words for logs and reports; masked values read "changed"/"added". */
export function describeChange(change: FieldChange): string {
  if (change.masked) return `${change.path} ${change.op === 'add' ? 'added' : 'changed'}`;
  return `${change.path}: ${change.op === 'add' ? '(unset)' : show(change.from)} → ${show(change.to)}`;
}

function show(value: unknown): string {
  const text = JSON.stringify(value);
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}

const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]*$/;

function formatPath(path: Segment[]): string {
  let text = '';
  for (const segment of path) {
    if (typeof segment === 'number') text += `[${segment}]`;
    else if (IDENTIFIER.test(segment)) text += text ? `.${segment}` : segment;
    else text += `[${JSON.stringify(segment)}]`;
  }
  return text;
}
