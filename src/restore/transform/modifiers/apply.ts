import jsonpatch from 'fast-json-patch';
import { cloneJson, isJsonObject, jsonEqual } from '../../../util/json.js';
import { applyMergePatch } from '../../../compare/merge-patch.js';
import type { ModifierConditions, ModifierPatch, ResourceModifiers } from '../../../settings/resource-modifier-rules.js';
import type { KubeObject } from '../../../model/kube-object.js';
import { matchesLabelSelector } from '../../../kube/label-selector.js';

export interface ModifierOutcome {
  object: KubeObject;
  /** Indexes of the rules whose patch changed or tested the object (matched and applied without error). */
  applied: number[];
  /** One message per failing rule; Velero fails the item then. */
  errors: string[];
}

/**
 * Velero's ApplyResourceModifierRules: every rule is matched against the item as it was before any rule changed it
 * (Velero keeps that copy since its issue 7714, so `a→b` then `b→c` does not turn a into c), and the matching rules
 * patch it in order. A JSON patch whose `test` operation fails is skipped whole, without error (Velero's conditional
 * patches); any other failure leaves the item as it was and is reported. The input is not changed.
 */
export function applyResourceModifiers(object: KubeObject, groupResource: string, modifiers: ResourceModifiers): ModifierOutcome {
  const origin = cloneJson(object);
  let current = cloneJson(object);
  const applied: number[] = [];
  const errors: string[] = [];
  for (const rule of modifiers.rules) {
    if (!conditionsHold(rule.conditions, origin, groupResource)) continue;
    try {
      const next = applyPatch(current, rule.patch);
      if (!isJsonObject(next) || !isJsonObject(next.metadata)) throw new Error('the patch left the item without metadata');
      current = next as KubeObject;
      applied.push(rule.index);
    } catch (err) {
      if (err instanceof jsonpatch.JsonPatchError && err.name === 'TEST_OPERATION_FAILED') continue;
      errors.push(`resource modifier rule ${rule.index} (${rule.conditions.groupResource}): ${firstLine(err)}`);
    }
  }
  return { object: current, applied, errors };
}

function applyPatch(object: KubeObject, patch: ModifierPatch): unknown {
  if (patch.kind === 'json') return jsonpatch.applyPatch(cloneJson(object), patch.operations, true, true).newDocument;
  return patch.documents.reduce<unknown>((doc, merge) => applyMergePatch(doc, merge), object);
}

/**
 * Velero's rule.match. Namespaces are those of the backup (Velero applies modifiers before the namespace mapping),
 * and bind only namespaced items; the name regex is unanchored, as Go's MatchString.
 */
export function conditionsHold(conditions: ModifierConditions, object: KubeObject, groupResource: string): boolean {
  const namespace = object.metadata.namespace;
  if (namespace && !conditions.matchesNamespace(namespace)) return false;
  if (!conditions.matchesGroupResource(groupResource)) return false;
  if (conditions.resourceNameRegex && !conditions.resourceNameRegex.test(object.metadata.name ?? '')) return false;
  if (conditions.labelSelector && !matchesLabelSelector(conditions.labelSelector, object.metadata.labels)) return false;
  // A missing path or a different value is "no match", as Velero treats failed test operations.
  return conditions.matches.every(({ path, value }) => {
    const found = resolvePointer(object, path);
    return found.exists && jsonEqual(found.value, value);
  });
}

/** RFC 6901 lookup. */
export function resolvePointer(document: unknown, pointer: string): { exists: boolean; value?: unknown } {
  let current = document;
  for (const raw of pointer.split('/').slice(1)) {
    const key = raw.replaceAll('~1', '/').replaceAll('~0', '~');
    if (Array.isArray(current)) {
      if (!/^(0|[1-9]\d*)$/.test(key) || Number(key) >= current.length) return { exists: false };
      current = current[Number(key)];
    } else if (isJsonObject(current) && Object.hasOwn(current, key)) {
      current = current[key];
    } else {
      return { exists: false };
    }
  }
  return { exists: true, value: current };
}

function firstLine(err: unknown): string {
  return (err instanceof Error ? err.message : String(err)).split('\n')[0]!;
}
