import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Readable, Transform } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { runCopy, type CopyContext } from '../../../src/copy/run-copy.js';
import type { KubeCluster } from '../../../src/kube/kube-cluster.js';
import { copyMarkerKey } from '../../../src/persistence/copy-origin.js';
import { listStoredBackups } from '../../../src/persistence/stored-backups.js';
import { runPrune } from '../../../src/prune/run-prune.js';
import { runRestore } from '../../../src/restore/run.js';
import { parseLocationPolicy } from '../../../src/settings/backup-settings.js';
import { parseCopySettings, type CopySettings } from '../../../src/settings/copy-settings.js';
import { mapReader } from '../../../src/settings/input-reader.js';
import { parseRestoreSettings } from '../../../src/settings/restore-settings.js';
import { backupKeys } from '../../../src/storage/layout.js';
import type { ObjectStore, PutOptions, UnfinishedWrite } from '../../../src/storage/object-store.js';
import { MemoryLogger } from '../../../src/util/logger.js';
import { ANNOTATIONS } from '../../../src/velero/vocabulary.js';
import { verifyBackup } from '../../../src/verify/verify-backup.js';
import { runActionBundle } from '../../support/action.js';
import { readJson } from '../../support/backups.js';
import { clusterFor, createNamespace, deleteNamespace, refs, sleeperPod, testClaim, waitForPodRunning } from '../../support/cluster.js';
import { DelegatingStore } from '../../support/delegating-store.js';
import { testEnvironment, uniqueName } from '../../support/environment.js';
import { runCliInProcess } from '../../support/cli.js';
import { allKeys, localTestStore, s3TestStore } from '../../support/stores.js';
import { backupOf, pruneSettings } from '../lifecycle/support.js';

// Copies between two buckets of the real S3 server (Swift): a backup with a file-system volume copy larger than one
// multipart part is copied, verified there, restored from there, and pruned there by its TTL while the source keeps
// it; a copy interrupted mid-stream (a failing destination, a cancelled run) leaves nothing visible; and the action
// bundle runs `mode: copy` with the second location's credentials from a named AWS profile.
const env = testEnvironment();
const ns = uniqueName('copy');
const restored = `${ns}-restored`;
const HOUR = 3_600_000;
const work = fs.mkdtempSync(path.join(os.tmpdir(), 'kb-copy-'));
const location = { name: 'default', accessMode: 'ReadWrite' as const };
/** More than one 8 MiB part of an upload, and random, so its gzipped copy is too. */
const BIG_FILE_BYTES = 10 * 1024 * 1024;
let cluster: KubeCluster;
let source: Awaited<ReturnType<typeof s3TestStore>>;
const cleanups: (() => Promise<void>)[] = [];
let name: string;

async function secondBucket(): Promise<Awaited<ReturnType<typeof s3TestStore>>> {
  const made = await s3TestStore('dr/');
  cleanups.push(made.cleanup);
  return made;
}

function copySettings(to: ObjectStore, inputs: Record<string, string>): CopySettings {
  const settings = parseCopySettings(mapReader({ 'to-location': to.url, 'lease-wait': '0s', ...inputs }), work, { location: { kind: 's3', bucket: 'unused', prefix: '', url: source.store.url }, s3: { forcePathStyle: true, insecureSkipTlsVerify: false } });
  return settings;
}

function copyContext(from: ObjectStore, to: ObjectStore, extra: Partial<CopyContext> = {}): CopyContext {
  return { source: from, destination: to, verify: (store, backup, signal) => verifyBackup(store, backup, { signal }), logger: new MemoryLogger(), holder: 'test', lease: { renewEveryMs: 0 }, ...extra };
}

async function folderKeys(store: ObjectStore, backup: string): Promise<string[]> {
  return (await allKeys(store)).filter((key) => key.startsWith(backupKeys(backup).folder)).sort();
}

async function unfinishedWrites(store: ObjectStore): Promise<UnfinishedWrite[]> {
  const writes: UnfinishedWrite[] = [];
  for await (const write of store.listUnfinished!('')) writes.push(write);
  return writes;
}

