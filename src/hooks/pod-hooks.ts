import { globMatcher } from '../util/glob.js';
import { annotationHook } from './annotations.js';
import type { KubeObject } from '../model/kube-object.js';
import { matchesLabelSelector } from '../kube/label-selector.js';
import { resolveResourceName, type ScopedResource } from '../kube/resources.js';
import type { BackupHooksSpec, ExecHook, HookPhase, HookRuleSelection } from './hook-types.js';


/** One hook to run on one pod, in order. */
export interface PlannedHook {
  /** 'annotation', or the name of the spec rule it came from. */
  source: string;
  /** How messages name it: `from annotations`, `'freeze-db'[1]`. */
  label: string;
  hook: ExecHook;
  /** The container it runs in, resolved from the pod ('' when `problem` says none could be). */
  container: string;
  /** Why the hook cannot run as written; running it then counts as a failure under hook.onError, at its place in the order. */
  problem?: string;
}

/** Shared and frozen: most pods have no hooks, and asking must not allocate. */
const NO_HOOKS: readonly PlannedHook[] = Object.freeze([]);

/**
 * The hooks a pod gets in one phase, Velero's way: a hook in the pod's annotations for this phase is the only one;
 * otherwise every exec hook of every spec rule that selects the pod, rules in order, hooks in order. Pure.
 */
export function hooksForPod(pod: KubeObject, phase: HookPhase, spec: BackupHooksSpec): readonly PlannedHook[] {
  const fromAnnotations = annotationHook(pod.metadata.annotations, phase);
  if (fromAnnotations) return [plan(pod, 'annotation', 'from annotations', fromAnnotations.hook, fromAnnotations.problem)];
  if (spec.resources.length === 0) return NO_HOOKS;

  let planned: PlannedHook[] | undefined;
  for (const rule of spec.resources) {
    const hooks = rule[phase];
    if (hooks.length === 0 || !ruleSelectsPod(rule, pod)) continue;
    planned ??= [];
    hooks.forEach((hook, i) => planned!.push(plan(pod, rule.name, `'${rule.name}'[${i}]`, hook)));
  }
  return planned ?? NO_HOOKS;
}

function plan(pod: KubeObject, source: string, label: string, hook: ExecHook, problem?: string): PlannedHook {
  const resolved = resolveHookContainer(pod, hook.container);
  const problems = [problem, resolved.problem].filter((p) => p !== undefined);
  return { source, label, hook, container: resolved.container, ...(problems.length ? { problem: problems.join('; ') } : {}) };
}

interface ContainerSpec {
  name?: string;
  restartPolicy?: string;
}

/**
 * The named container, or the pod's first one when none is named. Native sidecars (init containers that restart
 * Always) run alongside the others, so newer Velero accepts them too; plain init containers have exited by now.
 */
export function resolveHookContainer(pod: KubeObject, wanted: string | undefined): { container: string; problem?: string } {
  const spec = (pod.spec ?? {}) as { containers?: ContainerSpec[]; initContainers?: ContainerSpec[] };
  const names = (spec.containers ?? []).map((c) => c.name ?? '');
  if (!wanted) return names[0] ? { container: names[0] } : { container: '', problem: 'the pod has no containers' };
  const sidecar = (spec.initContainers ?? []).some((c) => c.name === wanted && c.restartPolicy === 'Always');
  if (names.includes(wanted) || sidecar) return { container: wanted };
  return { container: '', problem: `no container '${wanted}' in the pod (its containers: ${names.join(', ') || 'none'})` };
}

interface CompiledRule {
  appliesToPods: boolean;
  namespaceIncluded: (namespace: string) => boolean;
  namespaceExcluded: (namespace: string) => boolean;
}

/** Compiled once per rule, not per pod: globs compile to regular expressions, and a backup may hold many pods. */
const compiledRules = new WeakMap<HookRuleSelection, CompiledRule>();

/** Whether a rule (backup or restore) selects the pod by its namespace, pods being in its resources, and its labels. */
export function ruleSelectsPod(rule: HookRuleSelection, pod: KubeObject): boolean {
  let compiled = compiledRules.get(rule);
  if (!compiled) {
    compiled = compile(rule);
    compiledRules.set(rule, compiled);
  }
  const namespace = pod.metadata.namespace ?? '';
  return (
    compiled.appliesToPods &&
    compiled.namespaceIncluded(namespace) &&
    !compiled.namespaceExcluded(namespace) &&
    (rule.labelSelector === undefined || matchesLabelSelector(rule.labelSelector, pod.metadata.labels))
  );
}

/** Core pods as discovery describes them, so rule resource names resolve exactly as include-resources does. */
const PODS: readonly ScopedResource[] = [
  {
    resource: { group: '', version: 'v1', name: 'pods', kind: 'Pod', singularName: 'pod', namespaced: true, verbs: [], shortNames: ['po'] },
    groupResource: 'pods',
    otherVersions: []
  }
];

function compile(rule: HookRuleSelection): CompiledRule {
  const namesPods = (names: string[]) => names.some((name) => resolveResourceName(name, PODS).length > 0);
  return {
    // Velero's IncludesExcludes: an empty include list includes everything; an exclusion always wins.
    appliesToPods: (rule.includedResources.length === 0 || namesPods(rule.includedResources)) && !namesPods(rule.excludedResources),
    namespaceIncluded: globMatcher(rule.includedNamespaces.length ? rule.includedNamespaces : ['*']),
    namespaceExcluded: globMatcher(rule.excludedNamespaces)
  };
}
