import os from 'node:os';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { runBackup } from '../../../src/backup/run.js';
import type { KubeCluster } from '../../../src/kube/kube-cluster.js';
import { runRestore, type RestoreResult } from '../../../src/restore/run.js';
import { parseBackupSettings, parseLocationPolicy } from '../../../src/settings/backup-settings.js';
import { mapReader } from '../../../src/settings/input-reader.js';
import { parseRestoreSettings } from '../../../src/settings/restore-settings.js';
import { MemoryLogger } from '../../../src/util/logger.js';
import { clusterFor, createNamespace, deleteNamespace, refs } from '../../support/cluster.js';
import { testEnvironment, uniqueName } from '../../support/environment.js';
import { allKeys, localTestStore } from '../../support/stores.js';
import type { KubeObject } from '../../../src/model/kube-object.js';

const env = testEnvironment();
const source = uniqueName('ro');
const store = localTestStore();
let cluster: KubeCluster;
const targets: string[] = [];

const cm = (name: string, extra: Partial<KubeObject['metadata']> = {}): KubeObject => ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, namespace: source, ...extra }, data: { name } });

async function restore(inputs: Record<string, string>): Promise<RestoreResult> {
  const target = `${source}-${targets.length}`;
  targets.push(target);
  const reader = mapReader({ 'from-schedule': 'nightly', 'namespace-mappings': `${source}:${target}`, ...inputs });
  return runRestore({ cluster, store: store.store, logger: new MemoryLogger(), tempDirectory: os.tmpdir() }, { settings: parseRestoreSettings(reader), location: parseLocationPolicy(reader) });
}

beforeAll(async () => {
  cluster = clusterFor(env.kubeconfig);
  await createNamespace(cluster, source);
  const owner = await cluster.create(refs.configmaps, cm('owner'));
  await cluster.create(refs.configmaps, cm('owned', { ownerReferences: [{ apiVersion: 'v1', kind: 'ConfigMap', name: 'owner', uid: owner.metadata.uid! }] }));
  await cluster.create(refs.configmaps, cm('app-one'));
  await cluster.create(refs.configmaps, cm('app-two'));
  const reader = mapReader({ 'schedule-name': 'nightly', 'include-namespaces': source, 'include-resources': 'configmaps' });
  const backup = await runBackup({ cluster, store: store.store, logger: new MemoryLogger(), holder: 'test' }, { settings: parseBackupSettings(reader), location: parseLocationPolicy(reader) });
  expect(backup.phase).toBe('Completed');
}, 120_000);

afterAll(async () => {
  for (const ns of [source, ...targets]) await deleteNamespace(cluster, ns);
  await store.cleanup();
  cluster.close();
});

describe('restore options', () => {
  it('restores only the objects include-names names, globs included, from the newest backup of a schedule', async () => {
    const result = await restore({ 'include-names': `${source}/configmaps/app-*` });
    const target = targets.at(-1)!;
    expect(result.outcomes.filter((o) => o.action === 'created').map((o) => o.name).sort()).toEqual(['app-one', 'app-two']);
    expect(await cluster.get(refs.configmaps, 'owner', target)).toBeUndefined();
  });

  it('keeps ownerReferences with preserve-owner-references, pointing at the restored owner', async () => {
    const result = await restore({ 'include-names': `${source}/cm/owner,${source}/cm/owned`, 'preserve-owner-references': 'true' });
    expect(result.counts.failed).toBe(0);
    const target = targets.at(-1)!;
    const owner = (await cluster.get(refs.configmaps, 'owner', target))!;
    const owned = (await cluster.get(refs.configmaps, 'owned', target))!;
    expect(owned.metadata.ownerReferences).toEqual([expect.objectContaining({ kind: 'ConfigMap', name: 'owner', uid: owner.metadata.uid })]);
  });

  it('drops ownerReferences by default, as Velero does', async () => {
    await restore({ 'include-names': `${source}/configmaps/owned` });
    expect((await cluster.get(refs.configmaps, 'owned', targets.at(-1)!))!.metadata.ownerReferences).toBeUndefined();
  });

  it('writes no record of the restore to a ReadOnly location', async () => {
    const before = await allKeys(store.store);
    const result = await restore({ 'include-names': `${source}/configmaps/app-one`, 'storage-access-mode': 'ReadOnly' });
    expect(result.counts.created).toBe(1);
    expect(result.recorded).toBe(false);
    expect(await allKeys(store.store)).toEqual(before);
  });

  it('names the schedule when it has no Completed backup', async () => {
    await expect(restore({ 'from-schedule': 'weekly' })).rejects.toThrow(/^Input 'from-schedule': no Completed backup of schedule 'weekly' in file:\/\//);
  });
});
