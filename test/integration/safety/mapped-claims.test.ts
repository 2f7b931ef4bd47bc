import os from 'node:os';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { runBackup } from '../../../src/backup/run.js';
import type { KubeCluster } from '../../../src/kube/kube-cluster.js';
import { runRestore } from '../../../src/restore/run.js';
import { parseBackupSettings, parseLocationPolicy } from '../../../src/settings/backup-settings.js';
import { mapReader } from '../../../src/settings/input-reader.js';
import { parseRestoreSettings } from '../../../src/settings/restore-settings.js';
import { MemoryLogger } from '../../../src/util/logger.js';
import { clusterFor, createNamespace, deleteNamespace, refs, sleeperPod, waitFor, waitForPodRunning } from '../../support/cluster.js';
import { testEnvironment, uniqueName } from '../../support/environment.js';
import { localTestStore } from '../../support/stores.js';

// Cloning a namespace on the same cluster (`namespace-mappings: a:a-copy`) is a headline use: the copy's claims
// must bind and its pods start, while the original keeps its volume.
const env = testEnvironment();
const source = uniqueName('clone');
const copy = `${source}-copy`;
const store = localTestStore();
let cluster: KubeCluster;

const phaseOf = async (ref: typeof refs.pvcs | typeof refs.pods, name: string, namespace: string) =>
  ((await cluster.get(ref, name, namespace))?.status as { phase?: string } | undefined)?.phase;

beforeAll(async () => {
  cluster = clusterFor(env.kubeconfig);
  await createNamespace(cluster, source);
  await cluster.create(refs.pvcs, {
    apiVersion: 'v1',
    kind: 'PersistentVolumeClaim',
    metadata: { name: 'data', namespace: source },
    spec: { accessModes: ['ReadWriteOnce'], storageClassName: env.storageClass, resources: { requests: { storage: '1Mi' } } }
  });
  await cluster.create(refs.pods, sleeperPod(source, 'app', env.image, {}, 'data'));
  await waitForPodRunning(cluster, source, 'app');
  const reader = mapReader({ 'backup-name': `${source}-b`, 'include-namespaces': source });
  const backup = await runBackup({ cluster, store: store.store, logger: new MemoryLogger(), holder: 'test' }, { settings: parseBackupSettings(reader), location: parseLocationPolicy(reader) });
  expect(backup.phase).toBe('Completed');
}, 180_000);

afterAll(async () => {
  await deleteNamespace(cluster, copy);
  await deleteNamespace(cluster, source);
  await store.cleanup();
  cluster.close();
});

describe('a namespace cloned on the same cluster', () => {
  it('gets claims that bind to new volumes and pods that run, leaving the original bound to its volume', async () => {
    const original = (await cluster.get(refs.pvcs, 'data', source))!;
    const reader = mapReader({ 'from-backup': `${source}-b`, 'include-namespaces': source, 'namespace-mappings': `${source}:${copy}` });
    const result = await runRestore({ cluster, store: store.store, logger: new MemoryLogger(), tempDirectory: os.tmpdir() }, { settings: parseRestoreSettings(reader), location: parseLocationPolicy(reader) });
    expect(result.counts.failed).toBe(0);

    await waitFor(async () => (await phaseOf(refs.pvcs, 'data', copy)) === 'Bound', `claim ${copy}/data bound`, 60_000);
    await waitForPodRunning(cluster, copy, 'app');
    const cloned = (await cluster.get(refs.pvcs, 'data', copy))!;
    expect((cloned.spec as { volumeName: string }).volumeName).not.toBe((original.spec as { volumeName: string }).volumeName);
    expect((await cluster.get(refs.pvcs, 'data', source))!.spec).toEqual(original.spec);
    expect(await phaseOf(refs.pvcs, 'data', source)).toBe('Bound');
  }, 180_000);
});
