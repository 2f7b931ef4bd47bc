import { formatLabelSelector, type LabelSelector } from '../../kube/label-selector.js';
import type { ResourceRef } from '../../model/resource-ref.js';
import { formatGoDuration } from '../../util/duration.js';
import { errorMessage } from '../../util/errors.js';
import { pollUntil } from '../../util/poll.js';
import type { RestoredWorkload, RestoreRun } from '../restore-run.js';
import { podProblem, WORKLOAD_KINDS, workloadState, type WorkloadCondition, type WorkloadState } from '../workload-health.js';

/** One restored workload as last seen by `wait-for-workloads`. */
export interface WorkloadReport {
  kind: string;
  namespace: string;
  name: string;
  condition: WorkloadCondition;
  detail: string;
}

/** What `wait-for-workloads` found: every workload this restore created or updated, not-ready ones first. */
export interface WorkloadsWait {
  timeoutMs: number;
  /** How long the wait took, in seconds. */
  seconds: number;
  workloads: WorkloadReport[];
  ready: number;
}

/** Reads at this pace are a handful of GETs a second even for many workloads, and see a pod start within seconds. */
const POLL_INTERVAL_MS = 2000;
const PROGRESS_INTERVAL_MS = 15_000;
/** Names in one progress line; the rest are counted. */
const NAMED_IN_PROGRESS = 5;
const PODS: ResourceRef = { group: '', version: 'v1', resource: 'pods', namespaced: true };

/**
 * After everything is written: reads each workload this restore created or updated until all are ready or
 * `workloads-timeout` passes. Once a workload is seen ready it is not read again until every other one is too;
 * then all are read once more, so "ready" means ready at the same moment, not each at its best. A workload that
 * did not become ready is an error of the restore (PartiallyFailed), named with what its pods say.
 */
export async function waitForWorkloads(run: RestoreRun): Promise<WorkloadsWait> {
  const timeoutMs = run.settings.workloadsTimeoutMs;
  const workloads = run.restoredWorkloads;
  const started = run.clock();
  const states = new Map<RestoredWorkload, WorkloadState>();
  const stateOf = (w: RestoredWorkload) => states.get(w) ?? { condition: 'waiting' as const, detail: 'not read yet' };
  const waitingOnes = () => workloads.filter((w) => stateOf(w).condition === 'waiting');

  if (workloads.length) run.log.info(`Waiting up to ${formatGoDuration(timeoutMs)} for ${workloads.length} restored workloads to be ready`);
  else run.log.info('wait-for-workloads: this restore created or updated no Deployment, StatefulSet, DaemonSet, ReplicaSet, Job or claim to wait for');

  const observe = async (which: readonly RestoredWorkload[]) => {
    await Promise.all(
      which.map((workload) =>
        run.limit(async () => {
          const before = states.get(workload)?.condition;
          const state = await run.cluster.get(workload.ref, workload.name, workload.namespace).then(workloadState, (err: unknown) => ({ condition: 'waiting' as const, detail: `cannot be read: ${errorMessage(err)}` }));
          states.set(workload, state);
          if (state.condition !== before && state.condition !== 'waiting') run.log.info(`${describe(workload)} ${state.condition}: ${state.detail}`);
        })
      )
    );
  };

  let toRead: readonly RestoredWorkload[] = workloads;
  let lastProgress = started.getTime();
  const allReady = await pollUntil(
    async () => {
      await observe(toRead);
      if (waitingOnes().length === 0 && toRead !== workloads) {
        // The last ones are ready: read the rest again, so that none that has stopped since is counted.
        await observe(workloads.filter((w) => stateOf(w).condition !== 'failed'));
      }
      const still = waitingOnes();
      toRead = still;
      if (still.length && run.clock().getTime() - lastProgress >= PROGRESS_INTERVAL_MS) {
        lastProgress = run.clock().getTime();
        run.log.info(progressLine(still, workloads.length, stateOf));
      }
      return still.length === 0;
    },
    { timeoutMs, intervalMs: POLL_INTERVAL_MS, clock: run.clock, signal: run.signal }
  );

  const reports: WorkloadReport[] = [];
  for (const workload of workloads) {
    const state = stateOf(workload);
    let detail = state.detail;
    if (state.condition !== 'ready') {
      // Said once, at the end, for what did not make it: why its pods are not up.
      const why = await podHint(run, workload);
      if (why) detail = `${detail}; ${why}`;
      const message = state.condition === 'failed' ? `${describe(workload)} failed: ${detail}` : `${describe(workload)} not ready within workloads-timeout (${formatGoDuration(timeoutMs)}): ${detail}`;
      run.results.error(message, workload.namespace);
      run.log.error(message);
    }
    reports.push({ kind: WORKLOAD_KINDS.get(workload.groupResource)!, namespace: workload.namespace, name: workload.name, condition: state.condition, detail });
  }
  const ready = reports.filter((r) => r.condition === 'ready').length;
  const seconds = (run.clock().getTime() - started.getTime()) / 1000;
  if (workloads.length) run.log.info(`Workloads: ${ready} of ${workloads.length} ready${allReady ? '' : ` when the wait ended after ${seconds.toFixed(0)} s`}`);
  const order: Record<WorkloadCondition, number> = { failed: 0, waiting: 1, ready: 2 };
  reports.sort((a, b) => order[a.condition] - order[b.condition] || a.kind.localeCompare(b.kind) || a.namespace.localeCompare(b.namespace) || a.name.localeCompare(b.name));
  return { timeoutMs, seconds, workloads: reports, ready };
}

function describe(workload: RestoredWorkload): string {
  return `${WORKLOAD_KINDS.get(workload.groupResource)} ${workload.namespace}/${workload.name}`;
}

function progressLine(waiting: readonly RestoredWorkload[], total: number, stateOf: (w: RestoredWorkload) => WorkloadState): string {
  const named = waiting.slice(0, NAMED_IN_PROGRESS).map((w) => `${describe(w)} (${stateOf(w).detail})`);
  const more = waiting.length > NAMED_IN_PROGRESS ? ` and ${waiting.length - NAMED_IN_PROGRESS} more` : '';
  return `Waiting for ${waiting.length} of ${total} workloads: ${named.join(', ')}${more}`;
}

/** The first problem among the workload's pods (by its selector), or undefined: claims have no pods to ask. */
async function podHint(run: RestoreRun, workload: RestoredWorkload): Promise<string | undefined> {
  if (workload.groupResource === 'persistentvolumeclaims') return undefined;
  try {
    const object = await run.cluster.get(workload.ref, workload.name, workload.namespace);
    const selector = (object?.spec as { selector?: LabelSelector } | undefined)?.selector;
    if (!selector) return undefined;
    // One small page: a hint needs one pod with a problem, not all of them.
    const page = await run.cluster.listPage(PODS, { namespace: workload.namespace, labelSelector: formatLabelSelector(selector), limit: 20 });
    for (const pod of page.items) {
      const problem = podProblem(pod);
      if (problem) return `pod ${pod.metadata.name}: ${problem}`;
    }
    return page.items.length ? undefined : 'no pod exists for it';
  } catch (err) {
    run.log.debug(`Cannot read the pods of ${describe(workload)}: ${errorMessage(err)}`);
    return undefined;
  }
}
