import { setTimeout as sleep } from 'node:timers/promises';
import { resolveHookContainer, ruleSelectsPod } from './pod-hooks.js';
import { execHookCommand } from './run-hooks.js';
import type { Cluster } from '../kube/cluster.js';
import { formatGoDuration } from '../util/duration.js';
import { errorMessage } from '../util/errors.js';
import type { Logger } from '../util/logger.js';
import { execHookFromAnnotations } from './restore-annotations.js';
import { containerUp, podPhase } from './container-state.js';
import type { KubeObject } from '../model/kube-object.js';
import type { RestoreExecHook, RestoreHooksSpec } from './hook-types.js';
import type { ResourceRef } from '../model/resource-ref.js';

/** One exec hook to run in one restored pod. */
export interface PlannedRestoreExecHook {
  /** 'annotation', or the name of the spec rule it came from. */
  source: string;
  /** How messages name it: `from annotations`, `'reload'[1]` (index in the rule's postHooks). */
  label: string;
  hook: RestoreExecHook;
  /** The container it runs in, resolved from the pod ('' when `problem` says none could be). */
  container: string;
  /** Why the hook cannot run as written: it fails at once under its on-error, without waiting. */
  problem?: string;
}

export interface RestoreExecHookResult {
  /** Hooks whose command was started in a container. */
  ran: number;
  /** Failures of on-error Fail hooks: errors of the restore for this pod. */
  errors: string[];
  /** Failures of on-error Continue hooks. */
  warnings: string[];
}

export interface RunRestoreExecHooksOptions {
  /** How often the pod is read while waiting for its containers; 1s by default. */
  pollIntervalMs?: number;
  /** The wait when a hook gives no wait-timeout (Velero waits without end); 10m by default. */
  defaultWaitTimeoutMs?: number;
  /** The run's clock, on which the waits are measured; the time of day by default. */
  clock?: () => Date;
}

const PODS: ResourceRef = { group: '', version: 'v1', resource: 'pods', namespaced: true };
const DEFAULT_POLL_INTERVAL_MS = 1000;
export const DEFAULT_WAIT_LIMIT_MS = 10 * 60_000;

/** Shared and frozen: most restored pods have no exec hooks, and asking must not allocate. */
const NO_HOOKS: readonly PlannedRestoreExecHook[] = Object.freeze([]);

/**
 * The exec hooks a restored pod gets, Velero's way: a hook in its `post.hook.restore.velero.io/*` annotations is the
 * only one; otherwise every exec hook of every spec rule selecting the pod, rules in order, hooks in order. Rules
 * match the pod as restored (target namespace). Pure; `pod` is the desired pod, annotations included.
 */
export function restoreExecHooksFor(pod: KubeObject, spec: RestoreHooksSpec): readonly PlannedRestoreExecHook[] {
  const fromAnnotations = execHookFromAnnotations(pod.metadata.annotations);
  if (fromAnnotations) return [plan(pod, 'annotation', 'from annotations', fromAnnotations.hook, fromAnnotations.problem)];
  if (spec.resources.length === 0) return NO_HOOKS;

  let planned: PlannedRestoreExecHook[] | undefined;
  for (const rule of spec.resources) {
    if (!rule.postHooks.some((hook) => hook.exec) || !ruleSelectsPod(rule, pod)) continue;
    rule.postHooks.forEach(({ exec }, i) => {
      if (exec) (planned ??= []).push(plan(pod, rule.name, `'${rule.name}'[${i}]`, exec));
    });
  }
  return planned ?? NO_HOOKS;
}

function plan(pod: KubeObject, source: string, label: string, hook: RestoreExecHook, problem?: string): PlannedRestoreExecHook {
  const resolved = resolveHookContainer(pod, hook.container);
  const problems = [problem, resolved.problem].filter((p) => p !== undefined);
  return { source, label, hook, container: resolved.container, ...(problems.length ? { problem: problems.join('; ') } : {}) };
}

/**
 * Runs a restored pod's exec hooks once their containers are up, as Velero's wait-exec handler does: the pod is read
 * every pollIntervalMs (not watched) until each hook's container is running (Ready, if any of its hooks waits for
 * ready), then that container's hooks run in order with their exec-timeout. A container still not up when the longest
 * wait-timeout of its hooks has passed (or the default limit, when one of them gives none), a pod that is gone or has
 * finished, an exec error, a non-zero exit: each fails the hook, a warning under on-error Continue, and under Fail an
 * error that also leaves the pod's remaining hooks unrun. A hook with a problem fails at once, before any waiting.
 * Of a hook's output the log gets only its size, and a failure's message the masked last line of its stderr
 * (hooks/hook-output.ts); failures are returned, not logged. Commands are never logged or put in messages.
 */
