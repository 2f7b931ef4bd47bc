import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { runBackup, type BackupResult } from '../../../src/backup/run.js';
import type { KubeCluster } from '../../../src/kube/kube-cluster.js';
import { runRestore, type RestoreResult } from '../../../src/restore/run.js';
import { parseBackupSettings, parseLocationPolicy } from '../../../src/settings/backup-settings.js';
import { mapReader } from '../../../src/settings/input-reader.js';
import { parseRestoreSettings } from '../../../src/settings/restore-settings.js';
import { backupKeys, volumeCopyKey } from '../../../src/storage/layout.js';
import { MemoryLogger } from '../../../src/util/logger.js';
import { readVolumeCopies } from '../../../src/volumes/volume-copy-record.js';
import { COPIED_REASON } from '../../../src/backup/volume-info.js';
import { readGzJson } from '../../support/backups.js';
import { clusterFor, createNamespace, deleteNamespace, refs, testClaim, waitFor, waitForPodRunning } from '../../support/cluster.js';
import { testEnvironment, uniqueName } from '../../support/environment.js';
import { localTestStore } from '../../support/stores.js';

// Volume data end to end on the real cluster: files written into host-path claims come back byte-identical, with
// their names, links, modes and owners, in a namespace cloned on the same cluster and under the original name, and
// the workloads (a pod, a Deployment's pods) run on them. Both ways of reading a claim are used: through the
// workload's own container (exec tar) and through a data-mover pod (a subPath-only mount; a claim no pod mounts).
const env = testEnvironment();
const ns = uniqueName('fsv');
const clone = `${ns}-clone`;
const store = localTestStore();
const backupName = `${ns}-b`;
let cluster: KubeCluster;
let backup: BackupResult;

/** Writes the awkward file set: links, an empty nested directory, odd names, modes, owners and 50 MiB of noise. */
const WRITE_FILES = [
  'set -e',
  'cd "$1"',
  'mkdir -p nested/empty/deeper sub',
  'printf "hello" > plain.txt',
  'printf "space" > "with space.txt"',
  'printf "unicode" > "naïve-файл.txt"',
  'printf "secret" > private.txt && chmod 0600 private.txt',
  'printf "#!/bin/sh\\necho run" > sub/run.sh && chmod 0755 sub/run.sh',
  'ln -s plain.txt link-to-plain',
  'ln plain.txt hard-link.txt',
  'printf "owned" > owned.txt && chown 1234:5678 owned.txt',
  'dd if=/dev/urandom of=big.bin bs=1048576 count=50 2>/dev/null'
].join('\n');

/** Every entry's name, type, mode, owner and link count, and every regular file's sha256: what must survive. */
const MANIFEST = [
  'cd "$1"',
  'find . ! -name lost+found | sort | while read -r f; do',
  '  stat -c "%n %F %a %u:%g %h" "$f"',
  '  if [ -L "$f" ]; then echo "-> $(readlink "$f")"; elif [ -f "$f" ]; then sha256sum "$f"; fi',
  'done'
].join('\n');

function podSpec(claimName: string, mount: { subPath?: string } = {}): Record<string, unknown> {
  return {
    terminationGracePeriodSeconds: 0,
    containers: [
      {
        name: 'main',
        image: env.image,
        imagePullPolicy: 'Never',
        command: ['sh', '-c', 'trap "exit 0" TERM; sleep 3600 & wait'],
        volumeMounts: [{ name: 'data', mountPath: '/data', ...mount }]
      }
    ],
    volumes: [{ name: 'data', persistentVolumeClaim: { claimName } }]
  };
}

const OPT_IN = { 'backup.velero.io/backup-volumes': 'data' };

async function sh(namespace: string, pod: string, script: string, ...args: string[]): Promise<string> {
  const result = await cluster.exec({ namespace, pod, container: 'main' }, ['sh', '-c', script, 'sh', ...args]);
  if (result.exitCode !== 0) throw new Error(`script in ${namespace}/${pod} failed (${result.exitCode}): ${result.stderr}`);
  return result.stdout;
}

async function deploymentPod(namespace: string): Promise<string> {
  let name = '';
  await waitFor(async () => {
    for await (const pod of cluster.list(refs.pods, { namespace, labelSelector: 'app=web' })) {
      if ((pod.status as { phase?: string }).phase === 'Running') name = pod.metadata.name!;
    }
    return name !== '';
  }, `a running pod of deployment web in ${namespace}`);
  return name;
}

const manifests: Record<string, string> = {};

