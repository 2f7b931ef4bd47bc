import { isJsonObject } from '../util/json.js';
import { normalizeForComparison } from './normalize.js';
import { isHeldBy } from './subset.js';
import { mayShowValues, type Segment } from './value-masking.js';
import type { KubeObject } from '../model/kube-object.js';

/**
 * One field an update would change. Its values are left out and `masked` is set unless the rule in
 * value-masking.ts allows them (built-in kinds on an allow-list, no credential-looking name or value): every
 * consumer (the dry run's log, the job summary, outcomes.json) gets the change already masked.
 */
export interface FieldChange {
  /** `spec.replicas`, `metadata.labels["app.kubernetes.io/name"]`, `spec.template.spec.containers[0].image`. */
  path: string;
  /**
   * `add`: the live object lacks the field; `replace`: it has another value; `remove`: only the live object has it
   * (reported by drift alone, see liveOnlyFields: a restore leaves such fields as they are).
   */
  op: 'add' | 'replace' | 'remove';
  /** The live value (replace, unmasked). */
  from?: unknown;
  /** The backed-up value (unmasked). */
  to?: unknown;
  /** The values are withheld (value-masking.ts); only the path is told. */
  masked?: boolean;
}

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
 * Every changed field is named; values only where mayShowValues allows them, so Secret, ConfigMap and custom
 * resource values, and credential-looking fields of any kind, never appear.
 */
export function diffForUpdate(desired: KubeObject, live: KubeObject): FieldChange[] {
  const changes: FieldChange[] = [];
  const normalizedDesired = normalizeForComparison(desired);
  const normalizedLive = normalizeForComparison(live);
  const show = (path: Segment[], to: unknown, from: unknown) => mayShowValues(desired.apiVersion, desired.kind, path, normalizedDesired, normalizedLive, to, from);
  walk(normalizedDesired, normalizedLive, [], changes, show);
  return changes;
}

type ShowValues = (path: Segment[], to: unknown, from: unknown) => boolean;

function walk(desired: unknown, live: unknown, path: Segment[], out: FieldChange[], show: ShowValues): void {
  if (isHeldBy(desired, live)) return;
  const liveAbsent = live === undefined || live === null;
  if (isJsonObject(desired) && (isJsonObject(live) || liveAbsent)) {
    // A map missing in live is reported key by key, so a new Secret data map still names its keys.
    const liveMap = isJsonObject(live) ? live : {};
    for (const [key, value] of Object.entries(desired)) walk(value, liveMap[key], [...path, key], out, show);
    return;
  }
  if (Array.isArray(desired) && Array.isArray(live) && desired.length === live.length) {
    desired.forEach((item, i) => walk(item, live[i], [...path, i], out, show));
    return;
  }
  const change: FieldChange = { path: formatPath(path), op: liveAbsent ? 'add' : 'replace' };
  if (show(path, desired, liveAbsent ? undefined : live)) {
    if (!liveAbsent) change.from = live;
    change.to = desired;
  } else {
    change.masked = true;
  }
  out.push(change);
}

/**
 * Maps whose keys people add by hand and the API server never fills in: a key only the live object has is a change
 * made since the backup. Elsewhere a live-only field is most often a default the server added, so drift would be
 * noise; isUnchanged ignores live-only fields everywhere, as a restore must.
 */
const USER_KEYED_MAPS: readonly (readonly string[])[] = [['metadata', 'labels'], ['data'], ['binaryData']];

/**
 * The keys of USER_KEYED_MAPS that only the live object has: what a drift report adds to diffForUpdate's changes,
 * so a label or ConfigMap key added live since the backup is drift. Values as diffForUpdate masks them.
 */
export function liveOnlyFields(desired: KubeObject, live: KubeObject): FieldChange[] {
  const normalizedDesired = normalizeForComparison(desired);
  const normalizedLive = normalizeForComparison(live);
  const changes: FieldChange[] = [];
  for (const mapPath of USER_KEYED_MAPS) {
    const liveMap = valueAt(normalizedLive, mapPath);
    if (!isJsonObject(liveMap)) continue;
    const desiredMap = valueAt(normalizedDesired, mapPath);
    for (const [key, value] of Object.entries(liveMap)) {
      if (isJsonObject(desiredMap) && key in desiredMap) continue;
      const path: Segment[] = [...mapPath, key];
      const change: FieldChange = { path: formatPath(path), op: 'remove' };
      if (mayShowValues(desired.apiVersion, desired.kind, path, normalizedDesired, normalizedLive, undefined, value)) change.from = value;
      else change.masked = true;
      changes.push(change);
    }
  }
  return changes;
}

function valueAt(object: unknown, path: readonly string[]): unknown {
  let value = object;
  for (const key of path) value = isJsonObject(value) ? value[key] : undefined;
  return value;
}

/** A change in words for logs and reports; masked values read "changed"/"added"/"only live". */
export function describeChange(change: FieldChange): string {
  if (change.op === 'remove') return change.masked ? `${change.path} only live` : `${change.path}: ${show(change.from)} only live`;
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
