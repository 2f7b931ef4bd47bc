import { randomBytes } from 'node:crypto';
import type { Cluster, ExecTarget } from '../kube/cluster.js';
import { KubeApiError } from '../kube/http.js';
import type { KubeObject } from '../model/kube-object.js';
import type { ResourceRef } from '../model/resource-ref.js';
import { errorMessage } from '../util/errors.js';
import { pollUntil } from '../util/poll.js';
import { LABELS } from '../velero/vocabulary.js';

const PODS: ResourceRef = { group: '', version: 'v1', resource: 'pods', namespaced: true };
/** Where the data-mover pod mounts the claim. */
export const DATA_MOVER_MOUNT = '/kube-backup-volume';
const CONTAINER = 'mover';
/** How long a pod of ours may take to start: scheduling, provisioning a new volume, pulling the image the first time. */
export const DATA_MOVER_START_TIMEOUT_MS = 5 * 60_000;
const IMAGE_PULL_FAILURES = /ErrImagePull|ImagePullBackOff|InvalidImageName|ErrImageNeverPull/;

/** A waiting container's reason that no amount of waiting cures, said with the input that fixes it. */
export function imagePullProblem(waiting: { reason?: string; message?: string } | undefined): string | undefined {
  if (!waiting?.reason || !IMAGE_PULL_FAILURES.test(waiting.reason)) return undefined;
  return `${waiting.reason}${waiting.message ? `: ${waiting.message}` : ''} (set data-mover-image to an image with sh, head and tar that the node can pull)`;
}
/** Labels every data-mover pod carries: never backed up, and findable if a run was killed before deleting it. */
export const DATA_MOVER_LABELS = { 'app.kubernetes.io/managed-by': 'kube-backup-action', 'kube-backup.io/data-mover': 'true', [LABELS.excludeFromBackup]: 'true' };

export interface DataMoverRequest {
  namespace: string;
  claim: string;
  image: string;
  /** A backup only reads. */
  readOnly: boolean;
  /** The node of a pod that mounts the claim already: a ReadWriteOnce volume can be mounted only there. */
  nodeName?: string;
  /** How long the pod may take to start (scheduling, provisioning a new volume, pulling the image). */
  startTimeoutMs: number;
  clock: () => Date;
  signal?: AbortSignal;
}

/** The container to exec in and the directory that holds the volume's files. */
export interface VolumeAccess {
  target: ExecTarget;
  path: string;
}

/**
 * Runs `work` with the claim mounted in a short-lived pod of ours, and deletes the pod afterwards, whatever
 * happened (failure, cancellation). For a claim this restore just created, the pod is its first consumer, so it is
 * also what gets the claim's volume provisioned and bound.
 */
export async function withDataMoverPod<T>(cluster: Cluster, request: DataMoverRequest, work: (access: VolumeAccess) => Promise<T>): Promise<T> {
  const pod = dataMoverPod(request);
  const name = pod.metadata.name!;
  await createWhenAccountExists(cluster, pod, request);
  try {
    await waitUntilRunning(cluster, request, name);
    return await work({ target: { namespace: request.namespace, pod: name, container: CONTAINER }, path: DATA_MOVER_MOUNT });
  } finally {
    await cluster.delete(PODS, name, { namespace: request.namespace }).catch(() => undefined);
  }
}

/** The pod: our image, sleeping until we exec into it and delete it; no token, no restarts, no grace period. */
export function dataMoverPod(request: Pick<DataMoverRequest, 'namespace' | 'claim' | 'image' | 'readOnly' | 'nodeName'>): KubeObject {
  const suffix = randomBytes(3).toString('hex');
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: `kube-backup-mover-${request.claim.slice(0, 40).replace(/[.-]+$/, '')}-${suffix}`, namespace: request.namespace, labels: { ...DATA_MOVER_LABELS } },
    spec: {
      restartPolicy: 'Never',
      terminationGracePeriodSeconds: 0,
      automountServiceAccountToken: false,
      ...(request.nodeName ? { nodeName: request.nodeName } : {}),
      containers: [
        {
          name: CONTAINER,
          image: request.image,
          imagePullPolicy: 'IfNotPresent',
          command: ['sleep', '86400'],
          volumeMounts: [{ name: 'data', mountPath: DATA_MOVER_MOUNT, readOnly: request.readOnly }]
        }
      ],
      volumes: [{ name: 'data', persistentVolumeClaim: { claimName: request.claim, readOnly: request.readOnly } }]
    }
  };
}

/**
 * A namespace this restore just created gets its `default` ServiceAccount from a controller about a second later,
 * and pods are refused until then; anything else refused (Pod Security, quota) is said plainly, naming the namespace.
 */
async function createWhenAccountExists(cluster: Cluster, pod: KubeObject, request: DataMoverRequest): Promise<void> {
  let lastError: unknown;
  const created = await pollUntil(
    async () => {
      request.signal?.throwIfAborted();
      try {
        await cluster.create(PODS, pod, { namespace: request.namespace });
        return true;
      } catch (err) {
        if (!(err instanceof KubeApiError && /serviceaccount/i.test(err.message))) {
          throw new Error(`namespace ${request.namespace} refused the data-mover pod for claim ${request.claim}: ${errorMessage(err)}`);
        }
        lastError = err;
        return false;
      }
    },
    { timeoutMs: 30_000, intervalMs: 500, clock: request.clock }
  );
  if (!created) throw new Error(`namespace ${request.namespace} refused the data-mover pod for claim ${request.claim}: ${errorMessage(lastError)}`);
}

async function waitUntilRunning(cluster: Cluster, request: DataMoverRequest, name: string): Promise<void> {
  let last: KubeObject | undefined;
  const running = await pollUntil(
    async () => {
      request.signal?.throwIfAborted();
      last = await cluster.get(PODS, name, request.namespace);
      const problem = last && hopeless(last);
      if (problem) throw new Error(`the data-mover pod for claim ${request.namespace}/${request.claim} cannot start: ${problem}`);
      return (last?.status as { phase?: string } | undefined)?.phase === 'Running';
    },
    { timeoutMs: request.startTimeoutMs, intervalMs: 500, clock: request.clock }
  );
  if (!running) throw new Error(`the data-mover pod for claim ${request.namespace}/${request.claim} did not start within ${request.startTimeoutMs / 1000}s: ${whyPending(last)}`);
}

interface PodStatusView {
  phase?: string;
  conditions?: { type: string; status: string; reason?: string; message?: string }[];
  containerStatuses?: { state?: { waiting?: { reason?: string; message?: string } } }[];
}

/** A state the pod will not leave by waiting: the image cannot be pulled, or the pod ended. */
function hopeless(pod: KubeObject): string | undefined {
  const status = (pod.status ?? {}) as PodStatusView;
  if (status.phase === 'Failed' || status.phase === 'Succeeded') return `it ended (phase ${status.phase})`;
  return imagePullProblem(status.containerStatuses?.[0]?.state?.waiting);
}

function whyPending(pod: KubeObject | undefined): string {
  if (!pod) return 'the pod disappeared';
  const status = (pod.status ?? {}) as PodStatusView;
  const unscheduled = status.conditions?.find((c) => c.type === 'PodScheduled' && c.status === 'False');
  if (unscheduled) return `not scheduled: ${unscheduled.message ?? unscheduled.reason ?? 'no reason given'}`;
  const waiting = status.containerStatuses?.[0]?.state?.waiting;
  return waiting ? `${waiting.reason ?? 'waiting'}${waiting.message ? `: ${waiting.message}` : ''}` : `phase ${status.phase ?? 'unknown'}`;
}
