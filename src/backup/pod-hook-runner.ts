import type { Cluster } from '../kube/cluster.js';
import type { Logger } from '../util/logger.js';
import { errorMessage } from '../util/errors.js';
import type { PodHooks } from './collect.js';
import { runPodHooks, type HookRunResult } from '../hooks/run-hooks.js';
import { hooksForPod } from '../hooks/pod-hooks.js';
import type { RunResults } from '../util/run-results.js';
import type { KubeObject } from '../model/kube-object.js';
import type { BackupHooksSpec } from '../hooks/hook-types.js';

/**
 * Whether a pod's post hooks run. A pre hook that started may have frozen something (`fsfreeze --freeze`, a table
 * lock) whatever its outcome, so once one has started the post hooks always run: after the pod is written, after a
 * later pre hook failed and left the pod out, after the backup failed before or while writing it. A pod none of
 * whose pre hooks started gets its post hooks only once it is written, as Velero does. Pure.
 */
export function postHooksDue(preHooksStarted: number, written: boolean): boolean {
  return preHooksStarted > 0 || written;
}

/**
 * Backup hooks as the collector runs them around each pod: pre hooks (none starts once `signal` is aborted: the
 * backup has failed), the write unless a pre hook failed in Fail mode (the pod is then left out), and in a
 * `finally` the post hooks when postHooksDue says so. A failure of the write is rethrown after the post hooks.
 */
export function podHooks(cluster: Pick<Cluster, 'exec'>, spec: BackupHooksSpec, logger: Logger, results: RunResults): PodHooks {
  const record = (pod: KubeObject, outcome: HookRunResult) => {
    const namespace = pod.metadata.namespace;
    for (const message of outcome.errors) {
      results.error(message, namespace);
      logger.error(message);
    }
    for (const message of outcome.warnings) {
      results.warning(message, namespace);
      logger.warn(message);
    }
  };
  const runPost = async (pod: KubeObject, written: boolean) => {
    const podName = `${pod.metadata.namespace}/${pod.metadata.name}`;
    if (!written && hooksForPod(pod, 'post', spec).length > 0) logger.info(`pod ${podName} was not written, but its pre hooks ran: running its post hooks`);
    try {
      record(pod, await runPodHooks(cluster, pod, 'post', spec, logger));
    } catch (err) {
      // Never thrown over the write's own failure; reported like a failed hook.
      record(pod, { ran: 0, errors: [`post hooks of pod ${podName} could not run: ${errorMessage(err)}`], warnings: [] });
    }
  };
  return {
    async around(pod, write, signal) {
      const pre = await runPodHooks(cluster, pod, 'pre', spec, logger, { signal });
      record(pod, pre);
      let written = false;
      try {
        signal.throwIfAborted();
        if (pre.errors.length > 0) {
          logger.warn(`pod ${pod.metadata.namespace}/${pod.metadata.name} is left out of the backup: a pre hook failed`);
          return false;
        }
        await write();
        written = true;
        return true;
      } finally {
        if (postHooksDue(pre.ran, written)) await runPost(pod, written);
      }
    }
  };
}