/** The destination, failing the put of `key` once `afterBytes` of it have been read (a write that breaks mid-stream). */
class FailingAfterBytes extends DelegatingStore {
  bytesBeforeFailure = 0;
  constructor(
    real: ObjectStore,
    private readonly key: string,
    private readonly afterBytes: number,
    /** Instead of failing the stream: called once, at that point (a run cancelled mid-stream). */
    private readonly onReached?: () => void
  ) {
    super(real);
  }

  override put(key: string, body: Readable | Buffer | string, options?: PutOptions): Promise<void> {
    if (key !== this.key || !(body instanceof Readable)) return super.put(key, body, options);
    let seen = 0;
    const limit = this.afterBytes;
    const self = this;
    const cut = new Transform({
      transform(chunk: Buffer, _encoding, done) {
        seen += chunk.length;
        self.bytesBeforeFailure = seen;
        if (seen < limit) return done(null, chunk);
        if (!self.onReached) return done(new Error(`the destination broke after ${seen} bytes of ${key}`));
        self.onReached();
        done(null, chunk);
      }
    });
    body.on('error', (err) => cut.destroy(err));
    return super.put(key, body.pipe(cut), options);
  }
}

/** The destination, recording the keys of the puts that completed, in order. */
class RecordingPuts extends DelegatingStore {
  readonly stored: string[] = [];
  override async put(key: string, body: Readable | Buffer | string, options?: PutOptions): Promise<void> {
    await super.put(key, body, options);
    this.stored.push(key);
  }
}

beforeAll(async () => {
  cluster = clusterFor(env.kubeconfig);
  source = await s3TestStore('prod/');
  cleanups.push(source.cleanup);
  await createNamespace(cluster, ns);
  await cluster.create(refs.configmaps, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'settings', namespace: ns }, data: { color: 'blue' } });
  await cluster.create(refs.pvcs, testClaim(ns, 'data', { size: '64Mi' }));
  await cluster.create(refs.pods, sleeperPod(ns, 'app', env.image, { annotations: { [ANNOTATIONS.backupVolumes]: 'data' } }, 'data'));
  await waitForPodRunning(cluster, ns, 'app');
  await cluster.exec({ namespace: ns, pod: 'app', container: 'main' }, ['sh', '-c', `head -c ${BIG_FILE_BYTES} /dev/urandom > /data/big; echo copied > /data/small; sync`]);
  const backup = await backupOf(cluster, source.store, ns, { 'backup-name': uniqueName('b'), ttl: '1h', 'data-mover-image': env.image });
  expect(backup.phase).toBe('Completed');
  name = backup.name;
}, 180_000);

afterAll(async () => {
  await deleteNamespace(cluster, ns);
  await deleteNamespace(cluster, restored);
  for (const cleanup of cleanups) await cleanup();
  fs.rmSync(work, { recursive: true, force: true });
  cluster.close();
}, 120_000);