export async function runRestoreExecHooks(
  cluster: Pick<Cluster, 'get' | 'exec'>,
  pod: KubeObject | { namespace: string; name: string },
  hooks: readonly PlannedRestoreExecHook[],
  logger: Logger,
  options: RunRestoreExecHooksOptions = {}
): Promise<RestoreExecHookResult> {
  const result: RestoreExecHookResult = { ran: 0, errors: [], warnings: [] };
  if (hooks.length === 0) return result;
  const { namespace, name } = 'metadata' in pod ? { namespace: pod.metadata.namespace ?? '', name: pod.metadata.name ?? '' } : pod;
  const podName = `${namespace}/${name}`;
  const pollIntervalMs = options.pollIntervalMs ?? DEFAULT_POLL_INTERVAL_MS;
  const defaultWaitMs = options.defaultWaitTimeoutMs ?? DEFAULT_WAIT_LIMIT_MS;
  const clock = options.clock ?? (() => new Date());
  const now = () => clock().getTime();

  let unrun = hooks.length;
  let stopped = false;
  /** Counts the hook as done, files its failure by its on-error; a Fail stops the rest. */
  const settle = (step: PlannedRestoreExecHook, failure: string | undefined) => {
    unrun--;
    const where = `post-restore hook ${step.label} on pod ${podName}${step.container ? ` (container ${step.container})` : ''}`;
    if (failure === undefined) logger.info(`${where} succeeded`);
    else if (step.hook.onError === 'Continue') result.warnings.push(`${where} failed (on-error Continue): ${failure}`);
    else {
      result.errors.push(`${where} failed: ${failure}${unrun ? `; ${unrun} remaining post-restore hook(s) of this pod not run` : ''}`);
      stopped = true;
    }
  };

  for (const step of hooks) {
    if (step.problem !== undefined && !stopped) settle(step, step.problem);
  }
  const waiting = groupByContainer(hooks.filter((step) => step.problem === undefined), now(), defaultWaitMs);
  if (!stopped && waiting.size > 0) {
    const containers = [...waiting.keys()].join(', ');
    logger.debug(`waiting for container(s) ${containers} of pod ${podName} to run its ${unrun} post-restore hook(s)`);
  }

  while (!stopped && waiting.size > 0) {
    let current: KubeObject | undefined;
    let readError: string | undefined;
    try {
      current = await cluster.get(PODS, name, namespace);
    } catch (err) {
      // Passing trouble with the API server: keep polling until the wait runs out.
      readError = errorMessage(err);
    }
    if (readError === undefined && current === undefined) {
      failAll(waiting, 'the pod no longer exists (deleted before its hooks ran)');
      break;
    }
    const phase = current && podPhase(current);
    if (phase === 'Succeeded' || phase === 'Failed') {
      failAll(waiting, `the pod is ${phase}: it finished before its hooks ran`);
      break;
    }
    for (const [container, group] of waiting) {
      const state = current ? containerUp(current, container, group.waitForReady) : { up: false, state: `unknown (reading the pod failed: ${readError})` };
      if (state.up) {
        waiting.delete(container);
        await runGroup(group);
      } else if (now() >= group.deadline) {
        waiting.delete(container);
        const awaited = group.waitForReady ? 'Ready' : 'running';
        const limit = group.waitLimited ? `the wait-timeout of ${duration(group.deadline - group.start)}` : `${duration(defaultWaitMs)} (no wait-timeout was given)`;
        for (const step of group.steps) if (!stopped) settle(step, `timed out waiting for the container to be ${awaited}: still ${state.state} after ${limit}`);
      }
      if (stopped) break;
    }
    if (stopped || waiting.size === 0) break;
    const nearest = Math.min(...[...waiting.values()].map((g) => g.deadline));
    await sleep(Math.max(0, Math.min(pollIntervalMs, nearest - now())));
  }
  return result;

  function failAll(groups: Map<string, ContainerHooks>, failure: string): void {
    for (const group of groups.values()) for (const step of group.steps) if (!stopped) settle(step, failure);
  }

  async function runGroup(group: ContainerHooks): Promise<void> {
    for (const step of group.steps) {
      if (stopped) return;
      // Velero's check: a hook whose own wait-timeout passed while its container came up (or an earlier hook ran) expires.
      const waited = now() - group.start;
      if (step.hook.waitTimeoutMs && waited > step.hook.waitTimeoutMs) {
        settle(step, `expired before it could run: its wait-timeout of ${duration(step.hook.waitTimeoutMs)} passed while waiting`);
        continue;
      }
      result.ran++;
      const target = { namespace, pod: name, container: step.container };
      settle(step, await execHookCommand(cluster, target, step.hook.command, step.hook.execTimeoutMs, `[${podName} post-restore ${step.label}]`, logger));
    }
  }
}

interface ContainerHooks {
  steps: PlannedRestoreExecHook[];
  waitForReady: boolean;
  start: number;
  deadline: number;
  /** Whether every hook gave a wait-timeout (else the deadline is the default limit). */
  waitLimited: boolean;
}

/** Hooks by container, containers in the order their first hook comes; each waits as long as its most patient hook. */
function groupByContainer(steps: PlannedRestoreExecHook[], start: number, defaultWaitMs: number): Map<string, ContainerHooks> {
  const groups = new Map<string, ContainerHooks>();
  for (const step of steps) {
    let group = groups.get(step.container);
    if (!group) groups.set(step.container, (group = { steps: [], waitForReady: false, start, deadline: start, waitLimited: true }));
    group.steps.push(step);
    group.waitForReady ||= step.hook.waitForReady;
    group.waitLimited &&= step.hook.waitTimeoutMs !== undefined;
  }
  for (const group of groups.values()) {
    group.deadline = start + (group.waitLimited ? Math.max(...group.steps.map((s) => s.hook.waitTimeoutMs!)) : defaultWaitMs);
  }
  return groups;
}

/** Go's spelling for whole seconds (`1m30s`), milliseconds otherwise. */
function duration(ms: number): string {
  return ms % 1000 === 0 ? formatGoDuration(ms) : `${ms}ms`;
}
