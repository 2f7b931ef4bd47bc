import type { Cluster } from '../kube/cluster.js';
import type { Logger } from '../util/logger.js';
import type { PodHooks } from './collect.js';
import { runPodHooks, type HookRunResult } from '../hooks/run-hooks.js';
import type { RunResults } from '../util/run-results.js';
import type { KubeObject } from '../model/kube-object.js';
import type { BackupHooksSpec } from '../hooks/hook-types.js';

/** Backup hooks as the collector sees them: a pre-hook failure in Fail mode leaves the pod out of the backup. */
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
  return {
    async before(pod) {
      const outcome = await runPodHooks(cluster, pod, 'pre', spec, logger);
      record(pod, outcome);
      if (outcome.errors.length > 0) logger.warn(`pod ${pod.metadata.namespace}/${pod.metadata.name} is left out of the backup: a pre hook failed`);
      return outcome.errors.length === 0;
    },
    async after(pod) {
      record(pod, await runPodHooks(cluster, pod, 'post', spec, logger));
    }
  };
}
