import { describe, expect, it } from '@jest/globals';
import type { StoredBackup } from '../../../src/persistence/stored-backups.js';
import { backupProblem, planSync, recordFor } from '../../../src/sync/plan.js';
import type { KubeObject } from '../../../src/model/kube-object.js';

function backup(name: string, extra: Partial<KubeObject> = {}): KubeObject {
  return {
    apiVersion: 'velero.io/v1',
    kind: 'Backup',
    metadata: { name, namespace: 'velero', labels: { 'velero.io/storage-location': 'old-name' } },
    spec: { storageLocation: 'old-name', ttl: '720h0m0s' },
    status: { phase: 'Completed' },
    ...extra
  };
}

const complete = (name: string, b: KubeObject = backup(name)): StoredBackup => ({ name, state: 'complete', backup: b });
const URL = 's3://bucket/cluster-a';
const record = (name: string, phase: string | undefined, location = 'default'): KubeObject => ({
  apiVersion: 'velero.io/v1',
  kind: 'Backup',
  metadata: { name, namespace: 'velero', labels: { 'velero.io/storage-location': location }, annotations: { 'kube-backup.io/location': URL } },
  status: phase ? { phase } : {}
});

describe('planSync', () => {
  it('creates records for stored backups the cluster lacks and deletes finished ones whose folder is gone', () => {
    const plan = planSync({
      stored: [complete('a'), complete('b'), { name: 'unfinished', state: 'unfinished' }, { name: 'bad', state: 'corrupt', problem: 'velero-backup.json is not valid JSON' }],
      records: [
        record('b', 'Completed'),
        record('gone-completed', 'Completed'),
        record('gone-partial', 'PartiallyFailed'),
        record('gone-failed', 'Failed'),
        record('gone-inprogress', 'InProgress'),
        record('gone-other-location', 'Completed', 'elsewhere'),
        record('unfinished', 'Completed'),
        record('bad', 'Completed')
      ],
      locationName: 'default',
      locationUrl: URL,
      namespace: 'velero'
    });
    expect(plan.create.map((r) => r.metadata.name)).toEqual(['a']);
    expect(plan.present).toEqual(['b']);
    expect(plan.delete).toEqual(['gone-completed', 'gone-partial']);
    expect(plan.skipped).toEqual([{ name: 'bad', problem: 'velero-backup.json is not valid JSON' }]);
  });

  it('skips a Backup whose name or apiVersion does not match its folder', () => {
    const plan = planSync({
      stored: [complete('a', backup('not-a')), complete('b', backup('b', { apiVersion: 'ark.heptio.com/v1' }))],
      records: [],
      locationName: 'default',
      locationUrl: URL,
      namespace: 'velero'
    });
    expect(plan.create).toEqual([]);
    expect(plan.skipped.map((s) => s.problem)).toEqual([
      "velero-backup.json names the backup 'not-a', not 'a' as its folder does",
      "velero-backup.json holds apiVersion 'ark.heptio.com/v1', not velero.io/v1"
    ]);
  });
});

describe('recordFor', () => {
  it('moves the backup to this namespace and location, without server fields or owners', () => {
    const stored = backup('nightly-1', {
      metadata: {
        name: 'nightly-1',
        namespace: 'velero',
        uid: 'u-1',
        resourceVersion: '123',
        generation: 7,
        creationTimestamp: '2026-11-01T02:00:00Z',
        managedFields: [{ manager: 'velero-server' }],
        ownerReferences: [{ apiVersion: 'velero.io/v1', kind: 'Schedule', name: 'nightly', uid: 's-1' }],
        labels: { 'velero.io/storage-location': 'old-name', 'velero.io/schedule-name': 'nightly' },
        annotations: { 'velero.io/source-cluster-k8s-gitversion': 'v1.31.0' }
      }
    });
    const created = recordFor(stored, 'default', 'backups', URL);
    expect(created.metadata).toEqual({
      name: 'nightly-1',
      namespace: 'backups',
      labels: { 'velero.io/storage-location': 'default', 'velero.io/schedule-name': 'nightly' },
      annotations: { 'velero.io/source-cluster-k8s-gitversion': 'v1.31.0', 'kube-backup.io/location': URL }
    });
    expect(created.spec).toEqual({ storageLocation: 'default', ttl: '720h0m0s' });
    expect(created.status).toEqual({ phase: 'Completed' });
    // The stored object is untouched.
    expect(stored.metadata.uid).toBe('u-1');
  });

  it('adds labels and spec when the backup has none', () => {
    const created = recordFor({ apiVersion: 'velero.io/v1', kind: 'Backup', metadata: { name: 'x' } }, 'default', 'velero', URL);
    expect(created.metadata.labels).toEqual({ 'velero.io/storage-location': 'default' });
    expect(created.spec).toEqual({ storageLocation: 'default' });
  });
});

describe('backupProblem', () => {
  it('accepts a well-formed Backup', () => {
    expect(backupProblem('a', backup('a'))).toBeUndefined();
  });
  it('refuses a Backup without a finished phase, which Velero would run', () => {
    expect(backupProblem('a', backup('a', { status: {} }))).toMatch(/no finished phase \(none\)/);
    expect(backupProblem('a', backup('a', { status: { phase: 'New' } }))).toMatch(/no finished phase \(New\)/);
    expect(backupProblem('a', backup('a', { status: { phase: 'PartiallyFailed' } }))).toBeUndefined();
  });
  it('refuses a spec that is not an object', () => {
    expect(backupProblem('a', backup('a', { spec: 'x' }))).toMatch(/spec that is not an object/);
  });
});
