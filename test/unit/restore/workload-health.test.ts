import { describe, expect, it } from '@jest/globals';
import type { KubeObject } from '../../../src/model/kube-object.js';
import { podProblem, workloadState, type WorkloadState } from '../../../src/restore/workload-health.js';
import { parseRestoreSettings } from '../../../src/settings/restore-settings.js';
import { mapReader } from '../../../src/settings/input-reader.js';

/** Objects as the API server returns them, status included (fields copied from kubectl get -o json of 1.20-1.30). */
function object(apiVersion: string, kind: string, spec: Record<string, unknown>, status: Record<string, unknown> | undefined, generation = 1): KubeObject {
  return { apiVersion, kind, metadata: { name: 'web', namespace: 'shop', generation }, spec, ...(status ? { status } : {}) };
}

const deployment = (status: Record<string, unknown> | undefined, replicas = 2, generation = 1) => object('apps/v1', 'Deployment', { replicas, selector: { matchLabels: { app: 'web' } } }, status, generation);
const progressing = (reason: string, status = 'True') => ({ type: 'Progressing', status, reason, message: 'ReplicaSet "web-5d8f" has successfully progressed.' });
const available = (status: string) => ({ type: 'Available', status, reason: status === 'True' ? 'MinimumReplicasAvailable' : 'MinimumReplicasUnavailable' });

const statefulSet = (status: Record<string, unknown> | undefined, updateStrategy: Record<string, unknown> = { type: 'RollingUpdate', rollingUpdate: { partition: 0 } }) =>
  object('apps/v1', 'StatefulSet', { replicas: 3, serviceName: 'db', updateStrategy }, status);
const daemonSet = (status: Record<string, unknown>, updateStrategy: Record<string, unknown> = { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: 1 } }) =>
  object('apps/v1', 'DaemonSet', { selector: { matchLabels: { app: 'agent' } }, updateStrategy }, status);
const replicaSet = (status: Record<string, unknown>) => object('apps/v1', 'ReplicaSet', { replicas: 2 }, status);
const job = (status: Record<string, unknown> | undefined, spec: Record<string, unknown> = {}) => object('batch/v1', 'Job', { backoffLimit: 6, completions: 1, parallelism: 1, ...spec }, status);
const claim = (phase: string | undefined) => object('v1', 'PersistentVolumeClaim', { accessModes: ['ReadWriteOnce'] }, phase ? { phase } : undefined);

