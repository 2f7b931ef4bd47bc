import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { KubeCluster } from '../../../src/kube/kube-cluster.js';
import type { KubeObject } from '../../../src/model/kube-object.js';
import { runPrune } from '../../../src/prune/run-prune.js';
import type { ObjectStore } from '../../../src/storage/object-store.js';
import { runSync, type SyncResult } from '../../../src/sync/run-sync.js';
import { MemoryLogger } from '../../../src/util/logger.js';
import { BACKUP_REF } from '../../../src/velero/backup-crd.js';
import { clusterFor, deleteNamespace } from '../../support/cluster.js';
import { testEnvironment, uniqueName } from '../../support/environment.js';
import { localTestStore, type TestStore } from '../../support/stores.js';
import { backupOf, pruneSettings, smallNamespace, syncSettings } from '../lifecycle/support.js';

/**
 * Two locations under the same location name (`default`, as two prefixes of one bucket usually are) recorded into one
 * cluster namespace: syncing or pruning one must never delete the records of the other (item 5 of the Safety issue).
 */
const env = testEnvironment();
const HOUR = 3_600_000;
const sourceNamespace = uniqueName('sf-loc');
const recordsNamespace = uniqueName('sf-loc-velero');
const location = { name: 'default', accessMode: 'ReadWrite' as const };
let cluster: KubeCluster;
let a: TestStore;
let b: TestStore;
const names = { a: uniqueName('only-in-a'), b: uniqueName('only-in-b'), shared: uniqueName('in-both') };

beforeAll(async () => {
  cluster = clusterFor(env.kubeconfig);
  a = localTestStore();
  b = localTestStore();
  await smallNamespace(cluster, sourceNamespace);
  // Each location holds a backup of its own, and both hold one of the same name (two clusters' nightly backups).
  await backupOf(cluster, a.store, sourceNamespace, { 'backup-name': names.a });
  await backupOf(cluster, a.store, sourceNamespace, { 'backup-name': names.shared, ttl: '1h' });
  await backupOf(cluster, b.store, sourceNamespace, { 'backup-name': names.b });
  await backupOf(cluster, b.store, sourceNamespace, { 'backup-name': names.shared, ttl: '1h' });
}, 180_000);

afterAll(async () => {
  await deleteNamespace(cluster, sourceNamespace);
  await deleteNamespace(cluster, recordsNamespace);
  await Promise.all([a, b].map((s) => s?.cleanup()));
  cluster.close();
});

function sync(store: ObjectStore, logger = new MemoryLogger()): Promise<SyncResult> {
  return runSync({ store, cluster, logger, holder: 'test', lease: { renewEveryMs: 0 } }, { settings: syncSettings({ veleroNamespace: recordsNamespace }), location });
}

async function record(name: string): Promise<KubeObject | undefined> {
  return cluster.get(BACKUP_REF, name, recordsNamespace);
}

describe('two locations named default, recorded in one namespace', () => {
  it('sync of B leaves the records sync of A made, and a record of unknown origin', async () => {
    const first = await sync(a.store);
    expect(first.created.sort()).toEqual([names.a, names.shared].sort());
    // A record without the location annotation, as Velero's own sync (or an older version of this tool) makes.
    const foreign = uniqueName('velero-made');
    await cluster.create(BACKUP_REF, {
      apiVersion: 'velero.io/v1',
      kind: 'Backup',
      metadata: { name: foreign, namespace: recordsNamespace, labels: { 'velero.io/storage-location': 'default' } },
      spec: { storageLocation: 'default' },
      status: { phase: 'Completed' }
    });

    const logger = new MemoryLogger();
    const second = await sync(b.store, logger);
    expect(await record(names.a)).toBeDefined();
    expect(await record(foreign)).toBeDefined();
    expect(second.deleted).toEqual([]);
    expect(second.created).toEqual([names.b]);
    expect((await record(names.a))?.metadata.annotations?.['kube-backup.io/location']).toBe(a.store.url);
    // A's record of the shared name stays A's; B's backup of that name is reported, not taken over.
    expect((await record(names.shared))?.metadata.annotations?.['kube-backup.io/location']).toBe(a.store.url);
    expect(second.skipped).toContainEqual({ name: names.shared, problem: expect.stringContaining(a.store.url) });
    expect(second.leftAlone).toContainEqual({ name: foreign, reason: expect.stringMatching(/records no location/) });
    expect(logger.lines.map((l) => l.message)).toContainEqual(expect.stringContaining(`Left Backup ${recordsNamespace}/${foreign} alone`));
    expect((await record(names.b))?.metadata.annotations?.['kube-backup.io/location']).toBe(b.store.url);
  });

  it('prune of B leaves the record of A of the same name', async () => {
    // A's record of the shared name, as A's sync made it (the test above, or again here when run alone).
    if (!(await record(names.shared))) await sync(a.store);

    const pruned = await runPrune(
      { store: b.store, cluster, logger: new MemoryLogger(), clock: () => new Date(Date.now() + 2 * HOUR), holder: 'test', lease: { renewEveryMs: 0 } },
      { settings: pruneSettings({ veleroNamespace: recordsNamespace }), location }
    );
    expect(pruned.failures).toEqual([]);
    expect(await record(names.shared)).toBeDefined();
    expect(pruned.deleted.map((d) => [d.name, d.recordDeleted])).toEqual([[names.shared, false]]);
    expect((await record(names.shared))?.metadata.annotations?.['kube-backup.io/location']).toBe(a.store.url);
    expect(await record(names.a)).toBeDefined();
    expect(await a.store.head(`backups/${names.shared}/velero-backup.json`)).toBeDefined();

    // A's prune deletes A's record with A's backup.
    const own = await runPrune(
      { store: a.store, cluster, logger: new MemoryLogger(), clock: () => new Date(Date.now() + 2 * HOUR), holder: 'test', lease: { renewEveryMs: 0 } },
      { settings: pruneSettings({ veleroNamespace: recordsNamespace }), location }
    );
    expect(own.deleted.map((d) => [d.name, d.recordDeleted])).toEqual([[names.shared, true]]);
    expect(await record(names.shared)).toBeUndefined();
    expect(await record(names.a)).toBeDefined();
  });
});
