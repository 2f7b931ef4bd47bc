import { describe, expect, it } from '@jest/globals';
import type { ApiResource, Cluster, ListOptions } from '../../../src/kube/cluster.js';
import type { SyncSettings } from '../../../src/settings/lifecycle-settings.js';
import { backupKeys } from '../../../src/storage/layout.js';
import { runSync } from '../../../src/sync/run-sync.js';
import { syncOutputs, syncSummary } from '../../../src/report/sync-report.js';
import { MemoryLogger } from '../../../src/util/logger.js';
import { MemoryStore } from '../lease/memory-store.js';
import type { KubeObject } from '../../../src/model/kube-object.js';
import type { ResourceRef } from '../../../src/model/resource-ref.js';

const settings = (overrides: Partial<SyncSettings> = {}): SyncSettings => ({ veleroNamespace: 'velero', installCrds: false, lease: { ttlMs: 600_000, waitMs: 0 }, ...overrides });
const location = { name: 'default', accessMode: 'ReadWrite' as const };
const BACKUPS: ApiResource = { group: 'velero.io', version: 'v1', name: 'backups', kind: 'Backup', singularName: 'backup', namespaced: true, verbs: ['list', 'create', 'get', 'delete'], shortNames: [] };

/** Just enough of a cluster: objects by resource/namespace/name, a CRD creation that starts serving backups. */
class FakeCluster {
  readonly server = 'https://fake';
  readonly objects = new Map<string, KubeObject>();
  servesBackups: boolean;
  constructor(servesBackups: boolean) {
    this.servesBackups = servesBackups;
  }
  private key(ref: ResourceRef, name: string, namespace?: string) {
    return `${ref.resource}/${namespace ?? ''}/${name}`;
  }
  async discover() {
    return { groups: [], resources: this.servesBackups ? [BACKUPS] : [], failures: [] };
  }
  async get(ref: ResourceRef, name: string, namespace?: string) {
    if (ref.resource === 'customresourcedefinitions' && this.objects.has(this.key(ref, name))) {
      return { ...this.objects.get(this.key(ref, name))!, status: { conditions: [{ type: 'Established', status: 'True' }] } };
    }
    return this.objects.get(this.key(ref, name, namespace));
  }
  async listPage(ref: ResourceRef, options: ListOptions) {
    return { items: [...this.list(ref, options)] };
  }
  *list(ref: ResourceRef, options: ListOptions = {}) {
    for (const [key, object] of this.objects) if (key.startsWith(`${ref.resource}/${options.namespace ?? ''}/`)) yield object;
  }
  async create(ref: ResourceRef, object: KubeObject, options: { namespace?: string } = {}) {
    const key = this.key(ref, object.metadata.name!, options.namespace ?? object.metadata.namespace);
    if (this.objects.has(key)) throw Object.assign(new Error('exists'), { statusCode: 409 });
    if (object.metadata.name === 'refused') throw Object.assign(new Error('invalid'), { statusCode: 422 });
    if (ref.resource === 'customresourcedefinitions') this.servesBackups = true;
    this.objects.set(key, object);
    return object;
  }
  async delete(ref: ResourceRef, name: string, options: { namespace?: string } = {}) {
    return this.objects.delete(this.key(ref, name, options.namespace));
  }
}

async function putBackup(store: MemoryStore, name: string, content?: string) {
  await store.put(backupKeys(name).tarball, 'x');
  const backup = { apiVersion: 'velero.io/v1', kind: 'Backup', metadata: { name, namespace: 'velero' }, spec: { storageLocation: 'a' }, status: { phase: 'Completed' } };
  await store.put(backupKeys(name).metadata, content ?? JSON.stringify(backup));
}

const record = (name: string, phase: string): KubeObject => ({
  apiVersion: 'velero.io/v1',
  kind: 'Backup',
  metadata: { name, namespace: 'velero', labels: { 'velero.io/storage-location': 'default' } },
  status: { phase }
});

async function sync(store: MemoryStore, cluster: FakeCluster, overrides: Partial<SyncSettings> = {}, accessMode: 'ReadWrite' | 'ReadOnly' = 'ReadWrite') {
  return runSync({ store, cluster: cluster as unknown as Cluster, logger: new MemoryLogger(), holder: 'test', lease: { renewEveryMs: 0 } }, { settings: settings(overrides), location: { ...location, accessMode } });
}

describe('runSync', () => {
  it('stops, saying so, when the cluster has no Backup CRD and install-crds is off', async () => {
    await expect(sync(new MemoryStore(), new FakeCluster(false))).rejects.toThrow(/^Input 'install-crds': the cluster https:\/\/fake has no backups.velero.io CRD/);
  });

  it('installs the CRD and the namespace, creates missing records, deletes orphaned ones, skips corrupt ones', async () => {
    const store = new MemoryStore();
    await putBackup(store, 'a');
    await putBackup(store, 'b');
    await putBackup(store, 'broken', '{not json');
    await putBackup(store, 'refused');
    const cluster = new FakeCluster(false);
    const result = await sync(store, cluster, { installCrds: true });
    expect(result).toMatchObject({ crdInstalled: true, namespaceCreated: true, created: ['a', 'b'], deleted: [], present: 0 });
    expect(result.skipped.map((s) => s.name)).toEqual(['broken', 'refused']);
    expect(cluster.objects.get('backups/velero/a')).toMatchObject({ metadata: { labels: { 'velero.io/storage-location': 'default' } }, spec: { storageLocation: 'default' } });

    await store.deleteMany(store.keys('backups/b/'));
    cluster.objects.set('backups/velero/in-progress', record('in-progress', 'InProgress'));
    const again = await sync(store, cluster);
    expect(again).toMatchObject({ crdInstalled: false, namespaceCreated: false, created: [], deleted: ['b'], present: 1 });
    expect(cluster.objects.has('backups/velero/in-progress')).toBe(true);
    expect(syncOutputs(again)).toEqual({ created: '0', deleted: '1' });
    expect(syncSummary(again)).toContain('| b | deleted (folder gone) |');
    expect(store.keys('metadata/')).toEqual([]);
  });

  it('syncs a ReadOnly location without writing a lease to it', async () => {
    const store = new MemoryStore();
    await putBackup(store, 'a');
    const writes: string[] = [];
    const put = store.put.bind(store);
    store.put = async (key, ...rest) => (writes.push(key), put(key, ...rest));
    const result = await sync(store, new FakeCluster(true), {}, 'ReadOnly');
    expect(result.created).toEqual(['a']);
    expect(writes).toEqual([]);
  });
});