const cases: [string, KubeObject | undefined, WorkloadState][] = [
  // Deployments, in kubectl rollout status' order of checks.
  ['a Deployment its controller has not seen', deployment(undefined), { condition: 'waiting', detail: 'its controller has not seen it yet' }],
  ['a Deployment whose new spec is not observed yet', deployment({ observedGeneration: 1, replicas: 2, updatedReplicas: 2, availableReplicas: 2 }, 2, 2), { condition: 'waiting', detail: 'its controller has not seen it yet' }],
  [
    'a Deployment whose pods cannot start',
    deployment({ observedGeneration: 1, replicas: 2, updatedReplicas: 2, unavailableReplicas: 2, conditions: [available('False'), progressing('ReplicaSetUpdated')] }),
    { condition: 'waiting', detail: '0 of 2 updated replicas available' }
  ],
  [
    'a Deployment past its progress deadline',
    deployment({ observedGeneration: 1, replicas: 2, updatedReplicas: 2, availableReplicas: 1, conditions: [available('False'), progressing('ProgressDeadlineExceeded', 'False')] }),
    { condition: 'waiting', detail: '1 of 2 updated replicas available, past its progress deadline' }
  ],
  ['a Deployment rolling out', deployment({ observedGeneration: 1, replicas: 3, updatedReplicas: 1, availableReplicas: 2 }), { condition: 'waiting', detail: '1 of 2 replicas updated' }],
  ['a Deployment with old replicas left', deployment({ observedGeneration: 1, replicas: 3, updatedReplicas: 2, availableReplicas: 3 }), { condition: 'waiting', detail: '1 old replicas pending termination' }],
  [
    'an available Deployment',
    deployment({ observedGeneration: 1, replicas: 2, updatedReplicas: 2, readyReplicas: 2, availableReplicas: 2, conditions: [available('True'), progressing('NewReplicaSetAvailable')] }),
    { condition: 'ready', detail: '2/2 available' }
  ],
  ['a Deployment scaled to zero', deployment({ observedGeneration: 1 }, 0), { condition: 'ready', detail: '0/0 available' }],

  // StatefulSets: 1.20 reports ready replicas only; 1.22+ also available ones.
  ['a StatefulSet its controller has not seen', statefulSet(undefined), { condition: 'waiting', detail: 'its controller has not seen it yet' }],
  [
    'a StatefulSet still starting its pods',
    statefulSet({ observedGeneration: 1, replicas: 2, readyReplicas: 1, currentReplicas: 2, updatedReplicas: 2, currentRevision: 'db-7c9', updateRevision: 'db-7c9' }),
    { condition: 'waiting', detail: '1 of 3 replicas ready' }
  ],
  [
    'a StatefulSet ready but not yet available (minReadySeconds)',
    statefulSet({ observedGeneration: 1, replicas: 3, readyReplicas: 3, availableReplicas: 2, currentRevision: 'db-7c9', updateRevision: 'db-7c9' }),
    { condition: 'waiting', detail: '2 of 3 replicas available' }
  ],
  [
    'a StatefulSet mid rolling update',
    statefulSet({ observedGeneration: 1, replicas: 3, readyReplicas: 3, updatedReplicas: 1, currentRevision: 'db-7c9', updateRevision: 'db-86f' }),
    { condition: 'waiting', detail: 'rolling update in progress: 1 of 3 replicas at revision db-86f' }
  ],
  [
    'a partitioned StatefulSet whose partition is updated',
    statefulSet({ observedGeneration: 1, replicas: 3, readyReplicas: 3, updatedReplicas: 1, currentRevision: 'db-7c9', updateRevision: 'db-86f' }, { type: 'RollingUpdate', rollingUpdate: { partition: 2 } }),
    { condition: 'ready', detail: '3/3 ready' }
  ],
  [
    'a StatefulSet with all replicas ready (1.20: no availableReplicas)',
    statefulSet({ observedGeneration: 1, replicas: 3, readyReplicas: 3, currentReplicas: 3, updatedReplicas: 3, currentRevision: 'db-7c9', updateRevision: 'db-7c9', collisionCount: 0 }),
    { condition: 'ready', detail: '3/3 ready' }
  ],
  [
    'an OnDelete StatefulSet with old pods, all ready',
    statefulSet({ observedGeneration: 1, replicas: 3, readyReplicas: 3, updatedReplicas: 0, currentRevision: 'db-7c9', updateRevision: 'db-86f' }, { type: 'OnDelete' }),
    { condition: 'ready', detail: '3/3 ready' }
  ],

  // DaemonSets.
  ['a DaemonSet its controller has not seen', daemonSet({ currentNumberScheduled: 0, desiredNumberScheduled: 0, numberMisscheduled: 0, numberReady: 0 }), { condition: 'waiting', detail: 'its controller has not seen it yet' }],
  [
    'a DaemonSet whose pods are not available',
    daemonSet({ observedGeneration: 1, currentNumberScheduled: 2, desiredNumberScheduled: 2, numberMisscheduled: 0, numberReady: 1, numberAvailable: 1, numberUnavailable: 1, updatedNumberScheduled: 2 }),
    { condition: 'waiting', detail: '1 of 2 pods available' }
  ],
  ['a DaemonSet rolling out', daemonSet({ observedGeneration: 1, desiredNumberScheduled: 2, numberAvailable: 2, updatedNumberScheduled: 1 }), { condition: 'waiting', detail: '1 of 2 pods updated' }],
  ['an OnDelete DaemonSet with old pods, all available', daemonSet({ observedGeneration: 1, desiredNumberScheduled: 2, numberAvailable: 2, updatedNumberScheduled: 0 }, { type: 'OnDelete' }), { condition: 'ready', detail: '2/2 pods available' }],
  ['an available DaemonSet', daemonSet({ observedGeneration: 1, currentNumberScheduled: 1, desiredNumberScheduled: 1, numberAvailable: 1, numberReady: 1, updatedNumberScheduled: 1 }), { condition: 'ready', detail: '1/1 pods available' }],
  ['a DaemonSet no node matches', daemonSet({ observedGeneration: 1, currentNumberScheduled: 0, desiredNumberScheduled: 0, numberMisscheduled: 0, numberReady: 0 }), { condition: 'ready', detail: 'no node to run on (0 desired)' }],

  // ReplicaSets.
  ['a ReplicaSet with pods not available', replicaSet({ observedGeneration: 1, replicas: 2, fullyLabeledReplicas: 2, readyReplicas: 1, availableReplicas: 1 }), { condition: 'waiting', detail: '1 of 2 replicas available' }],
  ['an available ReplicaSet', replicaSet({ observedGeneration: 1, replicas: 2, fullyLabeledReplicas: 2, readyReplicas: 2, availableReplicas: 2 }), { condition: 'ready', detail: '2/2 available' }],

  // Jobs: never observedGeneration; failed is final.
  ['a Job the controller has not started', job(undefined), { condition: 'waiting', detail: 'no pod started yet' }],
  ['a Job whose pod is active (1.20: no ready count)', job({ startTime: '2024-05-01T10:00:00Z', active: 1 }), { condition: 'ready', detail: 'running (1 pods active)' }],
  ['a Job whose pod is active but not ready (1.23+)', job({ startTime: '2024-05-01T10:00:00Z', active: 1, ready: 0 }), { condition: 'waiting', detail: '1 pods active, none ready' }],
  ['a Job with a ready pod (1.23+)', job({ startTime: '2024-05-01T10:00:00Z', active: 2, ready: 1 }), { condition: 'ready', detail: 'running (1 of 2 pods ready)' }],
  [
    'a complete Job',
    job({ startTime: '2024-05-01T10:00:00Z', completionTime: '2024-05-01T10:00:09Z', succeeded: 1, conditions: [{ type: 'Complete', status: 'True', lastProbeTime: '2024-05-01T10:00:09Z' }] }),
    { condition: 'ready', detail: 'complete (1 succeeded)' }
  ],
  [
    'a failed Job',
    job({ startTime: '2024-05-01T10:00:00Z', failed: 7, conditions: [{ type: 'Failed', status: 'True', reason: 'BackoffLimitExceeded', message: 'Job has reached the specified backoff limit' }] }),
    { condition: 'failed', detail: 'failed (BackoffLimitExceeded): Job has reached the specified backoff limit' }
  ],
  ['a suspended Job', job({ conditions: [{ type: 'Suspended', status: 'True' }] }, { suspend: true }), { condition: 'ready', detail: 'suspended' }],

  // Claims.
  ['a claim just created', claim(undefined), { condition: 'waiting', detail: 'Pending' }],
  ['a Pending claim', claim('Pending'), { condition: 'waiting', detail: 'Pending' }],
  ['a Bound claim', claim('Bound'), { condition: 'ready', detail: 'Bound' }],
  ['a Lost claim', claim('Lost'), { condition: 'failed', detail: 'Lost: its volume no longer exists' }],

  ['an object deleted after the restore', undefined, { condition: 'failed', detail: 'not found: deleted after the restore created it' }]
];

