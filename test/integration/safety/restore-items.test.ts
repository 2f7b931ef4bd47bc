import os from 'node:os';
import type { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { ArchiveWriter } from '../../../src/archive/archive-writer.js';
import type { KubeCluster } from '../../../src/kube/kube-cluster.js';
import type { KubeObject } from '../../../src/model/kube-object.js';
import type { ResourceRef } from '../../../src/model/resource-ref.js';
import { runRestore, type RestoreResult } from '../../../src/restore/run.js';
import { parseLocationPolicy } from '../../../src/settings/backup-settings.js';
import { mapReader } from '../../../src/settings/input-reader.js';
import { parseRestoreSettings } from '../../../src/settings/restore-settings.js';
import { backupKeys, restoreKeys } from '../../../src/storage/layout.js';
import type { ObjectStore, PutOptions } from '../../../src/storage/object-store.js';
import type { ResultBucket } from '../../../src/util/run-results.js';
import { MemoryLogger } from '../../../src/util/logger.js';
import { clusterFor, createNamespace, deleteNamespace, refs } from '../../support/cluster.js';
import { testEnvironment, uniqueName } from '../../support/environment.js';
import { allKeys, localTestStore } from '../../support/stores.js';
import { veleroBackupObject } from '../lifecycle/velero-fixture.js';
import { DelegatingStore } from '../../support/delegating-store.js';

// A restore trusts nothing in an item's file: the archive path is where the item belongs (as in Velero), an item
// whose JSON says otherwise, or that is not an object at all, fails alone and names its entry, and a restore that
// happened keeps its report whatever the store does afterwards.
const env = testEnvironment();
const store = localTestStore();
const clusterRoles: ResourceRef = { group: 'rbac.authorization.k8s.io', version: 'v1', resource: 'clusterroles', namespaced: false };
let cluster: KubeCluster;

const relA = uniqueName('ri-a');
const targetA = `${relA}-t`;
const victim = uniqueName('ri-victim');
const relB = uniqueName('ri-b');
const victimNs = uniqueName('ri-victim-ns');
const relC = uniqueName('ri-c');
const relD = uniqueName('ri-d');
const elsewhere = uniqueName('ri-elsewhere');
const roleInNamespace = uniqueName('ri-role-ns');
const roleWithNamespace = uniqueName('ri-role-cl');
const createdNamespaces = [targetA, victim, relB, victimNs, relC, relD];

/** One file of a hand-made archive: an item written as Velero writes it (plain and preferred-version copies). */
interface ArchiveFile {
  path: string;
  content: string;
}

const itemFiles = (groupResource: string, namespace: string | undefined, name: string, content: KubeObject | string): ArchiveFile[] => {
  const scope = namespace === undefined ? 'cluster' : `namespaces/${namespace}`;
  const text = typeof content === 'string' ? content : JSON.stringify(content);
  return [
    { path: `resources/${groupResource}/${scope}/${name}.json`, content: text },
    { path: `resources/${groupResource}/v1-preferredversion/${scope}/${name}.json`, content: text }
  ];
};
const configMap = (namespace: string | undefined, name: string, data: Record<string, string>): KubeObject => ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, ...(namespace ? { namespace } : {}) }, data });
const namespaceObject = (name: string, labels: Record<string, string> = {}): KubeObject => ({ apiVersion: 'v1', kind: 'Namespace', metadata: { name, labels }, spec: { finalizers: ['kubernetes'] } });

/** A backup folder as Velero lays it out, its tarball holding exactly `files` (hostile ones included). */
async function writeBackup(name: string, files: ArchiveFile[]): Promise<void> {
  const keys = backupKeys(name);
  const writer = new ArchiveWriter();
  const upload = store.store.put(keys.tarball, writer.output, { contentType: 'application/gzip' });
  for (const file of files) await writer.addFile(file.path, file.content);
  await writer.finish();
  await upload;
  await store.store.put(keys.metadata, JSON.stringify(veleroBackupObject(name, { schedule: 'hostile', started: new Date(), ttlHours: 720, items: files.length / 2 }), null, 2));
}

async function restore(backup: string, inputs: Record<string, string>, restoreStore: ObjectStore = store.store): Promise<RestoreResult> {
  const reader = mapReader({ 'from-backup': backup, ...inputs });
  return runRestore({ cluster, store: restoreStore, logger: new MemoryLogger(), tempDirectory: os.tmpdir() }, { settings: parseRestoreSettings(reader), location: parseLocationPolicy(reader) });
}

