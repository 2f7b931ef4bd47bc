import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { gzipSync, gunzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { runBackup } from '../../../src/backup/run.js';
import type { KubeCluster } from '../../../src/kube/kube-cluster.js';
import { runRestore } from '../../../src/restore/run.js';
import { parseBackupSettings, parseLocationPolicy } from '../../../src/settings/backup-settings.js';
import { mapReader } from '../../../src/settings/input-reader.js';
import { parseRestoreSettings } from '../../../src/settings/restore-settings.js';
import { backupKeys } from '../../../src/storage/layout.js';
import { MemoryLogger } from '../../../src/util/logger.js';
import { ANNOTATIONS } from '../../../src/velero/vocabulary.js';
import { readVolumeCopies } from '../../../src/volumes/volume-copy-record.js';
import { clusterFor, createNamespace, deleteNamespace, refs, testClaim, waitFor, waitForPodRunning } from '../../support/cluster.js';
import { testEnvironment, uniqueName } from '../../support/environment.js';
import { localTestStore } from '../../support/stores.js';
import { dropChecksumManifest } from '../../support/integrity.js';

// What goes wrong with volume data must be loud and local: a copy that does not match its record fails its claim
// (annotated, named in the report) while the rest of the restore goes on; a record steering a restore elsewhere
// fails it before its first write; a data-mover pod that cannot start fails its volume, named, and is removed.
const env = testEnvironment();
const ns = uniqueName('fsbad');
const store = localTestStore();
const backupName = `${ns}-b`;
let cluster: KubeCluster;

async function restoreInto(target: string) {
  const reader = mapReader({ 'from-backup': backupName, 'include-namespaces': ns, 'namespace-mappings': `${ns}:${target}`, 'data-mover-image': env.image });
  return runRestore({ cluster, store: store.store, logger: new MemoryLogger(), tempDirectory: os.tmpdir() }, { settings: parseRestoreSettings(reader), location: parseLocationPolicy(reader) });
}

async function moverPods(namespace: string): Promise<string[]> {
  const names: string[] = [];
  for await (const pod of cluster.list(refs.pods, { namespace, labelSelector: 'kube-backup.io/data-mover=true' })) names.push(pod.metadata.name!);
  return names;
}

beforeAll(async () => {
  cluster = clusterFor(env.kubeconfig);
  await createNamespace(cluster, ns);
  await cluster.create(refs.pvcs, testClaim(ns, 'data', { size: '10Mi' }));
  await cluster.create(refs.pods, {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: 'app', namespace: ns, annotations: { 'backup.velero.io/backup-volumes': 'data' } },
    spec: {
      terminationGracePeriodSeconds: 0,
      containers: [{ name: 'main', image: env.image, imagePullPolicy: 'Never', command: ['sh', '-c', 'echo hello > /data/file; sleep 3600'], volumeMounts: [{ name: 'data', mountPath: '/data' }] }],
      volumes: [{ name: 'data', persistentVolumeClaim: { claimName: 'data' } }]
    }
  });
  await waitForPodRunning(cluster, ns, 'app');
  const reader = mapReader({ 'backup-name': backupName, 'include-namespaces': ns });
  const backup = await runBackup({ cluster, store: store.store, logger: new MemoryLogger(), holder: 'test' }, { settings: parseBackupSettings(reader), location: parseLocationPolicy(reader) });
  expect(backup.phase).toBe('Completed');
  // Without the checksum manifest, so what is tampered with here reaches the checks these tests are about (the
  // copy's own digests, the record's key rule) instead of failing the restore's integrity check before its first write.
  await dropChecksumManifest(store.store, backupName);
}, 120_000);

afterAll(async () => {
  for (const suffix of ['tampered', 'steered', 'quota']) await deleteNamespace(cluster, `${ns}-${suffix}`);
  await deleteNamespace(cluster, ns);
  await store.cleanup();
  cluster.close();
});

describe('a copy that does not match its record', () => {
  it('fails its claim, annotated and named, while the rest of the restore goes on', async () => {
    const [copy] = await readVolumeCopies(store.store, backupName);
    const file = path.join(store.directory, copy!.key);
    const original = fs.readFileSync(file);
    // Same length, other content: only the digests can tell.
    const altered = gzipSync(Buffer.from(gunzipSync(original).toString('latin1').replace('hello', 'HELLO'), 'latin1'));
    fs.writeFileSync(file, altered);
    try {
      const target = `${ns}-tampered`;
      const result = await restoreInto(target);
      expect(result.phase).toBe('PartiallyFailed');
      const errors = JSON.stringify(result.results.toJSON().errors);
      expect(errors).toContain(`cannot restore the data of claim ${target}/data`);
      expect(errors).toContain('is not the object the backup stored');
      const claim = await cluster.get(refs.pvcs, 'data', target);
      expect(claim!.metadata.annotations?.[ANNOTATIONS.volumeRestoreFailed]).toContain('sha256');
      expect(await cluster.get(refs.pods, 'app', target)).toBeDefined();
      expect(await moverPods(target)).toEqual([]);
    } finally {
      fs.writeFileSync(file, original);
    }
  }, 180_000);
});

