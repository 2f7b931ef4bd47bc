import type { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { runBackup, type BackupResult } from '../../../src/backup/run.js';
import type { KubeCluster } from '../../../src/kube/kube-cluster.js';
import { parseBackupSettings, parseLocationPolicy } from '../../../src/settings/backup-settings.js';
import { mapReader } from '../../../src/settings/input-reader.js';
import { backupKeys } from '../../../src/storage/layout.js';
import type { PutOptions } from '../../../src/storage/object-store.js';
import { MemoryLogger } from '../../../src/util/logger.js';
import { clusterFor, createNamespace, deleteNamespace, refs, sleeperPod, testClaim, waitForPodRunning } from '../../support/cluster.js';
import { DelegatingStore } from '../../support/delegating-store.js';
import { testEnvironment, uniqueName } from '../../support/environment.js';
import { s3TestStore } from '../../support/stores.js';

// Write-once: no object of a backup is uploaded twice after its first complete upload (Object Lock buckets refuse
// the second; Velero rewrites velero-backup.json, its issue 8686). Every put of a backup to the real S3 server is
// recorded, with when it started and whether it completed; a multipart upload is one put.
const env = testEnvironment();
const ns = uniqueName('once');
const name = `${ns}-b`;
let cluster: KubeCluster;
let s3: Awaited<ReturnType<typeof s3TestStore>>;

interface RecordedPut {
  key: string;
  started: number;
  completed?: number;
  failed?: boolean;
  ifNoneMatch?: boolean;
}

/** The real S3 store, recording every put in order. */
class RecordingStore extends DelegatingStore {
  readonly puts: RecordedPut[] = [];
  private clock = 0;

  override async put(key: string, body: Readable | Buffer | string, options?: PutOptions): Promise<void> {
    const put: RecordedPut = { key, started: this.clock++, ifNoneMatch: options?.ifNoneMatch };
    this.puts.push(put);
    try {
      await super.put(key, body, options);
      put.completed = this.clock++;
    } catch (err) {
      put.failed = true;
      throw err;
    }
  }
}

let recording: RecordingStore;
let backup: BackupResult;

beforeAll(async () => {
  cluster = clusterFor(env.kubeconfig);
  s3 = await s3TestStore();
  await createNamespace(cluster, ns);
  await cluster.create(refs.configmaps, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'settings', namespace: ns }, data: { mode: 'fast' } });
  await cluster.create(refs.pvcs, testClaim(ns, 'data'));
  await cluster.create(refs.pods, sleeperPod(ns, 'app', env.image, { annotations: { 'backup.velero.io/backup-volumes': 'data' } }, 'data'));
  await waitForPodRunning(cluster, ns, 'app');
  // 12 MiB of noise: the copy goes up as a multipart upload (parts of 8 MiB), which must count as one put.
  const wrote = await cluster.exec({ namespace: ns, pod: 'app', container: 'main' }, ['sh', '-c', 'dd if=/dev/urandom of=/data/noise bs=1048576 count=12 2>/dev/null']);
  expect(wrote.exitCode).toBe(0);
  recording = new RecordingStore(s3.store);
  const reader = mapReader({ 'backup-name': name, 'include-namespaces': ns, 'data-mover-image': env.image });
  backup = await runBackup({ cluster, store: recording, logger: new MemoryLogger(), holder: 'test' }, { settings: parseBackupSettings(reader), location: parseLocationPolicy(reader) });
}, 180_000);

afterAll(async () => {
  await deleteNamespace(cluster, ns);
  await s3.cleanup();
  cluster.close();
});

describe('a backup to S3', () => {
  it('puts every object of the backup once, velero-backup.json last and only if absent', () => {
    expect({ phase: backup.phase, failure: backup.failure }).toEqual({ phase: 'Completed', failure: undefined });
    const folder = backupKeys(name).folder;
    const puts = recording.puts.filter((p) => p.key.startsWith(folder));
    const keys = puts.map((p) => p.key);
    // Tarball, logs, results, resource list, volumeinfo, copies record, the copy, the manifest, velero-backup.json.
    expect(keys.length).toBeGreaterThanOrEqual(9);
    expect(backup.volumeCopies[0]!.stored!.bytes).toBeGreaterThan(8 * 1024 * 1024);
    expect(puts.filter((p) => p.failed)).toEqual([]);
    expect(keys.filter((key, i) => keys.indexOf(key) !== i)).toEqual([]);
    const last = puts.reduce((a, b) => ((b.completed ?? 0) > (a.completed ?? 0) ? b : a));
    expect(last).toMatchObject({ key: backupKeys(name).metadata, ifNoneMatch: true });
    // The manifest goes just before it, once everything it lists is stored.
    const manifest = puts.find((p) => p.key === backupKeys(name).checksums)!;
    expect(puts.filter((p) => p !== manifest && p !== last).every((p) => p.completed! < manifest.started)).toBe(true);
  });

  it('puts nothing of the backup again when the same backup is asked for twice', async () => {
    const before = recording.puts.length;
    const reader = mapReader({ 'backup-name': name, 'include-namespaces': ns, 'data-mover-image': env.image });
    await expect(runBackup({ cluster, store: recording, logger: new MemoryLogger(), holder: 'test' }, { settings: parseBackupSettings(reader), location: parseLocationPolicy(reader) })).rejects.toThrow(/already exists/);
    expect(recording.puts.slice(before).filter((p) => p.key.startsWith(backupKeys(name).folder))).toEqual([]);
  }, 120_000);
});
