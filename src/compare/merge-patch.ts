import { cloneJson, isJsonObject, type JsonObject } from '../util/json.js';
import { normalizeForComparison } from './normalize.js';
import { isHeldBy } from './subset.js';
import type { KubeObject } from '../model/kube-object.js';

/**
 * RFC 7386 JSON merge patch: objects merge key by key, null deletes a key, anything else (arrays included) replaces.
 * The inputs are not changed.
 */
export function applyMergePatch(target: unknown, patch: unknown): unknown {
  if (!isJsonObject(patch)) return cloneJson(patch);
  const result: JsonObject = isJsonObject(target) ? cloneJson(target) : {};
  for (const [key, value] of Object.entries(patch)) {
    if (value === null) delete result[key];
    else result[key] = applyMergePatch(result[key], value);
  }
  return result;
}

/**
 * The merge patch that makes `live` hold `desired` (isHeldBy): maps are patched key by key, so fields only live has
 * (server defaults, other controllers' labels) stay; an array that differs anywhere is sent whole, as merge patch
 * replaces arrays. It never deletes. undefined when live already holds desired.
 */
export function createMergePatch(desired: JsonObject, live: JsonObject): JsonObject | undefined {
  const patch: JsonObject = {};
  for (const [key, value] of Object.entries(desired)) {
    const current = live[key];
    if (isHeldBy(value, current)) continue;
    if (isJsonObject(value) && isJsonObject(current)) patch[key] = createMergePatch(value, current)!;
    else patch[key] = cloneJson(value);
  }
  return Object.keys(patch).length ? patch : undefined;
}

/**
 * The body of the JSON merge patch `update` sends for an existing object: only the fields where live does not hold
 * desired (the same rule as isUnchanged), arrays whole, maps such as labels and annotations merged key by key.
 * Server-managed metadata (resourceVersion, uid, managedFields...) and status are never in it. The restore labels are:
 * an updated object records which restore last wrote it, as Velero's update policy does. undefined when nothing
 * would change.
 */
export function mergePatchFor(desired: KubeObject, live: KubeObject): JsonObject | undefined {
  return createMergePatch(normalizeForComparison(desired, { keepRestoreLabels: true }), normalizeForComparison(live, { keepRestoreLabels: true }));
}