describe('workloadState: is a restored workload up', () => {
  it.each(cases)('%s', (_name, live, expected) => {
    expect(workloadState(live)).toEqual(expected);
  });

  it('has no rule for kinds it does not wait for', () => {
    expect(() => workloadState({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c' } })).toThrow('no readiness rule for kind ConfigMap');
  });
});

const pod = (status: Record<string, unknown>, initContainers?: unknown[]): KubeObject => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name: 'web-5d8f-abcde', namespace: 'shop' },
  spec: { containers: [{ name: 'main', image: 'web:1' }, { name: 'sidecar', image: 'proxy:1' }], ...(initContainers ? { initContainers } : {}) },
  status
});

describe('podProblem: why a pod of a workload is not up', () => {
  it.each<[string, KubeObject, string | undefined]>([
    [
      'an image that may not be pulled',
      pod({
        phase: 'Pending',
        conditions: [{ type: 'PodScheduled', status: 'True' }],
        containerStatuses: [
          { name: 'main', ready: false, state: { waiting: { reason: 'ErrImageNeverPull', message: 'Container image "web:1" is not present with pull policy of Never' } } },
          { name: 'sidecar', ready: true, state: { running: { startedAt: '2024-05-01T10:00:00Z' } } }
        ]
      }),
      'container main waiting (ErrImageNeverPull)'
    ],
    [
      'a container crashing',
      pod({
        phase: 'Running',
        containerStatuses: [
          { name: 'main', ready: true, state: { running: {} } },
          { name: 'sidecar', ready: false, restartCount: 4, state: { waiting: { reason: 'CrashLoopBackOff' } }, lastState: { terminated: { exitCode: 1, reason: 'Error' } } }
        ]
      }),
      'container sidecar waiting (CrashLoopBackOff)'
    ],
    ['a running container that is not Ready', pod({ phase: 'Running', containerStatuses: [{ name: 'main', ready: false, state: { running: {} } }, { name: 'sidecar', ready: true, state: { running: {} } }] }), 'container main running but not Ready'],
    [
      'a pod no node can take',
      pod({ phase: 'Pending', conditions: [{ type: 'PodScheduled', status: 'False', reason: 'Unschedulable', message: '0/1 nodes are available: 1 Insufficient memory.' }] }),
      'not scheduled (Unschedulable): 0/1 nodes are available: 1 Insufficient memory.'
    ],
    [
      'an init container still failing',
      pod({ phase: 'Pending', initContainerStatuses: [{ name: 'migrate', ready: false, state: { waiting: { reason: 'CrashLoopBackOff' } } }], containerStatuses: [{ name: 'main', state: { waiting: { reason: 'PodInitializing' } } }] }, [{ name: 'migrate', image: 'web:1' }]),
      'init container migrate waiting (CrashLoopBackOff)'
    ],
    [
      'an init container done, the main one up',
      pod(
        {
          phase: 'Running',
          initContainerStatuses: [{ name: 'migrate', ready: true, state: { terminated: { reason: 'Completed', exitCode: 0 } } }],
          containerStatuses: [
            { name: 'main', ready: true, state: { running: {} } },
            { name: 'sidecar', ready: true, state: { running: {} } }
          ]
        },
        [{ name: 'migrate', image: 'web:1' }]
      ),
      undefined
    ]
  ])('%s', (_name, live, expected) => {
    expect(podProblem(live)).toBe(expected);
  });
});

