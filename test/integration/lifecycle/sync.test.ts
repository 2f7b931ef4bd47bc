import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { KubeCluster } from '../../../src/kube/kube-cluster.js';
import { backupKeys } from '../../../src/storage/layout.js';
import type { ObjectStore } from '../../../src/storage/object-store.js';
import { BACKUP_CRD_NAME, BACKUP_REF, CRD_REF } from '../../../src/velero/backup-crd.js';
import { runSync, type SyncResult } from '../../../src/sync/run-sync.js';
import { syncOutputs } from '../../../src/report/sync-report.js';
import { MemoryLogger } from '../../../src/util/logger.js';
import { clusterFor, deleteNamespace, kubectl, waitFor } from '../../support/cluster.js';
import { testEnvironment, uniqueName } from '../../support/environment.js';
import { s3TestStore, type TestStore } from '../../support/stores.js';
import { backupOf, smallNamespace, syncSettings } from './support.js';
import { writeVeleroBackup } from './velero-fixture.js';
import type { KubeObject } from '../../../src/model/kube-object.js';

const env = testEnvironment();
const sourceNamespace = uniqueName('lc-sync');
const recordsNamespace = uniqueName('lc-velero');
// The location has another name in cluster B than the one the backups were written under in cluster A.
const location = { name: 'from-cluster-a', accessMode: 'ReadOnly' as const };
const veleroName = 'velero-daily-20261120020000';
let clusterA: KubeCluster;
let clusterB: KubeCluster;
let testStore: TestStore;
let store: ObjectStore;
let names: string[];

beforeAll(async () => {
  clusterA = clusterFor(env.kubeconfig);
  clusterB = clusterFor(env.kubeconfigB);
  testStore = await s3TestStore();
  store = testStore.store;
  await smallNamespace(clusterA, sourceNamespace);
  const first = await backupOf(clusterA, store, sourceNamespace, { 'backup-name': uniqueName('a-first') });
  const second = await backupOf(clusterA, store, sourceNamespace, { 'backup-name': uniqueName('a-second') });
  await writeVeleroBackup(store, veleroName, { schedule: 'velero-daily', started: new Date(Date.now() - DAY), ttlHours: 720 });
  await store.put(backupKeys('corrupt').tarball, 'x');
  await store.put(backupKeys('corrupt').metadata, '{"kind": "Backup", "metadata": ');
  await store.put(backupKeys('unfinished').tarball, 'x');
  names = [first.name, second.name, veleroName].sort();
}, 180_000);

afterAll(async () => {
  await deleteNamespace(clusterA, sourceNamespace);
  await deleteNamespace(clusterB, recordsNamespace);
  await testStore.cleanup();
  clusterA.close();
  clusterB.close();
});

const DAY = 86_400_000;

function sync(overrides: { installCrds?: boolean } = {}): Promise<SyncResult> {
  return runSync({ store, cluster: clusterB, logger: new MemoryLogger(), holder: 'test', lease: { renewEveryMs: 0 } }, { settings: syncSettings({ veleroNamespace: recordsNamespace, ...overrides }), location });
}

async function records(): Promise<KubeObject[]> {
  const found: KubeObject[] = [];
  for await (const record of clusterB.list(BACKUP_REF, { namespace: recordsNamespace })) found.push(record);
  return found.sort((a, b) => a.metadata.name!.localeCompare(b.metadata.name!));
}

