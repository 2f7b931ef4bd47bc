import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { KubeCluster } from '../../../src/kube/kube-cluster.js';
import { runBackup, type BackupResult } from '../../../src/backup/run.js';
import { parseBackupSettings, parseLocationPolicy } from '../../../src/settings/backup-settings.js';
import { mapReader } from '../../../src/settings/input-reader.js';
import { backupKeys } from '../../../src/storage/layout.js';
import type { ObjectStore } from '../../../src/storage/object-store.js';
import { InputError } from '../../../src/util/errors.js';
import { MemoryLogger } from '../../../src/util/logger.js';
import { itemKey, itemsIn, readGzJson, readGzText, readJson, readStoredArchive, type StoredArchive } from '../../support/backups.js';
import { clusterFor, createNamespace, createServedCrd, deleteNamespace, freeFormCrd, kubectl, refs, sleeperPod, waitFor, waitForPodRunning } from '../../support/cluster.js';
import { testEnvironment, uniqueName } from '../../support/environment.js';
import { allKeys, localTestStore, s3TestStore, type TestStore } from '../../support/stores.js';
import type { KubeObject } from '../../../src/model/kube-object.js';
import type { ResourceRef } from '../../../src/model/resource-ref.js';

const env = testEnvironment();
const base = uniqueName('bk');
const nsA = `${base}-a`;
const nsB = `${base}-b`;
const nsSkipped = `${base}-skip`;
const group = `${base.replace(/[^a-z0-9]/g, '')}.example.com`;
const widgets: ResourceRef = { group, version: 'v1', resource: 'widgets', namespaced: true };
const crdName = `widgets.${group}`;
const clusterRoles: ResourceRef = { group: 'rbac.authorization.k8s.io', version: 'v1', resource: 'clusterroles', namespaced: false };
const clusterRoleBindings: ResourceRef = { group: 'rbac.authorization.k8s.io', version: 'v1', resource: 'clusterrolebindings', namespaced: false };
let cluster: KubeCluster;
let pvName: string;
const stores: TestStore[] = [];

const cm = (namespace: string, name: string, labels: Record<string, string> = {}): KubeObject => ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, namespace, labels }, data: { key: name } });

beforeAll(async () => {
  cluster = clusterFor(env.kubeconfig);
  await createNamespace(cluster, nsA);
  await createNamespace(cluster, nsB);
  await createNamespace(cluster, nsSkipped, { 'velero.io/exclude-from-backup': 'true' });
  await createServedCrd(cluster, freeFormCrd(group, 'Widget', ['v1', 'v1beta1']));

  await Promise.all([
    cluster.create(refs.configmaps, cm(nsA, 'web-config', { app: 'web' })),
    cluster.create(refs.configmaps, cm(nsA, 'db-config', { app: 'db' })),
    cluster.create(refs.configmaps, cm(nsA, 'excluded-config', { 'velero.io/exclude-from-backup': 'true' })),
    cluster.create(refs.configmaps, cm(nsB, 'other-config', { app: 'web' })),
    cluster.create(refs.configmaps, cm(nsSkipped, 'never')),
    cluster.create(refs.secrets, { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'creds', namespace: nsA }, stringData: { password: 'hunter2' } }),
    cluster.create(refs.serviceaccounts, { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'robot', namespace: nsA } }),
    cluster.create(clusterRoles, { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRole', metadata: { name: `${base}-reader` }, rules: [{ apiGroups: [''], resources: ['pods'], verbs: ['get'] }] }),
    cluster.create(clusterRoleBindings, {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'ClusterRoleBinding',
      metadata: { name: `${base}-robot` },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: `${base}-reader` },
      subjects: [{ kind: 'ServiceAccount', name: 'robot', namespace: nsA }]
    }),
    cluster.create(widgets, { apiVersion: `${group}/v1`, kind: 'Widget', metadata: { name: 'w1', namespace: nsA }, spec: { size: 3 } }),
    cluster.create(refs.pvcs, {
      apiVersion: 'v1',
      kind: 'PersistentVolumeClaim',
      metadata: { name: 'data', namespace: nsA },
      spec: { accessModes: ['ReadWriteOnce'], storageClassName: env.storageClass, resources: { requests: { storage: '1Mi' } } }
    }),
    cluster.create(
      refs.pods,
      sleeperPod(nsA, 'db', env.image, {
        labels: { app: 'db' },
        annotations: {
          'pre.hook.backup.velero.io/command': '["sh", "-c", "date > /tmp/pre-hook-ran"]',
          'post.hook.backup.velero.io/command': '["sh", "-c", "date > /tmp/post-hook-ran"]'
        }
      }, 'data')
    ),
    cluster.create(
      refs.pods,
      sleeperPod(nsB, 'broken-hook', env.image, { annotations: { 'pre.hook.backup.velero.io/command': '["sh", "-c", "exit 7"]', 'pre.hook.backup.velero.io/on-error': 'Fail' } })
    )
  ]);
  await waitFor(async () => ((await cluster.get(refs.pvcs, 'data', nsA))?.status as { phase?: string })?.phase === 'Bound', 'PVC bound');
  pvName = ((await cluster.get(refs.pvcs, 'data', nsA))!.spec as { volumeName: string }).volumeName;
  await waitForPodRunning(cluster, nsA, 'db');
  await waitForPodRunning(cluster, nsB, 'broken-hook');
}, 180_000);

