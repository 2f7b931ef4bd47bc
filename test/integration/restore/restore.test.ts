import os from 'node:os';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { runBackup } from '../../../src/backup/run.js';
import type { KubeCluster } from '../../../src/kube/kube-cluster.js';
import { isUnchanged } from '../../../src/compare/diff.js';
import { runRestore, type RestoreResult } from '../../../src/restore/run.js';
import { parseBackupSettings, parseLocationPolicy } from '../../../src/settings/backup-settings.js';
import { mapReader } from '../../../src/settings/input-reader.js';
import { parseRestoreSettings } from '../../../src/settings/restore-settings.js';
import { backupKeys, restoreKeys } from '../../../src/storage/layout.js';
import type { ObjectStore } from '../../../src/storage/object-store.js';
import { MemoryLogger } from '../../../src/util/logger.js';
import { readGzJson, readJson } from '../../support/backups.js';
import { clusterFor, createNamespace, createServedCrd, deleteNamespace, freeFormCrd, refs, sleeperPod, waitFor, waitForPodRunning } from '../../support/cluster.js';
import { testEnvironment, uniqueName } from '../../support/environment.js';
import { veleroTarball } from '../../support/velero-go-writer.js';
import { allKeys, s3TestStore, type TestStore } from '../../support/stores.js';
import type { KubeObject } from '../../../src/model/kube-object.js';
import type { ResourceRef } from '../../../src/model/resource-ref.js';

const env = testEnvironment();
const base = uniqueName('rs');
const source = `${base}-app`;
const group = `${base.replace(/[^a-z0-9]/g, '')}.example.com`;
const crdName = `gadgets.${group}`;
const gadgets = (version: string): ResourceRef => ({ group, version, resource: 'gadgets', namespaced: true });
const roleBindings: ResourceRef = { group: 'rbac.authorization.k8s.io', version: 'v1', resource: 'rolebindings', namespaced: true };
let a: KubeCluster;
let b: KubeCluster;
let testStore: TestStore;
let store: ObjectStore;
let backupName: string;
const cleanups: (() => Promise<unknown>)[] = [];

const crd = (versions: string[], storage: string) => freeFormCrd(group, 'Gadget', versions, storage);

async function restore(cluster: KubeCluster, inputs: Record<string, string>): Promise<RestoreResult> {
  const reader = mapReader({ 'from-backup': backupName, 'restore-name': uniqueName('r'), ...inputs });
  return runRestore({ cluster, store, logger: new MemoryLogger(), tempDirectory: os.tmpdir() }, { settings: parseRestoreSettings(reader), location: parseLocationPolicy(reader) });
}