describe('sync of cluster A backups into cluster B', () => {
  it('says so and stops when cluster B has no Backup CRD and install-crds is off', async () => {
    // Only a CRD our own tests installed is removed; a real Velero's is left alone (the check is then skipped).
    const crd = await clusterB.get(CRD_REF, BACKUP_CRD_NAME);
    if (crd?.metadata.annotations?.['kube-backup.io/created-by']) {
      await clusterB.delete(CRD_REF, BACKUP_CRD_NAME);
      await waitFor(async () => (await clusterB.get(CRD_REF, BACKUP_CRD_NAME)) === undefined, 'CRD deletion');
      await waitFor(async () => !(await clusterB.discover()).resources.some((r) => r.group === 'velero.io' && r.name === 'backups'), 'CRD out of discovery');
    }
    if (await clusterB.get(CRD_REF, BACKUP_CRD_NAME)) return;
    await expect(sync({ installCrds: false })).rejects.toThrow(/^Input 'install-crds': the cluster .* has no backups.velero.io CRD, so it cannot record backups/);
  });

  it('installs the CRD and creates a Backup for every valid backup folder, the Velero-written one included', async () => {
    const result = await sync();
    expect(result.created.sort()).toEqual(names);
    expect(result.deleted).toEqual([]);
    expect(result.skipped).toEqual([{ name: 'corrupt', problem: expect.stringMatching(/not valid JSON/) }]);
    expect(result.namespaceCreated).toBe(true);
    expect(syncOutputs(result)).toEqual({ created: '3', deleted: '0' });

    const found = await records();
    expect(found.map((r) => r.metadata.name)).toEqual(names);
    for (const record of found) {
      expect(record.metadata.labels?.['velero.io/storage-location']).toBe('from-cluster-a');
      expect((record.spec as { storageLocation?: string }).storageLocation).toBe('from-cluster-a');
      expect((record.status as { phase?: string }).phase).toBe('Completed');
      expect(record.metadata.ownerReferences).toBeUndefined();
    }
    const velero = found.find((r) => r.metadata.name === veleroName)!;
    expect(velero.metadata.labels?.['velero.io/schedule-name']).toBe('velero-daily');
    expect((velero.status as { formatVersion?: string }).formatVersion).toBe('1.1.0');
    expect((velero.spec as { ttl?: string }).ttl).toBe('720h0m0s');

    // kubectl, an independent client, sees them with the CRD's columns.
    const table = kubectl(env.kubeconfigB, ['get', 'backups.velero.io', '-n', recordsNamespace]);
    for (const name of names) expect(table).toMatch(new RegExp(`${name}\\s+Completed`));
  });

  it('changes nothing when run again', async () => {
    const result = await sync();
    expect(result).toMatchObject({ created: [], deleted: [], present: 3, crdInstalled: false, namespaceCreated: false });
  });

  it("deletes Completed and PartiallyFailed Backups of this location whose folder is gone, and no one else's", async () => {
    const gone = names[0]!;
    const keys: string[] = [];
    for await (const info of store.list(backupKeys(gone).folder)) keys.push(info.key);
    await store.deleteMany(keys);
    // Records of this location carry its URL; one without it (Velero's own, an older version's) is never deleted.
    const extra = (name: string, phase: string, location: string, url: string | null = store.url): KubeObject => ({
      apiVersion: 'velero.io/v1',
      kind: 'Backup',
      metadata: { name, namespace: recordsNamespace, labels: { 'velero.io/storage-location': location }, ...(url ? { annotations: { 'kube-backup.io/location': url } } : {}) },
      spec: { storageLocation: location },
      status: { phase }
    });
    await clusterB.create(BACKUP_REF, extra('partial-gone', 'PartiallyFailed', 'from-cluster-a'));
    await clusterB.create(BACKUP_REF, extra('in-progress', 'InProgress', 'from-cluster-a'));
    await clusterB.create(BACKUP_REF, extra('other-location', 'Completed', 'elsewhere'));
    await clusterB.create(BACKUP_REF, extra('unmarked-gone', 'Completed', 'from-cluster-a', null));

    const result = await sync();
    expect(result.deleted.sort()).toEqual([gone, 'partial-gone'].sort());
    expect(result.created).toEqual([]);
    expect(result.leftAlone.map((r) => r.name)).toEqual(['unmarked-gone']);
    expect((await records()).map((r) => r.metadata.name)).toEqual([...names.slice(1), 'in-progress', 'other-location', 'unmarked-gone'].sort());
  });
});