afterAll(async () => {
  await Promise.all([nsA, nsB, nsSkipped].map((ns) => deleteNamespace(cluster, ns)));
  await cluster.delete(refs.crds, crdName);
  await cluster.delete(clusterRoleBindings, `${base}-robot`);
  await cluster.delete(clusterRoles, `${base}-reader`);
  await Promise.all(stores.map((s) => s.cleanup()));
  cluster.close();
});

async function backup(store: ObjectStore, inputs: Record<string, string>, against: KubeCluster = cluster): Promise<BackupResult & { archive: StoredArchive }> {
  const reader = mapReader({ 'backup-name': uniqueName('b'), ...inputs });
  const result = await runBackup({ cluster: against, store, logger: new MemoryLogger(), holder: 'test' }, { settings: parseBackupSettings(reader), location: parseLocationPolicy(reader) });
  const archive = result.phase === 'Failed' ? { paths: [], items: new Set<string>(), objects: new Map() } : await readStoredArchive(store, result.name);
  return { ...result, archive };
}

function local(): ObjectStore {
  const s = localTestStore();
  stores.push(s);
  return s.store;
}

/** What kubectl, an independent client, lists in a namespace for every resource a backup takes. */
function kubectlInventory(namespace: string, skipResources: string[]): Set<string> {
  const resources = kubectl(env.kubeconfig, ['api-resources', '--verbs=list,create,get,delete', '--namespaced=true', '-o', 'name'])
    .split('\n')
    .filter(Boolean)
    // Velero takes events once, from the core group.
    .filter((r) => r !== 'events.events.k8s.io' && !skipResources.includes(r));
  const found = new Set<string>();
  for (const resource of resources) {
    const list = JSON.parse(kubectl(env.kubeconfig, ['get', resource, '-n', namespace, '-o', 'json'])) as { items: KubeObject[] };
    for (const item of list.items) {
      if (item.metadata.labels?.['velero.io/exclude-from-backup'] === 'true' || item.metadata.deletionTimestamp) continue;
      found.add(itemKey(resource, namespace, item.metadata.name!));
    }
  }
  return found;
}