beforeAll(async () => {
  a = clusterFor(env.kubeconfig);
  b = clusterFor(env.kubeconfigB);
  testStore = await s3TestStore();
  store = testStore.store;
  await createServedCrd(a, crd(['v1', 'v1beta1'], 'v1'));
  await createNamespace(a, source, { team: 'payments' });
  await Promise.all([
    a.create(refs.configmaps, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'settings', namespace: source, labels: { app: 'shop' } }, data: { mode: 'fast', 'nested.json': '{"a":1}' } }),
    a.create(refs.secrets, { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'db-password', namespace: source }, type: 'Opaque', stringData: { password: 'hunter2', user: 'shop' } }),
    a.create(refs.serviceaccounts, { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'shop', namespace: source } }),
    a.create(roleBindings, {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'RoleBinding',
      metadata: { name: 'shop-view', namespace: source },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'view' },
      subjects: [{ kind: 'ServiceAccount', name: 'shop', namespace: source }]
    }),
    a.create(refs.services, { apiVersion: 'v1', kind: 'Service', metadata: { name: 'shop', namespace: source }, spec: { type: 'NodePort', selector: { app: 'shop' }, ports: [{ name: 'http', port: 80, targetPort: 8080 }] } }),
    a.create(refs.deployments, {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'shop', namespace: source, labels: { app: 'shop' } },
      spec: { replicas: 0, selector: { matchLabels: { app: 'shop' } }, template: { metadata: { labels: { app: 'shop' } }, spec: { containers: [{ name: 'shop', image: env.image, imagePullPolicy: 'Never', command: ['sleep', '3600'] }] } } }
    }),
    a.create(gadgets('v1'), { apiVersion: `${group}/v1`, kind: 'Gadget', metadata: { name: 'g1', namespace: source }, spec: { size: 'large' } }),
    a.create(
      refs.pods,
      sleeperPod(source, 'hooked', env.image, {
        annotations: {
          'init.hook.restore.velero.io/container-image': env.image,
          'init.hook.restore.velero.io/container-name': 'restore-init',
          'init.hook.restore.velero.io/command': '["sh", "-c", "echo restored-by-init"]',
          'post.hook.restore.velero.io/command': '["sh", "-c", "echo exec-hook > /tmp/restore-hook-ran"]',
          // Cluster B has no node, so there the pod never runs: the hook gives up quickly with a warning.
          'post.hook.restore.velero.io/wait-timeout': '20s',
          'post.hook.restore.velero.io/on-error': 'Continue'
        }
      })
    )
  ]);
  await waitForPodRunning(a, source, 'hooked');
  const reader = mapReader({ 'backup-name': `${base}-backup`, 'include-namespaces': source, 'exclude-resources': 'events', 'all-api-versions': 'true' });
  const backup = await runBackup({ cluster: a, store, logger: new MemoryLogger(), holder: 'test' }, { settings: parseBackupSettings(reader), location: parseLocationPolicy(reader) });
  expect(backup.phase).toBe('Completed');
  backupName = backup.name;
}, 240_000);

afterAll(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup().catch(() => undefined);
  await deleteNamespace(a, source);
  await a.delete(refs.crds, crdName);
  await b.delete(refs.crds, crdName);
  await testStore.cleanup();
  a.close();
  b.close();
});

describe('migration from cluster A to cluster B', () => {
  let result: RestoreResult;
  beforeAll(async () => {
    cleanups.push(() => deleteNamespace(b, source));
    result = await restore(b, {});
  }, 180_000);

  it('restores every selected object, each equal to its source after normalisation', async () => {
    expect(result.phase).toBe('Completed');
    expect(result.counts.failed).toBe(0);
    expect(result.counts.created).toBeGreaterThanOrEqual(9);
    for (const [ref, name] of [
      [refs.configmaps, 'settings'],
      [refs.secrets, 'db-password'],
      [refs.serviceaccounts, 'shop'],
      [roleBindings, 'shop-view'],
      [refs.services, 'shop'],
      [refs.deployments, 'shop'],
      [gadgets('v1'), 'g1'],
      [refs.pods, 'hooked']
    ] as [ResourceRef, string][]) {
      const original = (await a.get(ref, name, source))!;
      const restored = await b.get(ref, name, source);
      expect(restored).toBeDefined();
      const { spec, data, metadata } = original as KubeObject & { spec?: unknown; data?: unknown };
      const comparable: KubeObject = { apiVersion: original.apiVersion, kind: original.kind, metadata: { name: metadata.name, namespace: metadata.namespace, labels: metadata.labels } };
      if (data !== undefined) comparable.data = data;
      if (ref !== refs.services && ref !== refs.pods && spec !== undefined) comparable.spec = spec;
      expect(isUnchanged(comparable, restored!)).toBe(true);
      expect(restored!.metadata.labels).toMatchObject({ 'velero.io/backup-name': backupName, 'velero.io/restore-name': result.name });
    }
    const service = (await b.get(refs.services, 'shop', source))!.spec as { clusterIP: string; ports: { nodePort: number }[] };
    const original = (await a.get(refs.services, 'shop', source))!.spec as { clusterIP: string };
    expect(service.clusterIP).not.toBe(original.clusterIP);
    expect((await b.get(refs.namespaces, source))!.metadata.labels).toMatchObject({ team: 'payments' });
  });

  it('adds the restore init container to pods', async () => {
    const pod = (await b.get(refs.pods, 'hooked', source))!;
    expect((pod.spec as { initContainers?: { name: string }[] }).initContainers?.map((c) => c.name)).toContain('restore-init');
  });

  it("records the restore in Velero's layout, with our velero-restore.json", async () => {
    const keys = restoreKeys(result.name);
    expect(await readJson(store, keys.metadata)).toMatchObject({ kind: 'Restore', spec: { backupName }, status: { phase: 'Completed' } });
    const resourceList = await readGzJson<Record<string, string[]>>(store, keys.resourceList);
    expect(resourceList['v1/ConfigMap']).toContain(`${source}/settings(created)`);
    expect(await readGzJson(store, keys.results)).toMatchObject({ errors: {} });
  });

  it('finds everything unchanged when run again', async () => {
    const again = await restore(b, {});
    expect(again.counts.created).toBe(0);
    expect(again.counts.failed).toBe(0);
    expect(again.counts.updated).toBe(0);
    const leftDifferent = again.outcomes.filter((o) => o.action === 'conflict');
    expect(leftDifferent).toEqual([]);
  });
});

