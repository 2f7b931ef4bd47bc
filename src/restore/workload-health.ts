import { containerUp } from '../hooks/container-state.js';
import type { KubeObject } from '../model/kube-object.js';

/**
 * The resources `wait-for-workloads` waits for, by the archive's group-resource name, with the kind its report names
 * them by. Not Velero's `waitForReady` (a restore hook's wait for one container): this is the whole restored workload.
 */
export const WORKLOAD_KINDS: ReadonlyMap<string, string> = new Map([
  ['deployments.apps', 'Deployment'],
  ['statefulsets.apps', 'StatefulSet'],
  ['daemonsets.apps', 'DaemonSet'],
  ['replicasets.apps', 'ReplicaSet'],
  ['jobs.batch', 'Job'],
  ['persistentvolumeclaims', 'PersistentVolumeClaim']
]);

/**
 * `ready`: available at its desired replicas (a Job: not failed, and running or done; a claim: Bound).
 * `waiting`: may still get there. `failed`: waiting will not help (a failed Job, a Lost claim, a deleted object).
 */
export type WorkloadCondition = 'ready' | 'waiting' | 'failed';

export interface WorkloadState {
  condition: WorkloadCondition;
  /** What was seen, in kubectl rollout status' terms: `0 of 1 updated replicas available`. */
  detail: string;
}

interface Condition {
  type?: string;
  status?: string;
  reason?: string;
  message?: string;
}

interface WorkloadStatus {
  observedGeneration?: number;
  replicas?: number;
  updatedReplicas?: number;
  readyReplicas?: number;
  availableReplicas?: number;
  currentRevision?: string;
  updateRevision?: string;
  desiredNumberScheduled?: number;
  updatedNumberScheduled?: number;
  numberAvailable?: number;
  active?: number;
  ready?: number;
  succeeded?: number;
  failed?: number;
  phase?: string;
  conditions?: Condition[];
}

interface WorkloadSpec {
  replicas?: number;
  suspend?: boolean;
  updateStrategy?: { type?: string; rollingUpdate?: { partition?: number } };
}

const ready = (detail: string): WorkloadState => ({ condition: 'ready', detail });
const waiting = (detail: string): WorkloadState => ({ condition: 'waiting', detail });
const failed = (detail: string): WorkloadState => ({ condition: 'failed', detail });

/**
 * Whether a restored workload is up, judged from its status alone (pure), as `kubectl rollout status` judges
 * Deployments, StatefulSets and DaemonSets. `undefined` is an object that no longer exists.
 */
export function workloadState(object: KubeObject | undefined): WorkloadState {
  if (!object) return failed('not found: deleted after the restore created it');
  const status = (object.status ?? {}) as WorkloadStatus;
  const spec = (object.spec ?? {}) as WorkloadSpec;
  const generation = object.metadata.generation as number | undefined;
  // A status describes the spec only once the controller has seen that spec's generation.
  const unobserved = generation !== undefined && (status.observedGeneration ?? 0) < generation;
  switch (object.kind) {
    case 'Deployment':
      return unobserved ? waiting('its controller has not seen it yet') : deploymentState(spec, status);
    case 'StatefulSet':
      return unobserved ? waiting('its controller has not seen it yet') : statefulSetState(spec, status);
    case 'DaemonSet':
      return unobserved ? waiting('its controller has not seen it yet') : daemonSetState(spec, status);
    case 'ReplicaSet':
      return unobserved ? waiting('its controller has not seen it yet') : replicaSetState(spec, status);
    case 'Job':
      return jobState(spec, status);
    case 'PersistentVolumeClaim':
      return claimState(status);
    default:
      throw new Error(`no readiness rule for kind ${object.kind ?? '(none)'}`);
  }
}

function deploymentState(spec: WorkloadSpec, status: WorkloadStatus): WorkloadState {
  const desired = spec.replicas ?? 1;
  const updated = status.updatedReplicas ?? 0;
  const available = status.availableReplicas ?? 0;
  const progressing = status.conditions?.find((c) => c.type === 'Progressing');
  // Still waiting: the controller goes on trying after its deadline, and the pods may yet start.
  const stalled = progressing?.reason === 'ProgressDeadlineExceeded' ? ', past its progress deadline' : '';
  if (updated < desired) return waiting(`${updated} of ${desired} replicas updated${stalled}`);
  if ((status.replicas ?? 0) > updated) return waiting(`${(status.replicas ?? 0) - updated} old replicas pending termination${stalled}`);
  if (available < updated) return waiting(`${available} of ${updated} updated replicas available${stalled}`);
  return ready(`${available}/${desired} available`);
}