describe('backup of one namespace to S3 (Swift)', () => {
  let result: BackupResult & { archive: StoredArchive };
  let store: ObjectStore;

  beforeAll(async () => {
    const s = await s3TestStore();
    stores.push(s);
    store = s.store;
    // Events come and go while a test runs; every other resource is compared exactly.
    result = await backup(store, { 'include-namespaces': nsA, 'exclude-resources': 'events', ttl: '36h' });
  }, 120_000);

  it('completes', () => {
    expect(result.phase).toBe('Completed');
    expect(result.errors).toBe(0);
  });

  it('stores exactly what the API holds in the namespace, plus the namespace and its related cluster items', () => {
    const expected = new Set([
      ...kubectlInventory(nsA, ['events']),
      itemKey('namespaces', undefined, nsA),
      itemKey('persistentvolumes', undefined, pvName),
      itemKey(`customresourcedefinitions.apiextensions.k8s.io`, undefined, crdName),
      itemKey('clusterrolebindings.rbac.authorization.k8s.io', undefined, `${base}-robot`),
      itemKey('clusterroles.rbac.authorization.k8s.io', undefined, `${base}-reader`)
    ]);
    expect([...result.archive.items].sort()).toEqual([...expected].sort());
    expect(result.items).toBe(expected.size);
    expect(result.archive.items.has(itemKey('configmaps', nsA, 'excluded-config'))).toBe(false);
  });

  it("writes Velero's tarball: metadata/version first, each item twice, objects with apiVersion and kind", () => {
    expect(result.archive.paths[0]).toBe('metadata/version');
    expect(result.archive.paths).toContain(`resources/configmaps/namespaces/${nsA}/web-config.json`);
    expect(result.archive.paths).toContain(`resources/configmaps/v1-preferredversion/namespaces/${nsA}/web-config.json`);
    expect(result.archive.paths).toContain(`resources/persistentvolumes/cluster/${pvName}.json`);
    expect(result.archive.paths).toContain(`resources/widgets.${group}/v1-preferredversion/namespaces/${nsA}/w1.json`);
    expect(result.archive.paths.length).toBe(1 + 2 * result.archive.items.size);
    const widget = result.archive.objects.get(itemKey(`widgets.${group}`, nsA, 'w1'))!;
    expect(widget).toMatchObject({ apiVersion: `${group}/v1`, kind: 'Widget', spec: { size: 3 } });
    expect(result.archive.objects.get(itemKey('configmaps', nsA, 'web-config'))).toMatchObject({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { uid: expect.any(String), resourceVersion: expect.any(String) } });
  });

  it('writes every file of the layout, velero-backup.json as a complete Backup', async () => {
    const keys = backupKeys(result.name);
    const stored = await readJson<KubeObject>(store, keys.metadata);
    expect(stored).toMatchObject({
      apiVersion: 'velero.io/v1',
      kind: 'Backup',
      metadata: { name: result.name, namespace: 'velero', labels: { 'velero.io/storage-location': 'default' }, annotations: { 'kube-backup.io/source-cluster-uid': expect.any(String) } },
      spec: { includedNamespaces: [nsA], excludedResources: ['events'], ttl: '36h0m0s', storageLocation: 'default' },
      status: { phase: 'Completed', formatVersion: '1.1.0', version: 1, progress: { totalItems: result.items, itemsBackedUp: result.items } }
    });
    const status = stored.status as { startTimestamp: string; expiration: string; completionTimestamp: string };
    expect(Date.parse(status.expiration) - Date.parse(status.startTimestamp)).toBe(36 * 3600 * 1000);
    expect(Date.parse(status.completionTimestamp)).toBeGreaterThanOrEqual(Date.parse(status.startTimestamp));

    const resourceList = await readGzJson<Record<string, string[]>>(store, keys.resourceList);
    expect(resourceList['v1/ConfigMap']).toEqual(expect.arrayContaining([`${nsA}/db-config`, `${nsA}/web-config`]));
    expect(resourceList['v1/PersistentVolume']).toEqual([pvName]);
    expect(resourceList['v1/Namespace']).toEqual([nsA]);
    expect(await readGzJson(store, keys.results)).toEqual({ errors: {}, warnings: {} });
    const logs = await readGzText(store, keys.logs);
    expect(logs).toMatch(new RegExp(`Starting backup ${result.name} of `));
    expect(logs).toMatch(new RegExp(`backup=velero/${result.name}`));
  });

  it('ran the pod hooks from annotations, before and after', async () => {
    const target = { namespace: nsA, pod: 'db', container: 'main' };
    expect((await cluster.exec(target, ['cat', '/tmp/pre-hook-ran'])).exitCode).toBe(0);
    expect((await cluster.exec(target, ['cat', '/tmp/post-hook-ran'])).exitCode).toBe(0);
  });

  it('refuses a second backup with the same name and leaves the first untouched', async () => {
    const before = await readJson<KubeObject>(store, backupKeys(result.name).metadata);
    const again = backup(store, { 'backup-name': result.name, 'include-namespaces': nsA });
    await expect(again).rejects.toThrow(InputError);
    await expect(again).rejects.toThrow(`Input 'backup-name': a backup named '${result.name}' already exists`);
    expect(await readJson<KubeObject>(store, backupKeys(result.name).metadata)).toEqual(before);
  });
});