describe('restore into the same cluster under another namespace', () => {
  const target = `${base}-copy`;
  let result: RestoreResult;
  beforeAll(async () => {
    cleanups.push(() => deleteNamespace(a, target));
    result = await restore(a, { 'namespace-mappings': `${source}:${target}` });
  }, 180_000);

  it('creates the target namespace from the backed-up one and leaves the original alone', async () => {
    expect(result.counts.failed).toBe(0);
    expect((await a.get(refs.namespaces, target))!.metadata.labels).toMatchObject({ team: 'payments' });
    expect((await a.get(refs.configmaps, 'settings', target))!.data).toEqual({ mode: 'fast', 'nested.json': '{"a":1}' });
    expect((await a.get(refs.configmaps, 'settings', source))!.metadata.labels).not.toHaveProperty(['velero.io/restore-name']);
  });

  it('points RoleBinding subjects at the new namespace', async () => {
    const binding = (await a.get(roleBindings, 'shop-view', target))!;
    expect(binding.subjects).toEqual([{ kind: 'ServiceAccount', name: 'shop', namespace: target }]);
  });

  it('ran the exec hook in the restored pod', async () => {
    await waitForPodRunning(a, target, 'hooked');
    await waitFor(async () => (await a.exec({ namespace: target, pod: 'hooked', container: 'main' }, ['cat', '/tmp/restore-hook-ran'])).exitCode === 0, 'the exec hook marker', 30_000);
  });
});

describe('existing-resource policies', () => {
  const target = `${base}-policy`;
  const ns = (name: string) => ({ 'namespace-mappings': `${source}:${target}`, 'include-resources': 'configmaps,secrets', ...(name ? { 'existing-resource-policy': name } : {}) });
  beforeAll(async () => {
    cleanups.push(() => deleteNamespace(a, target));
    await restore(a, ns(''));
  }, 120_000);

  async function drift(): Promise<void> {
    await a.patch(refs.configmaps, 'settings', { data: { mode: 'slow' } }, 'merge', { namespace: target });
  }

  it('none: leaves a changed object and reports the difference, without values of secrets', async () => {
    await drift();
    const result = await restore(a, ns('none'));
    expect((await a.get(refs.configmaps, 'settings', target))!.data).toMatchObject({ mode: 'slow' });
    const conflict = result.outcomes.find((o) => o.name === 'settings')!;
    expect(conflict.action).toBe('conflict');
    expect(conflict.changes?.map((c) => c.path)).toContain('data.mode');
    expect(result.outcomes.find((o) => o.name === 'db-password')!.action).toBe('unchanged');
  });

  it('update: patches it back to the backup', async () => {
    const result = await restore(a, ns('update'));
    expect(result.outcomes.find((o) => o.name === 'settings')!.action).toBe('updated');
    expect((await a.get(refs.configmaps, 'settings', target))!.data).toMatchObject({ mode: 'fast' });
  });

  it('recreate: deletes and creates it anew', async () => {
    await drift();
    const before = (await a.get(refs.configmaps, 'settings', target))!.metadata.uid;
    const result = await restore(a, ns('recreate'));
    expect(result.outcomes.find((o) => o.name === 'settings')!.action).toBe('recreated');
    const after = (await a.get(refs.configmaps, 'settings', target))!;
    expect(after.metadata.uid).not.toBe(before);
    expect(after.data).toMatchObject({ mode: 'fast' });
  });
});

