import { errorMessage } from '../../util/errors.js';
import type { RestoreRun } from '../restore-run.js';
import type { TargetResources } from '../target-resources.js';
import { rewriteOwnerReferences } from '../transform/index.js';

/**
 * Gives the objects held back in `pendingOwnerReferences` their ownerReferences, now naming the owners' new uids.
 * A reference to an owner this run did not restore is dropped (logged); a failed patch is a warning, since the
 * object itself was restored.
 */
export async function restoreOwnerReferences(run: RestoreRun, target: TargetResources): Promise<void> {
  const { cluster, settings, log, results } = run;
  await Promise.all(
    run.pendingOwnerReferences.map(({ desired, groupResource, version }) =>
      run.limit(async () => {
        const { object, dropped } = rewriteOwnerReferences(desired, run.owners.lookup);
        const where = `${groupResource} ${desired.metadata.namespace ? `${desired.metadata.namespace}/` : ''}${desired.metadata.name}`;
        for (const ref of dropped) log.info(`${where}: ownerReference to ${ref.kind} ${ref.name} dropped (owner not restored by this run)`);
        if (!object.metadata.ownerReferences || settings.dryRun) return;
        try {
          await cluster.patch(target.ref(groupResource, version)!, desired.metadata.name!, { metadata: { ownerReferences: object.metadata.ownerReferences } }, 'merge', { namespace: desired.metadata.namespace });
        } catch (err) {
          results.warning(`${where}: cannot set its ownerReferences: ${errorMessage(err)}`, desired.metadata.namespace);
        }
      })
    )
  );
}
