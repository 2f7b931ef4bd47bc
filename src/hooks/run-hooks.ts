import type { Cluster, ExecResult, ExecTarget } from '../kube/cluster.js';
import { errorMessage } from '../util/errors.js';
import type { Logger } from '../util/logger.js';
import { hooksForPod, type PlannedHook } from './pod-hooks.js';
import { exitFailure, maskCredentials, outputSizes } from './hook-output.js';
import type { KubeObject } from '../model/kube-object.js';
import type { BackupHooksSpec, HookPhase } from './hook-types.js';

export interface HookRunResult {
  /** Hooks whose command was started in a container. */
  ran: number;
  /** Failures of on-error Fail hooks: for a pre hook, the caller leaves the pod out and the backup is PartiallyFailed. */
  errors: readonly string[];
  /** Failures of on-error Continue hooks. */
  warnings: readonly string[];
}

export interface RunPodHooksOptions {
  /**
   * Once aborted (the backup failed), no further hook of the phase starts; one already running finishes. For pre
   * hooks only: post hooks undo what pre hooks did and always run to the end.
   */
  signal?: AbortSignal;
}

/** Shared and frozen: the answer for the many pods without hooks costs nothing. */
const NOTHING_RAN: HookRunResult = Object.freeze({ ran: 0, errors: Object.freeze([]), warnings: Object.freeze([]) });

/**
 * Runs a pod's hooks of one phase in order. A failure (problem in the hook, pod not Running, exec error, non-zero exit,
 * timeout) is a warning under on-error Continue, and under Fail an error that also stops the phase's remaining hooks.
 * Of the hook's output only its size is logged, and a failure's masked last line of stderr is in its message
 * (hook-output.ts has the rule); failures are returned, not logged, so the caller reports each once.
 * Commands are never logged or put in messages: they may carry credentials.
 */
export async function runPodHooks(
  cluster: Pick<Cluster, 'exec'>,
  pod: KubeObject,
  phase: HookPhase,
  spec: BackupHooksSpec,
  logger: Logger,
  options: RunPodHooksOptions = {}
): Promise<HookRunResult> {
  const planned = hooksForPod(pod, phase, spec);
  if (planned.length === 0) return NOTHING_RAN;

  const namespace = pod.metadata.namespace ?? '';
  const podName = `${namespace}/${pod.metadata.name ?? ''}`;
  const podPhase = (pod.status as { phase?: string } | undefined)?.phase;
  // Velero skips hooks of pods that have finished (PR 5211): nothing runs there to freeze or thaw, and such a pod is
  // still backed up. Other phases it tries to exec and fails; here that failure is named without the round trip.
  if (podPhase === 'Succeeded' || podPhase === 'Failed') {
    logger.info(`pod ${podName} is ${podPhase}: its ${planned.length} ${phase} hook(s) are skipped`);
    return NOTHING_RAN;
  }
  const notRunning = podPhase === 'Running' ? undefined : `the pod is ${podPhase ?? 'in no phase'}, not Running`;

  let ran = 0;
  const errors: string[] = [];
  const warnings: string[] = [];
  for (const [index, step] of planned.entries()) {
    if (options.signal?.aborted) {
      logger.info(`pod ${podName}: ${planned.length - index} ${phase} hook(s) not started, the backup has failed`);
      break;
    }
    const where = `${phase} hook ${step.label} on pod ${podName}${step.container ? ` (container ${step.container})` : ''}`;
    let failure = step.problem ?? notRunning;
    if (failure === undefined) {
      ran++;
      failure = await execHook(cluster, { namespace, pod: pod.metadata.name ?? '', container: step.container }, step, `[${podName} ${phase} ${step.label}]`, logger);
    }
    if (failure === undefined) {
      logger.info(`${where} succeeded`);
      continue;
    }
    if (step.hook.onError === 'Continue') {
      warnings.push(`${where} failed (on-error Continue): ${failure}`);
      continue;
    }
    const skipped = planned.length - index - 1;
    errors.push(`${where} failed: ${failure}${skipped ? `; ${skipped} later ${phase} hook(s) of this pod not run` : ''}`);
    break;
  }
  return { ran, errors, warnings };
}

async function execHook(cluster: Pick<Cluster, 'exec'>, target: ExecTarget, step: PlannedHook, tag: string, logger: Logger): Promise<string | undefined> {
  return execHookCommand(cluster, target, step.hook.command, step.hook.timeoutMs, tag, logger);
}

/**
 * Runs one hook command in a container: undefined on success, else what went wrong (without the command, and of its
 * output only the masked last line of stderr). The log gets one line, prefixed with `tag`: the exit code and the
 * output's size, never the output (see hook-output.ts). Shared with restore exec hooks.
 */
export async function execHookCommand(cluster: Pick<Cluster, 'exec'>, target: ExecTarget, command: string[], timeoutMs: number, tag: string, logger: Logger): Promise<string | undefined> {
  let result: ExecResult | 'timeout';
  try {
    result = await execWithin(cluster, target, command, timeoutMs);
  } catch (err) {
    return `could not exec: ${maskCredentials(withoutCommand(errorMessage(err), command))}`;
  }
  if (result === 'timeout') return `timed out after ${timeoutMs / 1000}s (the command may still be running in the container)`;
  logger.info(`${tag} exited with code ${result.exitCode} (${outputSizes(result.stdout, result.stderr)})`);
  return exitFailure(result.exitCode, result.stderr);
}

/**
 * The exec, or 'timeout' once timeoutMs has passed. Our timer starts before the cluster's (which only starts once the
 * connection is up), so a timeout is reported here in our words; the cluster's later rejection closes the socket and
 * is dropped. Kubernetes cannot kill the process in the container, as Velero's docs note too.
 */
async function execWithin(cluster: Pick<Cluster, 'exec'>, target: ExecTarget, command: string[], timeoutMs: number): Promise<ExecResult | 'timeout'> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<'timeout'>((resolve) => {
    timer = setTimeout(() => resolve('timeout'), timeoutMs);
  });
  const exec = cluster.exec(target, command, { timeoutMs });
  exec.catch(() => undefined);
  try {
    return await Promise.race([exec, deadline]);
  } finally {
    clearTimeout(timer);
  }
}

/** Exec errors may quote the argv (the exec adapter's own timeout message does); a hook command can hold a password. */
function withoutCommand(message: string, command: string[]): string {
  return message.split(JSON.stringify(command)).join('<hook command>');
}