describe('dry run', () => {
  it('plans without writing anything to the cluster or the location', async () => {
    const target = `${base}-dry`;
    const keysBefore = await allKeys(store);
    await a.patch(refs.configmaps, 'settings', { data: { mode: 'drifted' } }, 'merge', { namespace: source });
    const result = await restore(a, { 'dry-run': 'true', 'namespace-mappings': `${source}:${target}`, 'include-resources': 'configmaps,secrets' });
    const inPlace = await restore(a, { 'dry-run': 'true', 'include-resources': 'configmaps,secrets', 'existing-resource-policy': 'update' });
    await a.patch(refs.configmaps, 'settings', { data: { mode: 'fast' } }, 'merge', { namespace: source });

    expect(await a.get(refs.namespaces, target)).toBeUndefined();
    expect(result.counts.created).toBeGreaterThanOrEqual(2);
    expect(result.recorded).toBe(false);
    const update = inPlace.outcomes.find((o) => o.name === 'settings')!;
    expect(update.action).toBe('updated');
    // ConfigMap values are never shown in a plan (they often hold credentials): the changed key is.
    expect(update.changes).toEqual([{ path: 'data.mode', op: 'replace', masked: true }]);
    expect((await a.get(refs.configmaps, 'settings', source))!.data).toMatchObject({ mode: 'fast' });
    expect(await allKeys(store)).toEqual(keysBefore);
  });

  it('names the keys of a Secret that would change, never the values', async () => {
    await a.patch(refs.secrets, 'db-password', { stringData: { password: 'changed-value' } }, 'merge', { namespace: source });
    const plan = await restore(a, { 'dry-run': 'true', 'include-resources': 'secrets', 'existing-resource-policy': 'update' });
    const secret = plan.outcomes.find((o) => o.name === 'db-password')!;
    expect(secret.changes).toEqual([expect.objectContaining({ path: 'data.password', masked: true })]);
    expect(JSON.stringify(plan.outcomes)).not.toMatch(/hunter2|changed-value|aHVudGVyMg|Y2hhbmdlZC12YWx1ZQ/);
    await restore(a, { 'include-resources': 'secrets', 'existing-resource-policy': 'update' });
  });
});

describe('API versions', () => {
  it('restores a custom resource through another version when the target does not serve the backed-up one', async () => {
    const ns = `${base}-ver`;
    // Cluster B serves the CRD at v1beta1 only; the backup holds g1 at v1 (preferred) and v1beta1.
    await b.delete(refs.crds, crdName);
    await waitFor(async () => !(await b.get(refs.crds, crdName)), 'old CRD gone on B');
    await createServedCrd(b, crd(['v1beta1'], 'v1beta1'));
    cleanups.push(() => deleteNamespace(b, ns));
    const result = await restore(b, { 'namespace-mappings': `${source}:${ns}`, 'include-resources': `gadgets.${group}` });
    expect(result.outcomes.find((o) => o.name === 'g1')).toMatchObject({ action: 'created' });
    expect(await b.get(gadgets('v1beta1'), 'g1', ns)).toMatchObject({ apiVersion: `${group}/v1beta1`, spec: { size: 'large' } });
  });
});

