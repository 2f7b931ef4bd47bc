import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { runBackup } from '../../../src/backup/run.js';
import type { ListOptions, ListPage } from '../../../src/kube/cluster.js';
import { KubeApiError } from '../../../src/kube/http.js';
import type { KubeCluster } from '../../../src/kube/kube-cluster.js';
import type { ResourceRef } from '../../../src/model/resource-ref.js';
import { backupSummary } from '../../../src/report/backup-report.js';
import { parseBackupSettings, parseLocationPolicy } from '../../../src/settings/backup-settings.js';
import { mapReader } from '../../../src/settings/input-reader.js';
import { backupKeys } from '../../../src/storage/layout.js';
import { MemoryLogger } from '../../../src/util/logger.js';
import type { Cluster } from '../../../src/kube/cluster.js';
import { clusterFor, createNamespace, deleteNamespace, refs, testClaim } from '../../support/cluster.js';
import { DelegatingCluster } from '../../support/delegating-cluster.js';
import { testEnvironment, uniqueName } from '../../support/environment.js';
import { s3TestStore, type TestStore } from '../../support/stores.js';

const env = testEnvironment();
const shop = uniqueName('hr-shop');
let a: KubeCluster;
let testStore: TestStore;

async function backup(cluster: Cluster, inputs: Record<string, string>, logger = new MemoryLogger()) {
  const reader = mapReader({ 'backup-name': uniqueName('hrb'), ...inputs });
  return runBackup({ cluster, store: testStore.store, logger, holder: 'test' }, { settings: parseBackupSettings(reader), location: parseLocationPolicy(reader) });
}

/** The real cluster, except that every list of ConfigMaps is forbidden: a backup that meets only errors. */
class ConfigMapsForbidden extends DelegatingCluster {
  override listPage(ref: ResourceRef, options: ListOptions, token?: string): Promise<ListPage> {
    if (ref.resource === 'configmaps') return Promise.reject(new KubeApiError(403, 'Forbidden', 'configmaps is forbidden: User "ci" cannot list resource "configmaps"', 'GET', '/api/v1/configmaps'));
    return super.listPage(ref, options, token);
  }
}

beforeAll(async () => {
  a = clusterFor(env.kubeconfig);
  testStore = await s3TestStore();
  await createNamespace(a, shop);
  await a.create(refs.configmaps, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'settings', namespace: shop }, data: { mode: 'fast' } });
  await a.create(refs.pvcs, testClaim(shop, 'data', { storageClass: env.storageClass }));
}, 60_000);

afterAll(async () => {
  await deleteNamespace(a, shop);
  await testStore.cleanup();
  a.close();
});

describe('honest backup reports', () => {
  it('include-namespaces naming only a namespace that does not exist: Failed, naming it and the close existing name', async () => {
    const typo = `${shop}x`;
    const result = await backup(a, { 'include-namespaces': typo });
    expect(result.items).toBe(0);
    expect(result.phase).toBe('Failed');
    expect(result.failure).toContain(`include-namespaces names '${typo}', which the cluster does not have (close existing names: ${shop})`);
    expect(result.results.toJSON().warnings.namespaces?.[typo]?.[0]).toContain(`include-namespaces: namespace '${typo}' does not exist in ${a.server}`);
    // Never committed: nothing for a restore to pick as "latest".
    expect(await testStore.store.head(backupKeys(result.name).metadata)).toBeUndefined();
    const summary = backupSummary(result);
    expect(summary).toContain(`## Backup \`${result.name}\`: Failed`);
    expect(summary).toContain(`Existing namespaces with close names: ${shop}`);
  }, 60_000);

  it('a missing namespace beside a found one: Completed, with the warning', async () => {
    const result = await backup(a, { 'include-namespaces': `${shop},${shop}-gone` });
    expect(result.phase).toBe('Completed');
    expect(result.items).toBeGreaterThan(0);
    expect(backupSummary(result)).toContain(`namespace '${shop}-gone' does not exist`);
  }, 60_000);

  it('0 items and errors: Failed (Velero: PartiallyFailed), quoting the first error', async () => {
    const result = await backup(new ConfigMapsForbidden(a), { 'include-namespaces': shop, 'include-resources': 'configmaps' });
    expect(result.items).toBe(0);
    expect(result.errors).toBeGreaterThan(0);
    expect(result.phase).toBe('Failed');
    expect(result.failure).toMatch(/^0 items backed up, with 1 error; the first: .*cannot list configmaps in namespace .*forbidden/);
  }, 60_000);

  it('ends with a progress line counting every resource type walked, and names the claim whose data it did not take', async () => {
    const logger = new MemoryLogger();
    const result = await backup(a, { 'include-namespaces': shop }, logger);
    expect(result.phase).toBe('Completed');
    const last = logger.lines.filter((l) => l.message.startsWith('Progress:')).at(-1)!.message;
    const [, done, total] = /(\d+)\/(\d+) resource types done/.exec(last)!;
    expect(done).toBe(total);
    expect(Number(total)).toBeGreaterThan(10);
    expect(result.claimsWithoutData).toEqual([{ namespace: shop, name: 'data', reason: expect.any(String) }]);
    expect(backupSummary(result)).toMatch(new RegExp(`### Claims whose volume data is not in this backup[\\s\\S]*\\| ${shop}/data \\|`));
    expect(backupSummary(result)).toContain(`from \`${a.server}\``);
  }, 60_000);
});
