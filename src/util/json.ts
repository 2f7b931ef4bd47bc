/**
 * Small helpers for Kubernetes objects moved as raw JSON (KubeObject): plain-object tests, deep equality and
 * deep copies. Shared by the restore transforms and comparisons, which must never mutate their input.
 */

export type JsonObject = Record<string, unknown>;

export function isJsonObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** A deep copy of JSON data (what a backed-up item is); structuredClone keeps no prototype surprises. */
export function cloneJson<T>(value: T): T {
  return structuredClone(value);
}

/** Deep equality of JSON values: key order does not matter, array order does. */
export function jsonEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (Array.isArray(a)) {
    return Array.isArray(b) && a.length === b.length && a.every((item, i) => jsonEqual(item, b[i]));
  }
  if (isJsonObject(a) && isJsonObject(b)) {
    const keys = Object.keys(a);
    return keys.length === Object.keys(b).length && keys.every((k) => Object.hasOwn(b, k) && jsonEqual(a[k], b[k]));
  }
  return false;
}

/** The object at `path`, or undefined when a segment is missing or not an object. */
export function objectAt(root: JsonObject, path: readonly string[]): JsonObject | undefined {
  let current: JsonObject = root;
  for (const key of path) {
    const next = current[key];
    if (!isJsonObject(next)) return undefined;
    current = next;
  }
  return current;
}