describe('a target namespace whose quota refuses the data-mover pod', () => {
  it('fails the claim with an error naming the namespace and the reason', async () => {
    const target = `${ns}-quota`;
    await createNamespace(cluster, target);
    await cluster.create({ group: '', version: 'v1', resource: 'resourcequotas', namespaced: true }, { apiVersion: 'v1', kind: 'ResourceQuota', metadata: { name: 'no-pods', namespace: target }, spec: { hard: { pods: '0' } } });
    // The quota controller fills in status.used before the quota is enforced.
    await waitFor(async () => Boolean(((await cluster.get({ group: '', version: 'v1', resource: 'resourcequotas', namespaced: true }, 'no-pods', target))?.status as { used?: unknown } | undefined)?.used), 'the quota to be counted');
    const result = await restoreInto(target);
    expect(result.phase).toBe('PartiallyFailed');
    const errors = JSON.stringify(result.results.toJSON().errors);
    expect(errors).toContain(`namespace ${target} refused the data-mover pod for claim data`);
    expect(errors).toContain('exceeded quota');
    expect((await cluster.get(refs.pvcs, 'data', target))!.metadata.annotations?.[ANNOTATIONS.volumeRestoreFailed]).toContain('exceeded quota');
  }, 120_000);
});

describe('a copies record that points elsewhere', () => {
  it('fails the restore before its first write', async () => {
    const recordFile = path.join(store.directory, backupKeys(backupName).fsVolumes);
    const original = fs.readFileSync(recordFile);
    const file = JSON.parse(gunzipSync(original).toString('utf8'));
    file.copies[0].key = `backups/other/${file.copies[0].key.split('/').pop()}`;
    fs.writeFileSync(recordFile, gzipSync(JSON.stringify(file)));
    try {
      const target = `${ns}-steered`;
      const result = await restoreInto(target);
      expect(result.phase).toBe('Failed');
      expect(result.failure).toContain('which is not where its copy belongs');
      expect(await cluster.get(refs.namespaces, target)).toBeUndefined();
    } finally {
      fs.writeFileSync(recordFile, original);
    }
  });
});

describe('a backup cancelled while a data-mover pod copies', () => {
  it('deletes the pod, aborts the copy and commits nothing', async () => {
    // 300 MiB of noise in a claim only a data-mover pod reads (its writer is gone): the copy takes seconds.
    await cluster.create(refs.pvcs, testClaim(ns, 'big', { size: '400Mi' }));
    await cluster.create(refs.pods, {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'filler', namespace: ns },
      spec: {
        restartPolicy: 'Never',
        containers: [{ name: 'main', image: env.image, imagePullPolicy: 'Never', command: ['sh', '-c', 'dd if=/dev/urandom of=/data/blob bs=1048576 count=300 2>/dev/null'], volumeMounts: [{ name: 'data', mountPath: '/data' }] }],
        volumes: [{ name: 'data', persistentVolumeClaim: { claimName: 'big' } }]
      }
    });
    await waitFor(async () => ((await cluster.get(refs.pods, 'filler', ns))?.status as { phase?: string }).phase === 'Succeeded', 'the filler pod to finish', 120_000);
    await cluster.delete(refs.pods, 'filler', { namespace: ns });

    const cancel = new AbortController();
    const logger = new MemoryLogger();
    const name = `${ns}-cancelled`;
    const reader = mapReader({ 'backup-name': name, 'include-namespaces': ns, 'include-resources': 'persistentvolumeclaims', 'default-volumes-to-fs-backup': 'true', 'data-mover-image': env.image });
    const running = runBackup({ cluster, store: store.store, logger, holder: 'test', signal: cancel.signal }, { settings: parseBackupSettings(reader), location: parseLocationPolicy(reader) });
    // Cancel once the big claim's copy is streaming through its data-mover pod.
    await waitFor(async () => logger.lines.some((line) => line.message.includes(`Volume ${ns}/big: copying`)), 'the copy of claim big to start', 120_000);
    cancel.abort(new Error('cancelled (test)'));
    const result = await running;

    expect(result.phase).toBe('Failed');
    expect(result.failure).toContain('cancelled');
    await waitFor(async () => (await moverPods(ns)).length === 0, 'the data-mover pod to be deleted', 30_000);
    const folder = path.join(store.directory, 'backups', name);
    const files = fs.existsSync(folder) ? (fs.readdirSync(folder, { recursive: true }) as string[]) : [];
    expect(files).not.toContain('velero-backup.json');
    // Neither a stored copy nor a temporary file of one is left.
    expect(files.filter((file) => file.includes('-volumes') && file.endsWith('.tar.gz'))).toEqual([]);
    expect(files.filter((file) => file.includes('.tmp-'))).toEqual([]);
  }, 300_000);
});

describe('a data-mover pod that cannot start', () => {
  it('fails the volume with the reason, and is removed', async () => {
    // No pod mounts this claim, so only a data-mover pod can read it; its image cannot be pulled here.
    await cluster.create(refs.pvcs, testClaim(ns, 'idle', { size: '10Mi' }));
    await waitFor(async () => ((await cluster.get(refs.pvcs, 'idle', ns))?.status as { phase?: string }).phase === 'Bound', 'claim idle bound');
    const reader = mapReader({ 'backup-name': `${ns}-nomover`, 'include-namespaces': ns, 'include-resources': 'persistentvolumeclaims', 'default-volumes-to-fs-backup': 'true', 'data-mover-image': 'registry.invalid/no/such-image:1' });
    const result = await runBackup({ cluster, store: store.store, logger: new MemoryLogger(), holder: 'test' }, { settings: parseBackupSettings(reader), location: parseLocationPolicy(reader) });
    expect(result.phase).toBe('PartiallyFailed');
    const errors = JSON.stringify(result.results.toJSON().errors);
    expect(errors).toContain(`cannot copy claim ${ns}/idle`);
    expect(errors).toContain('data-mover-image');
    expect(await moverPods(ns)).toEqual([]);
  }, 180_000);
});
