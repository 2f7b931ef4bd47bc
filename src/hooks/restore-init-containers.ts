import { ruleSelectsPod } from './pod-hooks.js';
import { isJsonObject as isMapping } from '../util/json.js';
import { initContainerFromAnnotations } from './restore-annotations.js';
import type { KubeObject } from '../model/kube-object.js';
import type { RestoreHooksSpec } from './hook-types.js';

export interface InitContainerInjection {
  /** The pod to create: the same object when nothing was added, else a copy (the input is never changed). */
  pod: KubeObject;
  /** Names of the init containers added, in the order they run. */
  added: readonly string[];
  /** Why an init hook was not applied as written; the pod is still restored (a warning of the restore). */
  problems: readonly string[];
}

interface WantedContainer {
  container: Record<string, unknown>;
  /** How messages name where it came from. */
  source: string;
}

const NONE: readonly string[] = Object.freeze([]);

/**
 * The restored pod (already transformed, namespace mapped) with its restore-hook init containers put first, before
 * its own init containers, as Velero does, so they prepare restored data before anything of the workload starts.
 * The pod's `init.hook.restore.velero.io/*` annotations, when they name an image, give the only one; otherwise every
 * init hook of every spec rule selecting the pod, rules in order. Rules match the pod's restored (target) namespace,
 * as Velero does since issue 4720. Pure.
 */
export function withRestoreInitContainers(pod: KubeObject, spec: RestoreHooksSpec): InitContainerInjection {
  const fromAnnotations = initContainerFromAnnotations(pod);
  if (fromAnnotations === undefined && spec.resources.length === 0) return { pod, added: NONE, problems: NONE };

  const problems: string[] = [];
  let wanted: WantedContainer[];
  if (fromAnnotations && 'container' in fromAnnotations) {
    wanted = [{ container: fromAnnotations.container, source: 'pod annotations' }];
  } else {
    if (fromAnnotations) problems.push(fromAnnotations.problem);
    wanted = wantedFromSpec(pod, spec);
  }
  if (wanted.length === 0) return { pod, added: NONE, problems };

  const podSpec = isMapping(pod.spec) ? pod.spec : {};
  const ownInit = Array.isArray(podSpec.initContainers) ? (podSpec.initContainers as unknown[]) : [];
  const taken = containersByName([...ownInit, ...(Array.isArray(podSpec.containers) ? (podSpec.containers as unknown[]) : [])]);
  const toAdd: Record<string, unknown>[] = [];
  for (const { container, source } of wanted) {
    const name = container.name as string;
    const existing = taken.get(name);
    if (existing) {
      // The same hook container already there: a pod backed up after an earlier restore with this hook. Adding it
      // again would only make the API refuse the pod for a duplicate name.
      if (!sameHookContainer(existing, container)) problems.push(`init container '${name}' from ${source} is not added: the pod already has a container of that name`);
      continue;
    }
    taken.set(name, container);
    toAdd.push(structuredClone(container));
  }
  if (toAdd.length === 0) return { pod, added: NONE, problems };
  return {
    pod: { ...pod, spec: { ...podSpec, initContainers: [...toAdd, ...ownInit] } },
    added: toAdd.map((c) => c.name as string),
    problems
  };
}

function wantedFromSpec(pod: KubeObject, spec: RestoreHooksSpec): WantedContainer[] {
  const wanted: WantedContainer[] = [];
  for (const rule of spec.resources) {
    if (!rule.postHooks.some((hook) => hook.init) || !ruleSelectsPod(rule, pod)) continue;
    for (const hook of rule.postHooks) {
      for (const container of hook.init?.initContainers ?? []) wanted.push({ container, source: `restore hook rule '${rule.name}'` });
    }
  }
  return wanted;
}

function containersByName(containers: unknown[]): Map<string, Record<string, unknown>> {
  const byName = new Map<string, Record<string, unknown>>();
  for (const container of containers) if (isMapping(container) && typeof container.name === 'string') byName.set(container.name, container);
  return byName;
}

/** Same image and command: the API server's defaults (pull policy, termination message path...) may differ. */
function sameHookContainer(existing: Record<string, unknown>, wanted: Record<string, unknown>): boolean {
  return existing.image === wanted.image && JSON.stringify(existing.command ?? null) === JSON.stringify(wanted.command ?? null);
}