describe('wait-for-workloads settings', () => {
  it('is off by default, with a ten-minute timeout', () => {
    const settings = parseRestoreSettings(mapReader({ 'from-backup': 'nightly' }));
    expect({ wait: settings.waitForWorkloads, timeoutMs: settings.workloadsTimeoutMs }).toEqual({ wait: false, timeoutMs: 600_000 });
  });

  it('reads the timeout as a Go duration', () => {
    const settings = parseRestoreSettings(mapReader({ 'from-backup': 'nightly', 'wait-for-workloads': 'true', 'workloads-timeout': '1m30s' }));
    expect({ wait: settings.waitForWorkloads, timeoutMs: settings.workloadsTimeoutMs }).toEqual({ wait: true, timeoutMs: 90_000 });
  });

  it.each([
    ['10 minutes', "Input 'workloads-timeout': '10 minutes' is not a duration. Use Go duration syntax such as 720h, 24h0m0s or 90m"],
    ['1d', "Input 'workloads-timeout': '1d' uses days, which Go durations do not have. Write 24h"]
  ])('names workloads-timeout when %s is not a duration', (raw, message) => {
    expect(() => parseRestoreSettings(mapReader({ 'from-backup': 'nightly', 'workloads-timeout': raw }))).toThrow(message);
  });

  it('names wait-for-workloads when it is not a boolean', () => {
    expect(() => parseRestoreSettings(mapReader({ 'from-backup': 'nightly', 'wait-for-workloads': 'yes please' }))).toThrow(/^Input 'wait-for-workloads'/);
  });
});