beforeAll(async () => {
  cluster = clusterFor(env.kubeconfig);
  await createNamespace(cluster, ns);
  // app: read through its own container; web: a Deployment's pod; sub: mounted only through a subPath, so a
  // data-mover pod reads it; idle: no pod mounts it, copied by the data mover because a stopped pod asks for it.
  for (const name of ['app-data', 'web-data', 'sub-data', 'idle-data']) await cluster.create(refs.pvcs, testClaim(ns, name, { size: '200Mi' }));
  await cluster.create(refs.pods, { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'app', namespace: ns, annotations: OPT_IN }, spec: podSpec('app-data') });
  await cluster.create(refs.pods, { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'sub', namespace: ns, annotations: OPT_IN }, spec: podSpec('sub-data', { subPath: 'inner' }) });
  await cluster.create(refs.deployments, {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'web', namespace: ns },
    spec: {
      replicas: 1,
      selector: { matchLabels: { app: 'web' } },
      template: { metadata: { labels: { app: 'web' }, annotations: OPT_IN }, spec: podSpec('web-data') }
    }
  });
  // A pod that writes the idle claim once and is done: Succeeded pods are not restored, their claims are.
  await cluster.create(refs.pods, {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: 'idle-writer', namespace: ns, annotations: OPT_IN },
    spec: { ...podSpec('idle-data'), restartPolicy: 'Never', containers: [{ ...(podSpec('idle-data').containers as object[])[0], command: ['sh', '-c', `${WRITE_FILES.replace('dd if=/dev/urandom of=big.bin bs=1048576 count=50', 'dd if=/dev/urandom of=big.bin bs=1024 count=64')}`, 'sh', '/data'] }] }
  });
  // cache: a pod's own volume (emptyDir), which exists only with its pod: filled through a wait init container.
  const cacheSpec = podSpec('unused');
  cacheSpec.volumes = [{ name: 'scratch', emptyDir: {} }];
  (cacheSpec.containers as { volumeMounts: unknown[] }[])[0]!.volumeMounts = [{ name: 'scratch', mountPath: '/data' }];
  await cluster.create(refs.pods, { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'cache', namespace: ns, annotations: { 'backup.velero.io/backup-volumes': 'scratch' } }, spec: cacheSpec });
  await waitForPodRunning(cluster, ns, 'app');
  await waitForPodRunning(cluster, ns, 'sub');
  await waitForPodRunning(cluster, ns, 'cache');
  const web = await deploymentPod(ns);
  await waitFor(async () => ((await cluster.get(refs.pods, 'idle-writer', ns))?.status as { phase?: string }).phase === 'Succeeded', 'idle-writer to finish');

  await sh(ns, 'app', WRITE_FILES, '/data');
  await sh(ns, 'sub', WRITE_FILES.replace('count=50', 'count=2'), '/data');
  await sh(ns, 'cache', WRITE_FILES.replace('count=50', 'count=3'), '/data');
  manifests.cache = await sh(ns, 'cache', MANIFEST, '/data');
  await sh(ns, web, 'set -e; cd /data; printf "served" > index.html; mkdir -p assets; dd if=/dev/urandom of=assets/blob bs=1024 count=512 2>/dev/null');
  manifests.app = await sh(ns, 'app', MANIFEST, '/data');
  manifests.sub = await sh(ns, 'sub', MANIFEST, '/data');
  manifests.web = await sh(ns, web, MANIFEST, '/data');
  // The manifest sees what must survive (so equal manifests mean equal files, not two empty listings).
  for (const line of ['./owned.txt regular file 644 1234:5678 1', './hard-link.txt regular file 644 0:0 2', './link-to-plain symbolic link 777 0:0 1', '-> plain.txt', './nested/empty/deeper directory', './private.txt regular file 600', './sub/run.sh regular file 755', './naïve-файл.txt', './with space.txt']) {
    expect(manifests.app).toContain(line);
  }
  expect(manifests.app).toMatch(/[0-9a-f]{64} {2}\.\/big\.bin/);

  const reader = mapReader({ 'backup-name': backupName, 'include-namespaces': ns, 'data-mover-image': env.image });
  backup = await runBackup({ cluster, store: store.store, logger: new MemoryLogger(), holder: 'test' }, { settings: parseBackupSettings(reader), location: parseLocationPolicy(reader) });
}, 300_000);

afterAll(async () => {
  await deleteNamespace(cluster, clone);
  await deleteNamespace(cluster, ns);
  await store.cleanup();
  cluster.close();
});

async function restore(values: Record<string, string>): Promise<RestoreResult> {
  const reader = mapReader({ 'from-backup': backupName, 'data-mover-image': env.image, ...values });
  return runRestore({ cluster, store: store.store, logger: new MemoryLogger(), tempDirectory: os.tmpdir() }, { settings: parseRestoreSettings(reader), location: parseLocationPolicy(reader) });
}