const messages = (bucket: ResultBucket): string[] => [...(bucket.velero ?? []), ...(bucket.cluster ?? []), ...Object.values(bucket.namespaces ?? {}).flat()];
const outcomeOf = (result: RestoreResult, groupResource: string, name: string) => result.outcomes.find((o) => o.groupResource === groupResource && o.name === name);

/** A store that broke after the cluster writes: every write of a restore's record fails. */
class FailingRecordStore extends DelegatingStore {
  override async put(key: string, body: Readable | Buffer | string, options?: PutOptions): Promise<void> {
    if (key.startsWith('restores/')) throw new Error(`simulated store failure writing ${key}`);
    return this.real.put(key, body, options);
  }
}

/** A prune removes the backup's velero-backup.json (its first step) once the restore has fetched the archive. */
class PrunedWhileRestoringStore extends DelegatingStore {
  constructor(
    real: ObjectStore,
    private readonly backupName: string
  ) {
    super(real);
  }
  override async get(key: string): Promise<Readable> {
    const stream = await this.real.get(key);
    if (key === backupKeys(this.backupName).tarball) await this.real.deleteMany([backupKeys(this.backupName).metadata]);
    return stream;
  }
}

beforeAll(async () => {
  cluster = clusterFor(env.kubeconfig);
  await createNamespace(cluster, targetA);
  await createNamespace(cluster, victim);
  await createNamespace(cluster, victimNs, { owner: 'test' });
  await cluster.create(refs.configmaps, configMap(victim, 'stolen', { v: 'victim' }));
  await cluster.create(refs.configmaps, configMap(targetA, 'keep', { v: 'target' }));
  await cluster.create(refs.configmaps, configMap(victimNs, 'cfg', { v: 'victim' }));

  await writeBackup('mismatch', [
    ...itemFiles('namespaces', undefined, relA, namespaceObject(relA)),
    ...itemFiles('configmaps', relA, 'ok', configMap(relA, 'ok', { v: 'ok' })),
    ...itemFiles('configmaps', relA, 'stolen', configMap(victim, 'stolen', { v: 'from-backup' })),
    ...itemFiles('configmaps', relA, 'renamed', configMap(relA, 'keep', { v: 'from-backup' })),
    ...itemFiles('configmaps', relA, 'no-namespace', configMap(undefined, 'no-namespace', { v: 'filled' })),
    ...itemFiles('clusterroles.rbac.authorization.k8s.io', relA, roleInNamespace, { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRole', metadata: { name: roleInNamespace, namespace: relA }, rules: [] }),
    ...itemFiles('clusterroles.rbac.authorization.k8s.io', undefined, roleWithNamespace, { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRole', metadata: { name: roleWithNamespace, namespace: relA }, rules: [] })
  ]);
  await writeBackup('namespace-mismatch', [
    ...itemFiles('namespaces', undefined, relB, namespaceObject(victimNs, { hacked: 'yes' })),
    ...itemFiles('configmaps', relB, 'cfg', configMap(relB, 'cfg', { v: 'from-backup' }))
  ]);
  await writeBackup('invalid', [
    ...itemFiles('namespaces', undefined, relC, '{"apiVersion":"v1","kind":"Namespace","metadata":{"name":'),
    ...itemFiles('configmaps', relC, 'good', configMap(relC, 'good', { v: 'good' })),
    ...itemFiles('configmaps', relC, 'broken', '{not json'),
    ...itemFiles('configmaps', relC, 'array', '[1, 2]'),
    ...itemFiles('configmaps', relC, 'no-metadata', '{"apiVersion":"v1","kind":"ConfigMap","data":{"v":"x"}}'),
    ...itemFiles('configmaps', elsewhere, 'bad', 'nope'),
    ...itemFiles('customresourcedefinitions.apiextensions.k8s.io', undefined, 'gadgets.example.com', '{')
  ]);
  await writeBackup('outside-only', [
    ...itemFiles('namespaces', undefined, relD, namespaceObject(relD)),
    ...itemFiles('configmaps', relD, 'good', configMap(relD, 'good', { v: 'good' })),
    ...itemFiles('configmaps', elsewhere, 'bad', '{not json'),
    ...itemFiles('configmaps', elsewhere, 'moved', configMap(relD, 'moved', { v: 'x' })),
    ...itemFiles('customresourcedefinitions.apiextensions.k8s.io', undefined, 'gadgets.example.com', '{')
  ]);
  await writeBackup('plain', [...itemFiles('namespaces', undefined, relD, namespaceObject(relD)), ...itemFiles('configmaps', relD, 'plain', configMap(relD, 'plain', { v: 'plain' }))]);
}, 180_000);

afterAll(async () => {
  for (const ns of createdNamespaces) await deleteNamespace(cluster, ns).catch(() => {});
  for (const role of [roleInNamespace, roleWithNamespace]) await cluster.delete(clusterRoles, role).catch(() => {});
  await store.cleanup();
  cluster.close();
});

describe('an item whose JSON disagrees with its archive path', () => {
  it('fails alone, naming its entry, and never writes where the JSON points', async () => {
    const victimBefore = (await cluster.get(refs.configmaps, 'stolen', victim))!;
    const keepBefore = (await cluster.get(refs.configmaps, 'keep', targetA))!;
    const result = await restore('mismatch', { 'include-namespaces': relA, 'include-cluster-resources': 'true', 'namespace-mappings': `${relA}:${targetA}`, 'existing-resource-policy': 'recreate' });

    // Nothing outside the restored namespace's target was touched.
    const victimAfter = (await cluster.get(refs.configmaps, 'stolen', victim))!;
    expect(victimAfter.data).toEqual({ v: 'victim' });
    expect(victimAfter.metadata.uid).toBe(victimBefore.metadata.uid);
    const keepAfter = (await cluster.get(refs.configmaps, 'keep', targetA))!;
    expect(keepAfter.data).toEqual({ v: 'target' });
    expect(keepAfter.metadata.uid).toBe(keepBefore.metadata.uid);
    expect(await cluster.get(clusterRoles, roleInNamespace)).toBeUndefined();
    expect(await cluster.get(clusterRoles, roleWithNamespace)).toBeUndefined();

    // Each is a failed item naming its archive entry.
    expect(outcomeOf(result, 'configmaps', 'stolen')).toMatchObject({ action: 'failed', namespace: targetA, reason: expect.stringContaining(`resources/configmaps/namespaces/${relA}/stolen.json`) });
    expect(outcomeOf(result, 'configmaps', 'stolen')?.reason).toContain(victim);
    expect(outcomeOf(result, 'configmaps', 'renamed')).toMatchObject({ action: 'failed', reason: expect.stringContaining(`resources/configmaps/namespaces/${relA}/renamed.json`) });
    expect(outcomeOf(result, 'clusterroles.rbac.authorization.k8s.io', roleInNamespace)).toMatchObject({ action: 'failed', reason: expect.stringContaining(`namespaces/${relA}/${roleInNamespace}.json`) });
    expect(outcomeOf(result, 'clusterroles.rbac.authorization.k8s.io', roleWithNamespace)).toMatchObject({ action: 'failed', reason: expect.stringContaining(`cluster/${roleWithNamespace}.json`) });

    // The rest goes on: the good item, and the one whose JSON leaves its namespace to the path.
    expect(outcomeOf(result, 'configmaps', 'ok')?.action).toBe('created');
    expect((await cluster.get(refs.configmaps, 'ok', targetA))?.data).toEqual({ v: 'ok' });
    expect(outcomeOf(result, 'configmaps', 'no-namespace')?.action).toBe('created');
    expect((await cluster.get(refs.configmaps, 'no-namespace', targetA))?.data).toEqual({ v: 'filled' });
    expect(result.phase).toBe('PartiallyFailed');
    expect(result.counts.failed).toBe(4);
  }, 120_000);

  it('fails a Namespace item naming another namespace, and leaves that namespace alone', async () => {
    const before = (await cluster.get(refs.namespaces, victimNs))!;
    const result = await restore('namespace-mismatch', { 'include-namespaces': relB, 'existing-resource-policy': 'recreate' });

    const after = (await cluster.get(refs.namespaces, victimNs))!;
    expect(after.metadata.uid).toBe(before.metadata.uid);
    expect(after.metadata.deletionTimestamp).toBeUndefined();
    expect(after.metadata.labels).not.toHaveProperty('hacked');
    expect((await cluster.get(refs.configmaps, 'cfg', victimNs))?.data).toEqual({ v: 'victim' });
    expect(outcomeOf(result, 'namespaces', relB)).toMatchObject({ action: 'failed', reason: expect.stringContaining(`resources/namespaces/cluster/${relB}.json`) });
    expect(outcomeOf(result, 'namespaces', relB)?.reason).toContain(victimNs);

    // The namespace the path names is still created (blank: its item is not to be trusted), and its contents restored.
    const created = (await cluster.get(refs.namespaces, relB))!;
    expect(created.metadata.labels).not.toHaveProperty('hacked');
    expect((await cluster.get(refs.configmaps, 'cfg', relB))?.data).toEqual({ v: 'from-backup' });
    expect(result.phase).toBe('PartiallyFailed');
  }, 120_000);
});

describe('an item that cannot be read', () => {
  it('is a failed item naming its entry and the problem, and the restore goes on', async () => {
    const result = await restore('invalid', { 'include-namespaces': relC });

    expect(result.phase).toBe('PartiallyFailed');
    expect(outcomeOf(result, 'configmaps', 'good')?.action).toBe('created');
    expect((await cluster.get(refs.configmaps, 'good', relC))?.data).toEqual({ v: 'good' });
    expect(outcomeOf(result, 'configmaps', 'broken')).toMatchObject({ action: 'failed', namespace: relC, reason: expect.stringMatching(new RegExp(`resources/configmaps/namespaces/${relC}/broken\\.json.*not valid JSON`)) });
    expect(outcomeOf(result, 'configmaps', 'array')).toMatchObject({ action: 'failed', reason: expect.stringMatching(new RegExp(`configmaps/namespaces/${relC}/array\\.json.*not a Kubernetes object`)) });
    expect(outcomeOf(result, 'configmaps', 'no-metadata')).toMatchObject({ action: 'failed', reason: expect.stringMatching(new RegExp(`configmaps/namespaces/${relC}/no-metadata\\.json.*metadata`)) });
    // The namespace's own item is unreadable: the namespace is made blank (as Velero does), the item fails.
    expect(outcomeOf(result, 'namespaces', relC)).toMatchObject({ action: 'failed', reason: expect.stringContaining(`resources/namespaces/cluster/${relC}.json`) });
    expect(await cluster.get(refs.namespaces, relC)).toBeDefined();
    expect(result.counts.failed).toBe(4);

    // Unreadable items the filters leave out are warnings, not errors.
    const warnings = messages(result.results.warnings).join('\n');
    expect(warnings).toContain(`resources/configmaps/namespaces/${elsewhere}/bad.json`);
    expect(warnings).toContain('resources/customresourcedefinitions.apiextensions.k8s.io/cluster/gadgets.example.com.json');
    expect(messages(result.results.errors).join('\n')).not.toContain(elsewhere);
  }, 120_000);

  it('outside the filters, is a warning and the restore Completes', async () => {
    const result = await restore('outside-only', { 'include-namespaces': relD });
    expect(result.failure).toBeUndefined();
    expect(result.phase).toBe('Completed');
    expect(outcomeOf(result, 'configmaps', 'good')?.action).toBe('created');
    const warnings = messages(result.results.warnings).join('\n');
    expect(warnings).toContain(`resources/configmaps/namespaces/${elsewhere}/bad.json`);
    expect(warnings).toContain(`resources/configmaps/namespaces/${elsewhere}/moved.json`);
    expect(await cluster.get(refs.configmaps, 'moved', relD)).toBeUndefined();
  }, 120_000);
});

describe('the record of a restore', () => {
  it('is not written when the backup was pruned while the restore ran', async () => {
    await writeBackup('pruned', [...itemFiles('namespaces', undefined, relD, namespaceObject(relD)), ...itemFiles('configmaps', relD, 'pruned', configMap(relD, 'pruned', { v: 'p' }))]);
    const result = await restore('pruned', { 'include-namespaces': relD, 'restore-name': 'after-prune' }, new PrunedWhileRestoringStore(store.store, 'pruned'));
    expect(outcomeOf(result, 'configmaps', 'pruned')?.action).toBe('created');
    expect(await store.store.head(restoreKeys('after-prune').metadata)).toBeUndefined();
    expect((await allKeys(store.store)).filter((key) => key.startsWith(restoreKeys('after-prune').folder))).toEqual([]);
    expect(result.recorded).toBe(false);
    expect(messages(result.results.warnings).join('\n')).toMatch(/backup pruned is no longer/i);
  }, 120_000);

  it('that fails to store is a warning; the restore that happened keeps its result', async () => {
    const result = await restore('plain', { 'include-namespaces': relD, 'restore-name': 'unrecorded' }, new FailingRecordStore(store.store));
    expect(outcomeOf(result, 'configmaps', 'plain')?.action).toBe('created');
    expect((await cluster.get(refs.configmaps, 'plain', relD))?.data).toEqual({ v: 'plain' });
    expect(result.recorded).toBe(false);
    expect(result.phase).toBe('Completed');
    expect(messages(result.results.warnings).join('\n')).toContain('simulated store failure');
    expect(await store.store.head(restoreKeys('unrecorded').metadata)).toBeUndefined();
  }, 120_000);
});
