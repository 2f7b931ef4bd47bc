import { restoreExecHooksFor, runRestoreExecHooks } from '../../hooks/restore-exec-hooks.js';
import type { RestoreRun } from '../restore-run.js';

/** Last, because a hook waits for its pod's container to run: no item's write waits on it. */
export async function runExecHooks(run: RestoreRun): Promise<void> {
  const { cluster, log, results } = run;
  const planned = run.restoredPods.map((pod) => ({ pod, hooks: restoreExecHooksFor(pod, run.settings.restoreHooks) })).filter((p) => p.hooks.length);
  await Promise.all(
    planned.map(({ pod, hooks }) =>
      run.limit(async () => {
        const outcome = await runRestoreExecHooks(cluster, pod, hooks, log, { clock: run.clock });
        for (const message of outcome.errors) results.error(message, pod.metadata.namespace);
        for (const message of outcome.warnings) results.warning(message, pod.metadata.namespace);
      })
    )
  );
}