describe('a copy to a second bucket', () => {
  let destination: ObjectStore;

  beforeAll(async () => {
    destination = (await secondBucket()).store;
  });

  it('copies every file, velero-backup.json last and marked with the owner of its snapshots, and verifies there', async () => {
    const sourceKeys = await folderKeys(source.store, name);
    const volumeCopy = sourceKeys.find((key) => key.includes(`${name}-volumes/`));
    expect((await source.store.head(volumeCopy!))!.size).toBeGreaterThan(8 * 1024 * 1024);

    const recording = new RecordingPuts(destination);
    const result = await runCopy(copyContext(source.store, recording), copySettings(destination, { 'from-backup': name }));

    expect(result.failed).toEqual([]);
    expect(result.copied).toEqual([{ name, files: sourceKeys.length, bytes: expect.any(Number), verification: 'verified', snapshotsOwnedBy: source.store.url }]);
    // The same files (volume copies too), plus the marker that names the snapshots' owner; the lease released.
    expect(await folderKeys(destination, name)).toEqual([...sourceKeys, copyMarkerKey(name)].sort());
    const written = recording.stored.filter((key) => key.startsWith(backupKeys(name).folder));
    expect(written[0]).toBe(copyMarkerKey(name));
    expect(written.slice(-2)).toEqual([backupKeys(name).checksums, backupKeys(name).metadata]);
    expect(written.sort()).toEqual([...sourceKeys, copyMarkerKey(name)].sort());
    expect((await allKeys(destination)).filter((key) => key.startsWith('metadata/'))).toEqual([]);
    for (const key of sourceKeys.filter((k) => k !== backupKeys(name).metadata)) expect((await destination.head(key))!.size).toBe((await source.store.head(key))!.size);
    // Its name and expiry are kept; only the annotation is added.
    const original = await readJson<{ metadata: { annotations: Record<string, string> }; status: unknown }>(source.store, backupKeys(name).metadata);
    const copied = await readJson<{ metadata: { annotations: Record<string, string> }; status: unknown }>(destination, backupKeys(name).metadata);
    expect(copied.status).toEqual(original.status);
    expect(copied.metadata.annotations).toEqual({ ...original.metadata.annotations, [ANNOTATIONS.snapshotsOwnedBy]: source.store.url });
    expect(await verifyBackup(destination, name)).toMatchObject({ state: 'verified', problems: [] });
  }, 120_000);

  it('skips a backup the destination holds already, by name and with copy-all', async () => {
    const again = await runCopy(copyContext(source.store, destination), copySettings(destination, { 'from-backup': 'latest' }));
    expect(again).toMatchObject({ copied: [], failed: [], skipped: [{ name, reason: `already in ${destination.url}` }] });
    const all = await runCopy(copyContext(source.store, destination), copySettings(destination, { 'copy-all': 'true' }));
    expect(all).toMatchObject({ copied: [], failed: [], skipped: [{ name }] });
  });

  it('restores from the destination, volume data included', async () => {
    const reader = mapReader({ 'from-backup': name, 'namespace-mappings': `${ns}:${restored}`, 'data-mover-image': env.image });
    const result = await runRestore({ cluster, store: destination, logger: new MemoryLogger(), tempDirectory: work }, { settings: parseRestoreSettings(reader), location: parseLocationPolicy(reader) });
    expect({ phase: result.phase, failure: result.failure }).toEqual({ phase: 'Completed', failure: undefined });
    expect(result.filledVolumes).toEqual([expect.objectContaining({ namespace: restored, name: 'data' })]);
    expect((await cluster.get(refs.configmaps, 'settings', restored))?.data).toEqual({ color: 'blue' });
  }, 180_000);

  it('is pruned there by its TTL, files only, while the source keeps the backup', async () => {
    const result = await runPrune(
      { store: destination, logger: new MemoryLogger(), clock: () => new Date(Date.now() + 2 * HOUR), holder: 'test', lease: { renewEveryMs: 0 } },
      { settings: pruneSettings(), location }
    );
    expect(result.failures).toEqual([]);
    expect(result.deleted.map((d) => [d.name, d.snapshots])).toEqual([[name, []]]);
    expect(await folderKeys(destination, name)).toEqual([]);
    expect(await verifyBackup(source.store, name)).toMatchObject({ state: 'verified' });
  }, 60_000);
});

describe('an interrupted copy', () => {
  it.each([
    ['the destination failing mid-stream', false],
    ['the run cancelled mid-stream', true]
  ])('leaves nothing visible: %s', async (_label, cancelled) => {
    const real = await secondBucket();
    const volumeCopy = (await folderKeys(source.store, name)).find((key) => key.includes(`${name}-volumes/`))!;
    const abort = new AbortController();
    // Past the first 8 MiB part, so a multipart upload is under way when it breaks.
    const failing = new FailingAfterBytes(real.store, volumeCopy, 9 * 1024 * 1024, cancelled ? () => abort.abort(new Error('cancelled')) : undefined);
    const copying = runCopy(copyContext(source.store, failing, { signal: abort.signal }), copySettings(real.store, { 'from-backup': name }));

    if (cancelled) await expect(copying).rejects.toThrow('cancelled');
    else expect(await copying).toMatchObject({ copied: [], failed: [{ name, message: expect.stringContaining('the destination broke after') }] });
    expect(failing.bytesBeforeFailure).toBeGreaterThanOrEqual(9 * 1024 * 1024);
    expect(await real.store.head(backupKeys(name).metadata)).toBeUndefined();
    expect(await folderKeys(real.store, name)).toEqual([]);
    expect(await unfinishedWrites(real.store)).toEqual([]);
    const listed = [];
    for await (const stored of listStoredBackups(real.store)) listed.push(stored.name);
    expect(listed).toEqual([]);
    // The lease is released either way.
    expect(await allKeys(real.store)).toEqual([]);
  }, 120_000);
});

