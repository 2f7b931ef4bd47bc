import { describe, expect, it } from '@jest/globals';
import type { KubeObject } from '../../../src/model/kube-object.js';
import type { StoredBackup } from '../../../src/persistence/stored-backups.js';
import { planSync } from '../../../src/sync/plan.js';

const A = 's3://bucket/cluster-a';
const B = 's3://bucket/cluster-b';

const stored = (name: string): StoredBackup => ({
  name,
  state: 'complete',
  backup: { apiVersion: 'velero.io/v1', kind: 'Backup', metadata: { name }, spec: {}, status: { phase: 'Completed' } }
});

/** A finished record of location `default`, marked with `url` (or unmarked, as Velero's own sync leaves it). */
const record = (name: string, url: string | undefined, locationName = 'default'): KubeObject => ({
  apiVersion: 'velero.io/v1',
  kind: 'Backup',
  metadata: { name, namespace: 'velero', labels: { 'velero.io/storage-location': locationName }, ...(url ? { annotations: { 'kube-backup.io/location': url } } : {}) },
  status: { phase: 'Completed' }
});

const plan = (stores: StoredBackup[], records: KubeObject[], url = B) => planSync({ stored: stores, records, locationName: 'default', locationUrl: url, namespace: 'velero' });

describe('planSync with several locations named default', () => {
  it('deletes only its own records whose folder is gone', () => {
    const result = plan([stored('b-kept')], [record('b-kept', B), record('b-gone', B), record('a-1', A), record('other-name', B, 'elsewhere')]);
    expect(result.delete).toEqual(['b-gone']);
    expect(result.present).toEqual(['b-kept']);
    expect(result.leftAlone).toEqual([]);
  });

  it('leaves alone, and reports, a finished record of its name without a location annotation', () => {
    const result = plan([], [record('velero-made', undefined), record('elsewhere-made', undefined, 'elsewhere')]);
    expect(result.delete).toEqual([]);
    expect(result.leftAlone).toEqual([{ name: 'velero-made', reason: expect.stringContaining('records no location') }]);
  });

  it('marks the records it creates with its own URL', () => {
    const result = plan([stored('b-new')], []);
    expect(result.create.map((r) => r.metadata.annotations)).toEqual([{ 'kube-backup.io/location': B }]);
  });

  it('overrides a location annotation the stored backup carries', () => {
    const copied = stored('b-copied') as Extract<StoredBackup, { state: 'complete' }>;
    copied.backup.metadata.annotations = { 'kube-backup.io/location': A };
    expect(plan([copied], []).create[0]!.metadata.annotations).toEqual({ 'kube-backup.io/location': B });
  });

  it('skips a backup whose name another location of the same name already records', () => {
    const result = plan([stored('nightly')], [record('nightly', A)]);
    expect(result.create).toEqual([]);
    expect(result.present).toEqual([]);
    expect(result.skipped).toEqual([{ name: 'nightly', problem: `a Backup object of this name records another location (${A}); it is left as it is` }]);
  });

  it('counts as present a record of the same name without annotation (Velero synced the same backup)', () => {
    expect(plan([stored('nightly')], [record('nightly', undefined)]).present).toEqual(['nightly']);
  });
});
