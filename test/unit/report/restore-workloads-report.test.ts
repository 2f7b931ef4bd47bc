import { describe, expect, it } from '@jest/globals';
import { restoreOutputs, restoreSummary } from '../../../src/report/restore-report.js';
import type { RestoreResult } from '../../../src/restore/run.js';
import type { WorkloadsWait } from '../../../src/restore/steps/wait-workloads.js';
import { RunResults } from '../../../src/util/run-results.js';

function result(workloads?: WorkloadsWait): RestoreResult {
  return {
    name: 'drill-1',
    backupName: 'nightly-20240501020000',
    phase: workloads && workloads.ready < workloads.workloads.length ? 'PartiallyFailed' : 'Completed',
    dryRun: false,
    startedAt: new Date('2024-05-01T10:00:00Z'),
    completedAt: new Date('2024-05-01T10:01:00Z'),
    counts: { created: 4, updated: 0, unchanged: 0, skipped: 0, failed: 0 },
    outcomes: [],
    results: new RunResults(),
    recorded: true,
    filledVolumes: [],
    workloads
  };
}

const mixed: WorkloadsWait = {
  timeoutMs: 40_000,
  seconds: 41.2,
  ready: 2,
  workloads: [
    { kind: 'Deployment', namespace: 'shop-drill', name: 'broken', condition: 'waiting', detail: '0 of 1 updated replicas available; pod broken-5d8f-x: container main waiting (ErrImageNeverPull)' },
    { kind: 'Job', namespace: 'shop-drill', name: 'migrate', condition: 'failed', detail: 'failed (BackoffLimitExceeded)' },
    { kind: 'Deployment', namespace: 'shop-drill', name: 'web', condition: 'ready', detail: '1/1 available' },
    { kind: 'PersistentVolumeClaim', namespace: 'shop-drill', name: 'data', condition: 'ready', detail: 'Bound' }
  ]
};

describe('restore report with wait-for-workloads', () => {
  it('gives the ready count and names what is not ready as Kind/namespace/name', () => {
    expect(restoreOutputs(result(mixed))).toMatchObject({ 'workloads-ready': '2', 'workloads-not-ready': 'Deployment/shop-drill/broken,Job/shop-drill/migrate' });
    expect(restoreOutputs(result({ ...mixed, ready: 1, workloads: mixed.workloads.slice(2, 3) }))).toMatchObject({ 'workloads-ready': '1', 'workloads-not-ready': '' });
  });

  it('sets no workload outputs when it did not wait', () => {
    expect(Object.keys(restoreOutputs(result()))).not.toContain('workloads-ready');
    expect(restoreSummary(result())).not.toContain('### Workloads');
  });

  it("shows each workload's state in the summary", () => {
    const summary = restoreSummary(result(mixed));
    expect(summary).toContain('### Workloads: 2 of 4 ready (waited 41 s of 40s)');
    expect(summary).toContain('| **not ready** | Deployment | shop-drill | broken | 0 of 1 updated replicas available; pod broken-5d8f-x: container main waiting (ErrImageNeverPull) |');
    expect(summary).toContain('| **failed** | Job | shop-drill | migrate | failed (BackoffLimitExceeded) |');
    expect(summary).toContain('| ready | Deployment | shop-drill | web | 1/1 available |');
  });

  it('says so when there was nothing to wait for', () => {
    expect(restoreSummary(result({ timeoutMs: 600_000, seconds: 0, ready: 0, workloads: [] }))).toContain('The restore created or updated no Deployment, StatefulSet, DaemonSet, ReplicaSet, Job or claim.');
  });
});
