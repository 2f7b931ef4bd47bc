import type { Operation } from 'fast-json-patch';
import type { LabelSelector } from '../kube/label-selector.js';

/**
 * Velero's resource modifiers (internal/resourcemodifiers), parsed and checked once: a list of rules, each with
 * conditions on the backed-up item and one kind of patch. Functions stand in for compiled globs.
 */
export interface ResourceModifiers {
  rules: ResourceModifierRule[];
}

export interface ResourceModifierRule {
  /** Position in resourceModifierRules, for messages. */
  index: number;
  conditions: ModifierConditions;
  patch: ModifierPatch;
}

export interface ModifierConditions {
  /** As written (`persistentvolumeclaims`, `*.apps`), for messages. */
  groupResource: string;
  matchesGroupResource: (groupResource: string) => boolean;
  /** Empty: every namespace. Globs. Cluster-scoped items are not held to it (Velero). */
  namespaces: string[];
  matchesNamespace: (namespace: string) => boolean;
  resourceNameRegex?: RegExp;
  labelSelector?: LabelSelector;
  /** JSON pointer tests that must all hold on the item (Velero turns them into JSON patch `test` operations). */
  matches: { path: string; value: unknown }[];
}

/** One rule applies JSON patches (RFC 6902) or JSON merge patches (RFC 7386); Velero picks the first kind a rule gives. */
export type ModifierPatch = { kind: 'json'; operations: Operation[] } | { kind: 'merge'; documents: unknown[] };