describe('a backup with file-system copies', () => {
  it('copies each chosen claim once and each chosen pod volume, in their own files beside the tarball, with exact digests', async () => {
    expect(backup.failure).toBeUndefined();
    expect(backup.phase).toBe('Completed');
    const copies = await readVolumeCopies(store.store, backupName);
    const byClaim = Object.fromEntries(copies.map((c) => [c.claim ?? `${c.pod}/${c.volume}`, c]));
    expect(Object.keys(byClaim).sort()).toEqual(['app-data', 'cache/scratch', 'idle-data', 'sub-data', 'web-data']);
    expect(copies.find((c) => !c.claim)).toMatchObject({ pod: 'cache', volume: 'scratch', volumeType: 'emptyDir', method: 'pod-exec', result: 'succeeded', key: volumeCopyKey(backupName, { namespace: ns, pod: 'cache', volume: 'scratch' }) });
    expect(byClaim['app-data']).toMatchObject({ method: 'pod-exec', pod: 'app', result: 'succeeded', key: volumeCopyKey(backupName, { namespace: ns, claim: 'app-data' }) });
    expect(byClaim['sub-data']).toMatchObject({ method: 'data-mover-pod', result: 'succeeded' });
    expect(byClaim['idle-data']).toMatchObject({ method: 'data-mover-pod', result: 'succeeded' });
    expect(byClaim['app-data']!.tar!.bytes).toBeGreaterThan(50 * 1024 * 1024);
    const stored = fs.statSync(path.join(store.directory, byClaim['app-data']!.key));
    expect(stored.size).toBe(byClaim['app-data']!.stored!.bytes);
    // No data-mover pod is left behind, and none went into the backup.
    for await (const pod of cluster.list(refs.pods, { namespace: ns })) expect(pod.metadata.name).not.toMatch(/^kube-backup-mover-/);
  });

  it("records the copied volumes in Velero's volumeinfo as skipped, naming the copy", async () => {
    const info = await readGzJson<{ pvcName: string; skipped: boolean; skippedReason: string; backupMethod?: string }[]>(store.store, backupKeys(backupName).volumeInfo);
    const copied = info.filter((entry) => entry.pvcName && ['app-data', 'web-data', 'sub-data', 'idle-data'].includes(entry.pvcName));
    expect(copied).toHaveLength(4);
    for (const entry of copied) expect(entry).toMatchObject({ skipped: true, skippedReason: COPIED_REASON });
    expect(info.some((entry) => entry.backupMethod === 'PodVolumeBackup')).toBe(false);
  });
});

describe('restoring file-system copies', () => {
  it('fills the claims of a namespace cloned on the same cluster before its pods start, byte for byte', async () => {
    const result = await restore({ 'include-namespaces': ns, 'namespace-mappings': `${ns}:${clone}` });
    expect(result.results.toJSON().errors).toEqual({});
    expect(result.phase).toBe('Completed');
    expect(result.filledVolumes.map((c) => c.name).sort()).toEqual(['app-data', 'cache/scratch', 'idle-data', 'sub-data', 'web-data']);
    await waitForPodRunning(cluster, clone, 'app');
    expect(await sh(clone, 'app', MANIFEST, '/data')).toBe(manifests.app);
    await waitForPodRunning(cluster, clone, 'sub');
    expect(await sh(clone, 'sub', MANIFEST, '/data')).toBe(manifests.sub);
    expect(await sh(clone, await deploymentPod(clone), MANIFEST, '/data')).toBe(manifests.web);
    await waitForPodRunning(cluster, clone, 'cache');
    expect(await sh(clone, 'cache', MANIFEST, '/data')).toBe(manifests.cache);
    // The original keeps its own volumes.
    const original = (await cluster.get(refs.pvcs, 'app-data', ns))!;
    const copy = (await cluster.get(refs.pvcs, 'app-data', clone))!;
    expect((copy.spec as { volumeName: string }).volumeName).not.toBe((original.spec as { volumeName: string }).volumeName);
  }, 300_000);

  it('brings the data back under the original name after the namespace is gone', async () => {
    await deleteNamespace(cluster, ns);
    await waitFor(async () => (await cluster.get(refs.namespaces, ns)) === undefined, `namespace ${ns} deleted`, 120_000);
    const result = await restore({ 'include-namespaces': ns });
    expect(result.results.toJSON().errors).toEqual({});
    expect(result.phase).toBe('Completed');
    await waitForPodRunning(cluster, ns, 'app');
    expect(await sh(ns, 'app', MANIFEST, '/data')).toBe(manifests.app);
    expect(await sh(ns, await deploymentPod(ns), MANIFEST, '/data')).toBe(manifests.web);
  }, 300_000);

  it('never writes into a claim that already exists, and says so', async () => {
    const result = await restore({ 'include-namespaces': ns, 'include-resources': 'persistentvolumeclaims' });
    expect(result.filledVolumes).toEqual([]);
    expect(JSON.stringify(result.results.toJSON().warnings)).toContain('already existed: its data was not restored');
  });
});
