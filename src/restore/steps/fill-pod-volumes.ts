import type { ObjectStore } from '../../storage/object-store.js';
import type { ResourceRef } from '../../model/resource-ref.js';
import { formatBytes } from '../../util/byte-size.js';
import { errorMessage } from '../../util/errors.js';
import { pollUntil } from '../../util/poll.js';
import { isJsonObject } from '../../util/json.js';
import { DATA_MOVER_START_TIMEOUT_MS, imagePullProblem } from '../../volumes/data-mover-pod.js';
import { reportUnrestoredData } from './fill-claims.js';
import { RESTORE_DONE_MARKER, RESTORE_WAIT_CONTAINER, RESTORE_WAIT_ROOT } from '../../volumes/restore-wait.js';
import type { VolumeCopyRecord } from '../../volumes/volume-copy-record.js';
import { copyVolumeIn } from '../../volumes/volume-stream.js';
import type { RestoreRun } from '../restore-run.js';

const PODS: ResourceRef = { group: '', version: 'v1', resource: 'pods', namespaced: true };

/** The backup's successful copies of pods' own volumes, by `<source namespace>/<pod>`. */
export type PodVolumeCopies = ReadonlyMap<string, readonly (VolumeCopyRecord & { pod: string; volume: string })[]>;

export function podVolumeCopiesOf(records: readonly VolumeCopyRecord[]): PodVolumeCopies {
  const copies = new Map<string, (VolumeCopyRecord & { pod: string; volume: string })[]>();
  for (const record of records) {
    if (record.claim || record.result !== 'succeeded' || !record.pod || !record.volume) continue;
    const key = `${record.namespace}/${record.pod}`;
    copies.set(key, [...(copies.get(key) ?? []), record as VolumeCopyRecord & { pod: string; volume: string }]);
  }
  return copies;
}

/** A pod this restore created with the wait container, and the copies its volumes wait for. */
export interface PodAwaitingData {
  namespace: string;
  name: string;
  copies: readonly (VolumeCopyRecord & { volume: string })[];
}

/**
 * After the pods' wave: each restored pod's own volumes are filled through its wait container, verified, and then
 * released with the done marker, so its containers start on the restored files. A volume that fails is not
 * released: the pod waits, annotated with the reason, rather than starting on missing data, and the report names it.
 */
export async function fillRestoredPodVolumes(run: RestoreRun, store: ObjectStore): Promise<void> {
  await Promise.all(run.podsAwaitingData.map((pod) => run.limit(() => fillPod(run, store, pod))));
}

async function fillPod(run: RestoreRun, store: ObjectStore, pod: PodAwaitingData): Promise<void> {
  const what = `${pod.namespace}/${pod.name}`;
  const target = { namespace: pod.namespace, pod: pod.name, container: RESTORE_WAIT_CONTAINER };
  try {
    await waitForWaitContainer(run, pod);
    for (const copy of pod.copies) {
      run.signal?.throwIfAborted();
      const path = `${RESTORE_WAIT_ROOT}/${copy.volume}`;
      run.log.info(`Pod ${what}: filling volume ${copy.volume} from its file-system copy (${formatBytes(copy.tar!.bytes)})`);
      const volume = `${what}/${copy.volume}`;
      await copyVolumeIn(run.cluster, { target, path }, store, { key: copy.key, tar: copy.tar!, stored: copy.stored! }, {
        signal: run.signal,
        decrypt: run.decryption.stage('volumeCopy', copy.key),
        onBytes: (bytes) => run.log.progress?.({ what: 'volume bytes', volume, done: bytes, total: copy.tar!.bytes })
      }).then(
        () => run.log.progress?.({ what: 'volume bytes', volume, done: copy.tar!.bytes, total: copy.tar!.bytes, finished: true }),
        (err: unknown) => {
          run.log.progress?.({ what: 'volume bytes', volume, done: 0, total: copy.tar!.bytes, finished: true });
          throw err;
        }
      );
      const marked = await run.cluster.exec(target, ['touch', `${path}/${RESTORE_DONE_MARKER}`], { timeoutMs: 60_000 });
      if (marked.exitCode !== 0) throw new Error(`cannot release volume ${copy.volume}: touch exited with code ${marked.exitCode}`);
      run.filledVolumes.push({ namespace: pod.namespace, name: `${pod.name}/${copy.volume}`, bytes: copy.tar!.bytes });
    }
    run.log.info(`Pod ${what}: its volumes are filled and verified; it starts now`);
  } catch (err) {
    if (run.signal?.aborted) throw run.signal.reason;
    const reason = errorMessage(err);
    await reportUnrestoredData(run, { ref: PODS, namespace: pod.namespace, name: pod.name }, `cannot restore the volumes of pod ${what}: ${reason} (the pod waits in its ${RESTORE_WAIT_CONTAINER} init container)`, reason);
  }
}

async function waitForWaitContainer(run: RestoreRun, pod: PodAwaitingData): Promise<void> {
  let state = 'not started';
  const running = await pollUntil(
    async () => {
      run.signal?.throwIfAborted();
      const current = await run.cluster.get(PODS, pod.name, pod.namespace);
      if (!current) throw new Error('the pod is gone');
      const statuses = isJsonObject(current.status) && Array.isArray(current.status.initContainerStatuses) ? current.status.initContainerStatuses : [];
      const status = statuses.find((s) => isJsonObject(s) && s.name === RESTORE_WAIT_CONTAINER) as { state?: Record<string, { reason?: string; message?: string }> } | undefined;
      const [phase, detail] = Object.entries(status?.state ?? {})[0] ?? ['not started', {}];
      state = `${phase}${detail?.reason ? ` (${detail.reason}${detail.message ? `: ${detail.message}` : ''})` : ''}`;
      const pullProblem = imagePullProblem(detail);
      if (pullProblem) throw new Error(`its ${RESTORE_WAIT_CONTAINER} container cannot start: ${pullProblem}`);
      return phase === 'running';
    },
    { timeoutMs: DATA_MOVER_START_TIMEOUT_MS, intervalMs: 500, clock: run.clock }
  );
  if (!running) throw new Error(`its ${RESTORE_WAIT_CONTAINER} container did not start within ${DATA_MOVER_START_TIMEOUT_MS / 1000}s: ${state}`);
}
