import type { CatalogItem } from '../persistence/archive-catalog.js';
import { hasTrueCondition, pollUntil } from '../util/poll.js';
import { CRDS } from './plan/order.js';
import type { RestoreRun } from './restore-run.js';
import type { TargetResources } from './target-resources.js';

const ESTABLISHED_TIMEOUT_MS = 60_000;

/**
 * Waits for the restored CRDs to be Established, so their custom resources in later waves are served. One that
 * is not in time is a warning, not a failure: its custom resources fail on their own, each reported.
 */
export async function waitForEstablishedCrds(run: RestoreRun, target: TargetResources, crds: readonly CatalogItem[]): Promise<void> {
  const ref = target.ref(CRDS, 'v1') ?? target.ref(CRDS, 'v1beta1');
  if (!ref) return;
  for (const item of crds) {
    const established = async () => {
      const crd = await run.cluster.get(ref, item.name);
      return !crd || hasTrueCondition(crd, 'Established');
    };
    if (!(await pollUntil(established, { timeoutMs: ESTABLISHED_TIMEOUT_MS, clock: run.clock }))) run.results.warning(`CRD ${item.name} was not Established within 60s; its custom resources may fail`);
  }
}
