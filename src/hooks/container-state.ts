import type { KubeObject } from '../model/kube-object.js';

interface ContainerStatus {
  name?: string;
  ready?: boolean;
  state?: {
    running?: unknown;
    waiting?: { reason?: string };
    terminated?: { reason?: string; exitCode?: number };
  };
}

interface PodStatus {
  phase?: string;
  containerStatuses?: ContainerStatus[];
  /** Native sidecars (init containers restarting Always) report here; hooks may name them. */
  initContainerStatuses?: ContainerStatus[];
}

export function podPhase(pod: KubeObject): string | undefined {
  return (pod.status as PodStatus | undefined)?.phase;
}

/**
 * Whether a container is up for its exec hooks, Velero's way: running, or Ready when a hook asked to wait for
 * readiness. `state` describes it for a message when it is not (`waiting (ErrImageNeverPull)`).
 */
export function containerUp(pod: KubeObject, container: string, waitForReady: boolean): { up: boolean; state: string } {
  const status = (pod.status ?? {}) as PodStatus;
  const found = [...(status.containerStatuses ?? []), ...(status.initContainerStatuses ?? [])].find((s) => s.name === container);
  if (!found) return { up: false, state: `no status reported yet (pod ${status.phase ?? 'without a phase'})` };
  const state = found.state ?? {};
  if (state.running) {
    if (!waitForReady || found.ready === true) return { up: true, state: 'running' };
    return { up: false, state: 'running but not Ready' };
  }
  if (state.waiting) return { up: false, state: `waiting${state.waiting.reason ? ` (${state.waiting.reason})` : ''}` };
  if (state.terminated) {
    const { reason, exitCode } = state.terminated;
    return { up: false, state: `terminated (${[reason, exitCode === undefined ? undefined : `exit code ${exitCode}`].filter(Boolean).join(', ')})` };
  }
  return { up: false, state: 'in no known state' };
}
