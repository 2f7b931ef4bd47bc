import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { runBackup } from '../../../src/backup/run.js';
import { POLICY_SKIP_REASON } from '../../../src/backup/volume-info.js';
import type { KubeCluster } from '../../../src/kube/kube-cluster.js';
import { parseBackupSettings, parseLocationPolicy } from '../../../src/settings/backup-settings.js';
import { mapReader } from '../../../src/settings/input-reader.js';
import { backupKeys } from '../../../src/storage/layout.js';
import { InputError } from '../../../src/util/errors.js';
import { MemoryLogger } from '../../../src/util/logger.js';
import { readVolumeCopies } from '../../../src/volumes/volume-copy-record.js';
import { readGzJson } from '../../support/backups.js';
import { clusterFor, createNamespace, deleteNamespace, refs, testClaim, waitForPodRunning } from '../../support/cluster.js';
import { testEnvironment, uniqueName } from '../../support/environment.js';
import { allKeys, localTestStore } from '../../support/stores.js';

// Volume policies decide before annotations (Velero's precedence): the first matching policy's action wins, and a
// volume no policy matches falls back to the pod's annotations.
const env = testEnvironment();
const ns = uniqueName('vpol');
const store = localTestStore();
let cluster: KubeCluster;

const POLICIES = `
version: v1
volumePolicies:
  - conditions: { pvcLabels: { backup: files } }
    action: { type: fs-backup }
  - conditions: { storageClass: [${env.storageClass}], capacity: "0,1Gi" }
    action: { type: skip }
`;

beforeAll(async () => {
  cluster = clusterFor(env.kubeconfig);
  await createNamespace(cluster, ns);
  const claim = (name: string, labels: Record<string, string>, size: string) => testClaim(ns, name, { size, labels });
  // labelled: copied by the first policy with no annotation; small: asked for by annotation, skipped by the second;
  // large: asked for, matched by no policy (over 1Gi), so the annotation decides.
  await cluster.create(refs.pvcs, claim('labelled', { backup: 'files' }, '10Mi'));
  await cluster.create(refs.pvcs, claim('small', {}, '10Mi'));
  await cluster.create(refs.pvcs, claim('large', {}, '2Gi'));
  const mount = (name: string) => ({ name, mountPath: `/${name}` });
  await cluster.create(refs.pods, {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: 'app', namespace: ns, annotations: { 'backup.velero.io/backup-volumes': 'small,large' } },
    spec: {
      terminationGracePeriodSeconds: 0,
      containers: [{ name: 'main', image: env.image, imagePullPolicy: 'Never', command: ['sleep', '3600'], volumeMounts: ['labelled', 'small', 'large'].map(mount) }],
      volumes: ['labelled', 'small', 'large'].map((name) => ({ name, persistentVolumeClaim: { claimName: name } }))
    }
  });
  await cluster.create(refs.configmaps, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'policies', namespace: ns }, data: { 'policies.yaml': POLICIES } });
  await waitForPodRunning(cluster, ns, 'app');
}, 120_000);

afterAll(async () => {
  await deleteNamespace(cluster, ns);
  await store.cleanup();
  cluster.close();
});

async function backupWith(name: string, policies: string) {
  const reader = mapReader({ 'backup-name': name, 'include-namespaces': ns, 'volume-policies': policies, 'data-mover-image': env.image });
  return runBackup({ cluster, store: store.store, logger: new MemoryLogger(), holder: 'test' }, { settings: parseBackupSettings(reader), location: parseLocationPolicy(reader) });
}

describe('volume policies', () => {
  it.each([
    ['inline', POLICIES],
    ['from a ConfigMap', `configmap:${ns}/policies`]
  ])('choose the method per volume before annotations (%s)', async (form, policies) => {
    const name = `${ns}-${form === 'inline' ? 'inline' : 'cm'}`;
    const result = await backupWith(name, policies);
    expect(result.phase).toBe('Completed');
    const copied = (await readVolumeCopies(store.store, name)).map((c) => c.claim).sort();
    expect(copied).toEqual(['labelled', 'large']);
    const info = await readGzJson<{ pvcName: string; skippedReason: string }[]>(store.store, backupKeys(name).volumeInfo);
    expect(info.find((entry) => entry.pvcName === 'small')?.skippedReason).toBe(POLICY_SKIP_REASON);
  });

  it('fails before writing anything when the named ConfigMap does not exist', async () => {
    const before = await allKeys(store.store);
    const attempt = backupWith(`${ns}-missing`, `configmap:${ns}/nope`);
    await expect(attempt).rejects.toThrow(InputError);
    await expect(attempt).rejects.toThrow(`ConfigMap ${ns}/nope does not exist`);
    expect(await allKeys(store.store)).toEqual(before);
  });
});