describe('backup filters', () => {
  it('exclude-namespaces and the exclude label on a namespace', async () => {
    const { archive } = await backup(local(), { 'exclude-namespaces': `${nsB},kube-*`, 'include-resources': 'configmaps,namespaces' });
    const configMapsOfA = itemsIn(archive, nsA).filter((k) => k.startsWith('configmaps|'));
    expect(configMapsOfA).toEqual(expect.arrayContaining([itemKey('configmaps', nsA, 'db-config'), itemKey('configmaps', nsA, 'web-config')]));
    expect(configMapsOfA).not.toContain(itemKey('configmaps', nsA, 'excluded-config'));
    expect(archive.items.has(itemKey('namespaces', undefined, nsA))).toBe(true);
    expect(archive.items.has(itemKey('namespaces', undefined, nsB))).toBe(false);
    expect(archive.items.has(itemKey('namespaces', undefined, nsSkipped))).toBe(false);
    expect(itemsIn(archive, nsB)).toEqual([]);
    expect(itemsIn(archive, nsSkipped)).toEqual([]);
    expect([...archive.items].some((k) => k.startsWith('configmaps|kube-system|'))).toBe(false);
  });

  it('include-resources by short name and kind, exclude-resources', async () => {
    const { archive } = await backup(local(), { 'include-namespaces': nsA, 'include-resources': 'cm,Secret,widgets.' + group, 'exclude-resources': 'secrets' });
    const resources = new Set([...archive.items].map((k) => k.split('|')[0]));
    // Related items obey the resource filters too (Velero's rule): no CRD, no Namespace unless included.
    expect(resources).toEqual(new Set(['configmaps', `widgets.${group}`]));
  });

  it('selector and or-selector', async () => {
    const web = await backup(local(), { 'include-namespaces': `${nsA},${nsB}`, 'include-resources': 'configmaps', selector: 'app=web' });
    expect([...web.archive.items].sort()).toEqual([itemKey('configmaps', nsA, 'web-config'), itemKey('configmaps', nsB, 'other-config')]);
    const either = await backup(local(), { 'include-namespaces': nsA, 'include-resources': 'configmaps,pods', 'or-selector': 'app=web or app=db' });
    expect([...either.archive.items].sort()).toEqual([itemKey('configmaps', nsA, 'db-config'), itemKey('configmaps', nsA, 'web-config'), itemKey('pods', nsA, 'db')]);
  });

  it('include-cluster-resources: false takes no cluster item, true takes them all', async () => {
    const none = await backup(local(), { 'include-namespaces': nsA, 'include-cluster-resources': 'false', 'exclude-resources': 'events' });
    expect(itemsIn(none.archive, null).filter((k) => !k.startsWith('namespaces|'))).toEqual([]);
    const all = await backup(local(), { 'include-namespaces': nsA, 'include-cluster-resources': 'true', 'include-resources': 'clusterroles,configmaps' });
    expect(all.archive.items.has(itemKey('clusterroles.rbac.authorization.k8s.io', undefined, 'cluster-admin'))).toBe(true);
    expect(all.archive.items.has(itemKey('clusterroles.rbac.authorization.k8s.io', undefined, `${base}-reader`))).toBe(true);
  });

  it('all-api-versions stores the other served versions too', async () => {
    const { archive } = await backup(local(), { 'include-namespaces': nsA, 'include-resources': `widgets.${group}`, 'all-api-versions': 'true' });
    expect(archive.paths).toEqual(
      expect.arrayContaining([
        `resources/widgets.${group}/namespaces/${nsA}/w1.json`,
        `resources/widgets.${group}/v1-preferredversion/namespaces/${nsA}/w1.json`,
        `resources/widgets.${group}/v1beta1/namespaces/${nsA}/w1.json`
      ])
    );
  });
});