describe('a backup written the way Velero writes it', () => {
  it('restores from the tarball and velero-backup.json alone', async () => {
    const name = `${base}-velero`;
    const ns = `${base}-vel`;
    // Go's encoding/json escapes <, > and & (\u003c...) and sorts keys; the data must come back byte for byte.
    const configMap = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'from-velero', namespace: ns, uid: 'a1b2', resourceVersion: '42', creationTimestamp: '2026-01-01T00:00:00Z' }, data: { origin: 'velero', html: '<b>a & b</b>', unicode: 'grüße ✓' } };
    const secret = { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'from-velero', namespace: ns, uid: 'b2c3' }, type: 'Opaque', data: { password: Buffer.from('s3cret').toString('base64') } };
    const deployment = {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'web', namespace: ns, uid: 'd4e5', generation: 3 },
      spec: { replicas: 0, selector: { matchLabels: { app: 'web' } }, template: { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'main', image: env.image }] } } },
      status: { observedGeneration: 3 }
    };
    const namespace = { apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns, uid: 'c3d4' }, spec: { finalizers: ['kubernetes'] }, status: { phase: 'Active' } };
    await store.put(
      backupKeys(name).tarball,
      await veleroTarball([
        { groupResource: 'configmaps', namespace: ns, name: 'from-velero', version: 'v1', object: configMap },
        { groupResource: 'secrets', namespace: ns, name: 'from-velero', version: 'v1', object: secret },
        { groupResource: 'deployments.apps', namespace: ns, name: 'web', version: 'v1', object: deployment },
        { groupResource: 'namespaces', name: ns, version: 'v1', object: namespace }
      ])
    );
    // Velero's velero-backup.json: indented JSON of its Backup, status as its controller leaves it.
    const veleroBackup = {
      kind: 'Backup',
      apiVersion: 'velero.io/v1',
      metadata: { name, namespace: 'velero', uid: 'e5f6', resourceVersion: '1234', generation: 2, creationTimestamp: '2026-01-01T00:00:00Z', labels: { 'velero.io/storage-location': 'default' }, annotations: { 'velero.io/source-cluster-k8s-gitversion': 'v1.29.0' } },
      spec: { csiSnapshotTimeout: '10m0s', itemOperationTimeout: '4h0m0s', includedNamespaces: [ns], storageLocation: 'default', ttl: '720h0m0s', volumeSnapshotLocations: ['default'], defaultVolumesToFsBackup: false, hooks: {}, metadata: {} },
      status: { version: 1, formatVersion: '1.1.0', expiration: '2026-02-01T00:00:00Z', phase: 'Completed', startTimestamp: '2026-01-01T00:00:00Z', completionTimestamp: '2026-01-01T00:00:05Z', progress: { totalItems: 4, itemsBackedUp: 4 } }
    };
    await store.put(backupKeys(name).metadata, JSON.stringify(veleroBackup, null, 2));
    cleanups.push(() => deleteNamespace(b, ns));
    const reader = mapReader({ 'from-backup': name });
    const result = await runRestore({ cluster: b, store, logger: new MemoryLogger(), tempDirectory: os.tmpdir() }, { settings: parseRestoreSettings(reader), location: parseLocationPolicy(reader) });
    expect(result.phase).toBe('Completed');
    // The Namespace is created first from its backed-up object, and counted as created by this restore (as a dry
    // run counts it), not as found unchanged by its own item.
    expect(result.counts).toMatchObject({ created: 4, unchanged: 0, failed: 0 });
    expect((await b.get(refs.configmaps, 'from-velero', ns))!.data).toEqual(configMap.data);
    expect((await b.get(refs.secrets, 'from-velero', ns))!.data).toEqual(secret.data);
    expect((await b.get(refs.deployments, 'web', ns))!.spec).toMatchObject({ replicas: 0, selector: { matchLabels: { app: 'web' } } });
  });

  it('refuses a namespace mapping whose source the backup does not hold, before any write', async () => {
    // Ignored, as Velero ignores it, the restore would land under the backed-up names: here, over the source itself.
    const typo = `${source}x`;
    await expect(restore(a, { 'namespace-mappings': `${typo}:${source}-copy` })).rejects.toThrow(
      new RegExp(`^Input 'namespace-mappings': maps '${typo}', of which backup '${backupName}' holds nothing \\(its namespaces: .*${source}.*\\); nothing was written`)
    );
    expect(await a.get(refs.namespaces, `${source}-copy`)).toBeUndefined();
  });

  it('names the backups that exist when the one asked for does not', async () => {
    await expect(restore(b, { 'from-backup': 'no-such-backup' })).rejects.toThrow(new RegExp(`^Input 'from-backup': no backup named 'no-such-backup' in s3://.*Backups there, newest first: .*${backupName}`));
  });
});