describe('kube-backup backup copy', () => {
  it('copies from S3 to a local directory, then on to another with the CLI, and skips what is there', async () => {
    const first = localTestStore();
    const second = localTestStore();
    cleanups.push(first.cleanup, second.cleanup);
    const toDisk = await runCopy(copyContext(source.store, first.store), copySettings(first.store, { 'from-backup': name }));
    expect(toDisk).toMatchObject({ copied: [{ name, verification: 'verified' }], failed: [] });

    const run = await runCliInProcess(['backup', 'copy', name, '--location', first.directory, '--to', second.directory], work);
    expect({ code: run.code, err: run.code ? run.err : '' }).toEqual({ code: 0, err: '' });
    expect(run.out).toMatch(new RegExp(`${name}\\s+copied \\(verified\\)`));
    // The owner of the snapshots stays the location the backup was taken for, however often it is copied on.
    const copied = await readJson<{ metadata: { annotations: Record<string, string> } }>(second.store, backupKeys(name).metadata);
    expect(copied.metadata.annotations[ANNOTATIONS.snapshotsOwnedBy]).toBe(source.store.url);

    const again = await runCliInProcess(['backup', 'copy', '--all', '--location', first.directory, '--to', second.directory], work);
    expect(again.code).toBe(0);
    expect(again.out).toContain(`skipped: already in ${second.store.url}`);
    await expect(runCliInProcess(['backup', 'copy', name, '--all', '--location', first.directory, '--to', second.directory], work)).rejects.toThrow("Input '--all': cannot be combined with from-backup");
  }, 120_000);
});

describe('mode: copy in the action bundle', () => {
  it('copies latest with the second location\'s credentials from a named AWS profile', async () => {
    const destination = await secondBucket();
    const home = fs.mkdtempSync(path.join(work, 'home-'));
    fs.mkdirSync(path.join(home, '.aws'));
    fs.writeFileSync(path.join(home, '.aws', 'credentials'), `[dr]\naws_access_key_id = ${env.s3.accessKeyId}\naws_secret_access_key = ${env.s3.secretAccessKey}\n`);
    const inputs = { mode: 'copy', location: source.store.url, 's3-endpoint': env.s3.endpoint, 's3-region': env.s3.region, 'from-backup': 'latest', 'to-location': destination.store.url, 'to-aws-profile': 'dr' };
    const credentials = { AWS_ACCESS_KEY_ID: env.s3.accessKeyId, AWS_SECRET_ACCESS_KEY: env.s3.secretAccessKey, HOME: home };

    const missing = runActionBundle(home, { ...inputs, 'to-aws-profile': 'no-such-profile' }, credentials);
    expect(missing.status).not.toBe(0);
    expect(missing.stdout).toContain(`::error::Input 'to-aws-profile': the second location (${destination.store.url})`);
    expect(await destination.store.head(backupKeys(name).metadata)).toBeUndefined();

    const run = runActionBundle(home, inputs, credentials);
    expect({ status: run.status, log: run.status === 0 ? '' : run.stdout }).toEqual({ status: 0, log: '' });
    expect(run.outputs).toMatchObject({ copied: JSON.stringify([name]), skipped: '[]', failed: '0' });
    expect(run.summary).toContain(`## Copy from \`${source.store.url}\` to \`${destination.store.url}\``);
    expect(await verifyBackup(destination.store, name)).toMatchObject({ state: 'verified' });
    expect(run.stdout).not.toContain(env.s3.secretAccessKey);
  }, 120_000);
});