function statefulSetState(spec: WorkloadSpec, status: WorkloadStatus): WorkloadState {
  const desired = spec.replicas ?? 1;
  const readyReplicas = status.readyReplicas ?? 0;
  if (readyReplicas < desired) return waiting(`${readyReplicas} of ${desired} replicas ready`);
  // availableReplicas (minReadySeconds) is reported from Kubernetes 1.22 on; older servers say ready only.
  if (status.availableReplicas !== undefined && status.availableReplicas < desired) return waiting(`${status.availableReplicas} of ${desired} replicas available`);
  if (spec.updateStrategy?.type === 'RollingUpdate' || spec.updateStrategy?.type === undefined) {
    const partition = spec.updateStrategy?.rollingUpdate?.partition ?? 0;
    if (partition > 0) {
      const updated = status.updatedReplicas ?? 0;
      if (updated < desired - partition) return waiting(`${updated} of ${desired - partition} replicas updated (partition ${partition})`);
    } else if (status.updateRevision && status.currentRevision !== status.updateRevision) {
      return waiting(`rolling update in progress: ${status.updatedReplicas ?? 0} of ${desired} replicas at revision ${status.updateRevision}`);
    }
  }
  return ready(`${status.availableReplicas ?? readyReplicas}/${desired} ready`);
}

function daemonSetState(spec: WorkloadSpec, status: WorkloadStatus): WorkloadState {
  const desired = status.desiredNumberScheduled ?? 0;
  const available = status.numberAvailable ?? 0;
  // Under OnDelete old pods stay until someone deletes them: how many are updated says nothing about health.
  if (spec.updateStrategy?.type !== 'OnDelete' && (status.updatedNumberScheduled ?? 0) < desired) return waiting(`${status.updatedNumberScheduled ?? 0} of ${desired} pods updated`);
  if (available < desired) return waiting(`${available} of ${desired} pods available`);
  return ready(desired === 0 ? 'no node to run on (0 desired)' : `${available}/${desired} pods available`);
}

function replicaSetState(spec: WorkloadSpec, status: WorkloadStatus): WorkloadState {
  const desired = spec.replicas ?? 1;
  const available = status.availableReplicas ?? 0;
  if (available < desired) return waiting(`${available} of ${desired} replicas available`);
  return ready(`${available}/${desired} available`);
}

/**
 * A Job counts when it is not failed and is doing its work: complete, suspended, or with a pod ready. A Job whose
 * pods cannot start never fails (image pull errors do not count against its backoff limit), so "not failed" alone
 * would call it healthy. Servers before 1.23 do not report ready pods: there an active pod has to do.
 */
function jobState(spec: WorkloadSpec, status: WorkloadStatus): WorkloadState {
  const failedCondition = status.conditions?.find((c) => c.type === 'Failed' && c.status === 'True');
  if (failedCondition) return failed(`failed${failedCondition.reason ? ` (${failedCondition.reason})` : ''}${failedCondition.message ? `: ${failedCondition.message}` : ''}`);
  if (status.conditions?.some((c) => c.type === 'Complete' && c.status === 'True')) return ready(`complete (${status.succeeded ?? 0} succeeded)`);
  if (spec.suspend) return ready('suspended');
  const active = status.active ?? 0;
  if (status.ready !== undefined) return status.ready > 0 ? ready(`running (${status.ready} of ${active} pods ready)`) : waiting(active ? `${active} pods active, none ready` : 'no pod started yet');
  return active > 0 ? ready(`running (${active} pods active)`) : waiting('no pod started yet');
}

function claimState(status: WorkloadStatus): WorkloadState {
  const phase = status.phase ?? 'Pending';
  if (phase === 'Bound') return ready('Bound');
  // Lost: its volume is gone, and no controller will bring it back.
  if (phase === 'Lost') return failed('Lost: its volume no longer exists');
  return waiting(phase);
}

/**
 * Why a workload's pod is not up, for the report of one that did not become ready: the first container not
 * running, or why the pod is not scheduled (`container main waiting (ErrImageNeverPull)`). Undefined when it is up.
 */
export function podProblem(pod: KubeObject): string | undefined {
  const status = (pod.status ?? {}) as { phase?: string; conditions?: Condition[] };
  const unscheduled = status.conditions?.find((c) => c.type === 'PodScheduled' && c.status === 'False');
  if (unscheduled) return `not scheduled${unscheduled.reason ? ` (${unscheduled.reason})` : ''}${unscheduled.message ? `: ${unscheduled.message}` : ''}`;
  const containers = [
    ...(((pod.spec as { initContainers?: { name: string }[] } | undefined)?.initContainers ?? []).map((c) => ({ name: c.name, init: true }))),
    ...(((pod.spec as { containers?: { name: string }[] } | undefined)?.containers ?? []).map((c) => ({ name: c.name, init: false })))
  ];
  for (const container of containers) {
    const { up, state } = containerUp(pod, container.name, true);
    // An init container that ran to completion has done its part.
    if (up || (container.init && state.startsWith('terminated (Completed'))) continue;
    if (container.init && status.phase !== 'Pending') continue;
    return `${container.init ? 'init container' : 'container'} ${container.name} ${state}`;
  }
  return undefined;
}