describe('backup outcomes', () => {
  it('leaves out a pod whose Fail-mode pre hook fails, and ends PartiallyFailed', async () => {
    const result = await backup(local(), { 'include-namespaces': nsB, 'include-resources': 'pods,configmaps' });
    expect(result.phase).toBe('PartiallyFailed');
    expect(result.archive.items.has(itemKey('pods', nsB, 'broken-hook'))).toBe(false);
    expect(result.archive.items.has(itemKey('configmaps', nsB, 'other-config'))).toBe(true);
    expect(result.results.errors.namespaces?.[nsB]?.join('\n')).toMatch(/broken-hook/);
  });

  it('runs spec hooks from the hooks input', async () => {
    const hooks = JSON.stringify({ resources: [{ name: 'mark', includedNamespaces: [nsA], labelSelector: { matchLabels: { app: 'db' } }, pre: [{ exec: { command: ['sh', '-c', 'echo spec > /tmp/spec-hook-ran'] } }] }] });
    await backup(local(), { 'include-namespaces': nsA, 'include-resources': 'pods', hooks });
    // The pod's own annotation hook takes precedence for its pre phase (Velero's rule), so the spec hook did not run.
    expect((await cluster.exec({ namespace: nsA, pod: 'db', container: 'main' }, ['cat', '/tmp/spec-hook-ran'])).exitCode).not.toBe(0);
  });

  it('refuses a ReadOnly location before writing anything', async () => {
    const store = local();
    await expect(backup(store, { 'storage-access-mode': 'ReadOnly' })).rejects.toThrow(/^Input 'storage-access-mode': the location 'default' .* is ReadOnly/);
    expect(await allKeys(store)).toEqual([]);
  });

  it('is PartiallyFailed for a user who may only use one namespace, with that namespace backed up', async () => {
    const limited = clusterFor(env.kubeconfigLimited!);
    const store = local();
    await cluster.create(refs.configmaps, cm('team-a', `${base}-limited`)).catch(() => undefined);
    // It may read its namespace but not list namespaces or any cluster-scoped resource.
    const result = await backup(store, { 'include-namespaces': 'team-a', 'include-resources': 'configmaps,namespaces,persistentvolumes', 'include-cluster-resources': 'true' }, limited);
    limited.close();
    expect(result.phase).toBe('PartiallyFailed');
    expect(result.archive.items.has(itemKey('configmaps', 'team-a', `${base}-limited`))).toBe(true);
    expect(result.archive.items.has(itemKey('namespaces', undefined, 'team-a'))).toBe(true);
    expect(result.results.errors.cluster).toEqual([expect.stringMatching(/^cannot list persistentvolumes: forbidden/)]);
    const stored = await readJson<KubeObject>(store, backupKeys(result.name).metadata);
    expect(stored.status).toMatchObject({ phase: 'PartiallyFailed', errors: result.errors });
    await cluster.delete(refs.configmaps, `${base}-limited`, { namespace: 'team-a' });
  });

  it('never commits velero-backup.json when the tarball cannot be stored', async () => {
    const store = local();
    const failing: ObjectStore = Object.create(store, {
      put: {
        value: async (key: string, body: never, options: never) => {
          if (key.endsWith('.tar.gz')) {
            for await (const chunk of body as AsyncIterable<Buffer>) void chunk;
            throw new Error('disk full');
          }
          return store.put(key, body, options);
        }
      }
    }) as ObjectStore;
    const result = await backup(failing, { 'include-namespaces': nsA, 'include-resources': 'configmaps' });
    expect(result.phase).toBe('Failed');
    expect(result.failure).toMatch(/disk full/);
    const keys = await allKeys(store);
    expect(keys.some((k) => k.endsWith('velero-backup.json'))).toBe(false);
    expect(keys).toEqual(expect.arrayContaining([backupKeys(result.name).logs, backupKeys(result.name).results]));
  });
});
