import os from 'node:os';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { runBackup } from '../../../src/backup/run.js';
import type { KubeCluster } from '../../../src/kube/kube-cluster.js';
import type { KubeObject } from '../../../src/model/kube-object.js';
import type { ResourceRef } from '../../../src/model/resource-ref.js';
import { runRestore, type RestoreResult } from '../../../src/restore/run.js';
import { parseBackupSettings, parseLocationPolicy } from '../../../src/settings/backup-settings.js';
import { mapReader } from '../../../src/settings/input-reader.js';
import { parseRestoreSettings } from '../../../src/settings/restore-settings.js';
import { MemoryLogger } from '../../../src/util/logger.js';
import { clusterFor, createNamespace, createServedCrd, deleteNamespace, freeFormCrd, refs, waitFor } from '../../support/cluster.js';
import { testEnvironment, uniqueName } from '../../support/environment.js';
import { localTestStore } from '../../support/stores.js';

// `existing-resource-policy: recreate` deletes and re-creates what differs. It must never delete what takes more
// than itself with it: a Namespace (everything in it, volumes included), a CRD (every custom resource of its
// kind), a claim or volume (the data), and custom resources unless allowed (an operator may delete external state).
const env = testEnvironment();
const ns = uniqueName('recreate');
const group = `${ns}.example.com`;
const widgets: ResourceRef = { group, version: 'v1', resource: 'widgets', namespaced: true };
const store = localTestStore();
let cluster: KubeCluster;

const uid = async (ref: ResourceRef, name: string, namespace?: string) => (await cluster.get(ref, name, namespace))?.metadata.uid;

async function restore(inputs: Record<string, string> = {}): Promise<RestoreResult> {
  const reader = mapReader({ 'from-backup': 'drifted', 'include-namespaces': ns, 'existing-resource-policy': 'recreate', ...inputs });
  return runRestore({ cluster, store: store.store, logger: new MemoryLogger(), tempDirectory: os.tmpdir() }, { settings: parseRestoreSettings(reader), location: parseLocationPolicy(reader) });
}

beforeAll(async () => {
  cluster = clusterFor(env.kubeconfig);
  await createNamespace(cluster, ns, { tier: 'gold' });
  await createServedCrd(cluster, freeFormCrd(group, 'Widget', ['v1']));
  await cluster.create(widgets, { apiVersion: `${group}/v1`, kind: 'Widget', metadata: { name: 'w1', namespace: ns }, spec: { size: 3 } });
  await cluster.create(refs.configmaps, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'cfg', namespace: ns }, data: { v: 'backed-up' } });
  await cluster.create(refs.pvcs, {
    apiVersion: 'v1',
    kind: 'PersistentVolumeClaim',
    metadata: { name: 'data', namespace: ns },
    spec: { accessModes: ['ReadWriteOnce'], storageClassName: env.storageClass, resources: { requests: { storage: '1Mi' } } }
  });
  await waitFor(async () => (await cluster.get(refs.pvcs, 'data', ns))?.spec !== undefined && ((await cluster.get(refs.pvcs, 'data', ns))!.status as { phase?: string }).phase === 'Bound', 'claim bound');
  const reader = mapReader({ 'backup-name': 'drifted', 'include-namespaces': ns });
  const backup = await runBackup({ cluster, store: store.store, logger: new MemoryLogger(), holder: 'test' }, { settings: parseBackupSettings(reader), location: parseLocationPolicy(reader) });
  expect(backup.phase).toBe('Completed');

  // Drift everything the backup holds, and add what it does not.
  await cluster.patch(refs.namespaces, ns, { metadata: { labels: { tier: 'silver' } } }, 'merge');
  await cluster.patch(refs.crds, `widgets.${group}`, { metadata: { labels: { drifted: 'yes' } } }, 'merge');
  await cluster.patch(widgets, 'w1', { spec: { size: 5 } }, 'merge', { namespace: ns });
  await cluster.patch(refs.configmaps, 'cfg', { data: { v: 'drifted' } }, 'merge', { namespace: ns });
  await cluster.patch(refs.pvcs, 'data', { metadata: { labels: { drifted: 'yes' } } }, 'merge', { namespace: ns });
  await cluster.create(refs.configmaps, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'not-in-backup', namespace: ns }, data: { v: 'keep me' } });
}, 180_000);

afterAll(async () => {
  await deleteNamespace(cluster, ns);
  await cluster.delete(refs.crds, `widgets.${group}`);
  await store.cleanup();
  cluster.close();
});

describe('existing-resource-policy: recreate', () => {
  it('updates namespaces, CRDs, claims and custom resources instead of deleting them, and recreates the rest', async () => {
    const before = { namespace: await uid(refs.namespaces, ns), crd: await uid(refs.crds, `widgets.${group}`), claim: await uid(refs.pvcs, 'data', ns), widget: await uid(widgets, 'w1', ns), cfg: await uid(refs.configmaps, 'cfg', ns) };
    const result = await restore();
    const outcome = (groupResource: string, name: string) => result.outcomes.find((o) => o.groupResource === groupResource && o.name === name);

    expect(await uid(refs.namespaces, ns)).toBe(before.namespace);
    expect((await cluster.get(refs.namespaces, ns))!.metadata.labels).toMatchObject({ tier: 'gold' });
    expect((await cluster.get(refs.configmaps, 'not-in-backup', ns))?.data).toEqual({ v: 'keep me' });
    expect(await uid(refs.crds, `widgets.${group}`)).toBe(before.crd);
    expect(await uid(refs.pvcs, 'data', ns)).toBe(before.claim);
    expect(await uid(widgets, 'w1', ns)).toBe(before.widget);
    expect(((await cluster.get(widgets, 'w1', ns))!.spec as { size: number }).size).toBe(3);
    expect(outcome('namespaces', ns)?.action).toBe('updated');
    expect(outcome(`widgets.${group}`, 'w1')?.reason).toMatch(/custom resource/);

    // What deleting loses nothing but itself is recreated, with the backed-up content.
    const cfg = (await cluster.get(refs.configmaps, 'cfg', ns)) as KubeObject;
    expect(cfg.metadata.uid).not.toBe(before.cfg);
    expect(cfg.data).toEqual({ v: 'backed-up' });
    expect(outcome('configmaps', 'cfg')?.action).toBe('recreated');
  }, 240_000);

  it('recreates the custom resources of kinds the user allows', async () => {
    await cluster.patch(widgets, 'w1', { spec: { size: 7 } }, 'merge', { namespace: ns });
    const before = await uid(widgets, 'w1', ns);
    const result = await restore({ 'recreate-custom-resources': `widgets.${group}`, 'include-resources': 'widgets' });
    expect(result.outcomes.find((o) => o.name === 'w1')?.action).toBe('recreated');
    expect(await uid(widgets, 'w1', ns)).not.toBe(before);
  }, 120_000);
});
