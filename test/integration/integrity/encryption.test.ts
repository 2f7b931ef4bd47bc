import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { gunzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { generateX25519Identity, identityToRecipient } from 'age-encryption';
import type { BackupResult } from '../../../src/backup/run.js';
import type { KubeCluster } from '../../../src/kube/kube-cluster.js';
import { runPrune } from '../../../src/prune/run-prune.js';
import { runRestore, type RestoreResult } from '../../../src/restore/run.js';
import { parseLocationPolicy } from '../../../src/settings/backup-settings.js';
import { mapReader } from '../../../src/settings/input-reader.js';
import { parseRestoreSettings } from '../../../src/settings/restore-settings.js';
import { backupKeys } from '../../../src/storage/layout.js';
import { MemoryLogger } from '../../../src/util/logger.js';
import { readVolumeCopies } from '../../../src/volumes/volume-copy-record.js';
import { verifyBackup } from '../../../src/verify/verify-backup.js';
import { clusterFor, createNamespace, deleteNamespace, refs, sleeperPod, testClaim, waitForPodRunning } from '../../support/cluster.js';
import { testEnvironment, uniqueName } from '../../support/environment.js';
import { localTestStore } from '../../support/stores.js';
import { backupOf, pruneSettings } from '../lifecycle/support.js';

// Client-side encryption against the real servers: an encrypted backup holds no plaintext of a canary Secret or of a
// canary file in a volume, in any stored file; it restores with the identity (volume data included), is refused
// before any cluster write without it or with another key, opens with Debian's own `age` tool, and is pruned by a
// run that holds no key at all.
const env = testEnvironment();
const ns = uniqueName('enc');
const clone = `${ns}-clone`;
const refused = `${ns}-refused`;
const canary = `canary-${randomBytes(12).toString('hex')}`;
const store = localTestStore();
const work = fs.mkdtempSync(path.join(os.tmpdir(), 'enc-'));
let cluster: KubeCluster;
let identity: string;
let recipient: string;
let encrypted: BackupResult;
let plain: BackupResult;

beforeAll(async () => {
  cluster = clusterFor(env.kubeconfig);
  identity = await generateX25519Identity();
  recipient = await identityToRecipient(identity);
  await createNamespace(cluster, ns);
  await cluster.create(refs.secrets, { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'canary', namespace: ns }, stringData: { token: canary } });
  await cluster.create(refs.pvcs, testClaim(ns, 'data'));
  await cluster.create(refs.pods, sleeperPod(ns, 'app', env.image, { annotations: { 'backup.velero.io/backup-volumes': 'data' } }, 'data'));
  await waitForPodRunning(cluster, ns, 'app');
  const wrote = await cluster.exec({ namespace: ns, pod: 'app', container: 'main' }, ['sh', '-c', `printf '%s' "$1" > /data/canary.txt`, 'sh', canary]);
  expect(wrote.exitCode).toBe(0);
  const inputs = { 'exclude-resources': 'events', 'data-mover-image': env.image };
  encrypted = await backupOf(cluster, store.store, ns, { ...inputs, 'backup-name': `${ns}-sealed`, 'encryption-recipients': recipient });
  plain = await backupOf(cluster, store.store, ns, { ...inputs, 'backup-name': `${ns}-plain` });
}, 240_000);

afterAll(async () => {
  for (const name of [clone, refused, ns]) await deleteNamespace(cluster, name).catch(() => undefined);
  await store.cleanup();
  fs.rmSync(work, { recursive: true, force: true });
  cluster.close();
});

/** Every stored file of a backup, relative to the location. */
function filesOf(backupName: string): string[] {
  const folder = path.join(store.directory, backupKeys(backupName).folder);
  return (fs.readdirSync(folder, { recursive: true, withFileTypes: true }) as fs.Dirent[]).filter((e) => e.isFile()).map((e) => path.relative(store.directory, path.join(e.parentPath, e.name)));
}

/** The files that show the canary, in clear or base64 (a Secret's data), as stored or once gunzipped. */
function filesShowingCanary(backupName: string): string[] {
  const needles = [canary, Buffer.from(canary).toString('base64')];
  return filesOf(backupName).filter((file) => {
    const bytes = fs.readFileSync(path.join(store.directory, file));
    let unzipped = Buffer.alloc(0);
    try {
      unzipped = gunzipSync(bytes);
    } catch {
      // not gzip: encrypted, or plain JSON
    }
    return needles.some((needle) => bytes.includes(needle) || unzipped.includes(needle));
  });
}

async function restore(values: Record<string, string>): Promise<RestoreResult> {
  const reader = mapReader({ 'data-mover-image': env.image, 'include-namespaces': ns, ...values });
  return runRestore({ cluster, store: store.store, logger: new MemoryLogger(), tempDirectory: os.tmpdir() }, { settings: parseRestoreSettings(reader), location: parseLocationPolicy(reader) });
}

describe('an encrypted backup', () => {
  it('completes, with its volume copy, and records how it is encrypted without naming a key', async () => {
    expect([encrypted.phase, encrypted.failure]).toEqual(['Completed', undefined]);
    const record = JSON.parse(fs.readFileSync(path.join(store.directory, backupKeys(encrypted.name).metadata), 'utf8')) as { metadata: { annotations: Record<string, string> } };
    expect(record.metadata.annotations).toMatchObject({
      'kube-backup.io/encryption': 'age',
      'kube-backup.io/encrypted-files': 'tarball,logs,results,resourceList,volumeCopy'
    });
    expect(record.metadata.annotations['kube-backup.io/encryption-recipients']).toMatch(/^[0-9a-f]{16}$/);
    expect(JSON.stringify(record)).not.toContain(recipient);
    const copies = await readVolumeCopies(store.store, encrypted.name);
    expect(copies.map((c) => [c.claim, c.result])).toEqual([['data', 'succeeded']]);
  });

  it('holds no plaintext of the canary in any stored file, where the plain backup of the same namespace does', () => {
    // The control: the check finds the canary where it is in clear (the Secret in the tarball, the file in the copy).
    const inPlain = filesShowingCanary(plain.name);
    expect(inPlain).toEqual(expect.arrayContaining([backupKeys(plain.name).tarball, expect.stringMatching(/-volumes\/.*\/pvc\/data\.tar\.gz$/)]));
    expect(filesShowingCanary(encrypted.name)).toEqual([]);
    // Contents are age files; the records that prune and sync read stay plain.
    const keys = backupKeys(encrypted.name);
    for (const key of [keys.tarball, keys.logs, keys.results, keys.resourceList]) {
      expect(fs.readFileSync(path.join(store.directory, key)).subarray(0, 21).toString()).toBe('age-encryption.org/v1');
    }
    for (const key of [keys.volumeInfo, keys.fsVolumes]) expect(() => gunzipSync(fs.readFileSync(path.join(store.directory, key)))).not.toThrow();
    expect(() => JSON.parse(fs.readFileSync(path.join(store.directory, keys.checksums), 'utf8'))).not.toThrow();
  });

  it("opens with age's own command-line tool: the tarball lists the Secret, the volume copy holds the file", () => {
    const keyFile = path.join(work, 'key.txt');
    fs.writeFileSync(keyFile, `${identity}\n`, { mode: 0o600 });
    const keys = backupKeys(encrypted.name);
    const listing = execFileSync('sh', ['-c', 'age -d -i "$1" "$2" | tar -tzf -', 'sh', keyFile, path.join(store.directory, keys.tarball)], { encoding: 'utf8' });
    expect(listing).toContain(`resources/secrets/namespaces/${ns}/canary.json`);
    const [copy] = filesOf(encrypted.name).filter((f) => f.endsWith('/pvc/data.tar.gz'));
    const file = execFileSync('sh', ['-c', 'age -d -i "$1" "$2" | tar -xzOf - ./canary.txt', 'sh', keyFile, path.join(store.directory, copy!)], { encoding: 'utf8' });
    expect(file).toBe(canary);
  });

  it('is refused before any cluster write without an identity, and with another key', async () => {
    await expect(restore({ 'from-backup': encrypted.name, 'namespace-mappings': `${ns}:${refused}` })).rejects.toThrow(/encryption-identity.*is required: backup .* is encrypted \(age, to recipients with fingerprints [0-9a-f]{16}\)/);
    const stranger = await generateX25519Identity();
    const wrongKey = await restore({ 'from-backup': encrypted.name, 'namespace-mappings': `${ns}:${refused}`, 'encryption-identity': stranger });
    expect(wrongKey.phase).toBe('Failed');
    expect(wrongKey.failure).toMatch(/\.tar\.gz is encrypted to other keys/);
    expect(wrongKey.failure).not.toContain(stranger);
    expect(await cluster.get(refs.namespaces, refused)).toBeUndefined();
  });

  it('restores with the identity into a cloned namespace: the Secret, and the volume filled with its data', async () => {
    const result = await restore({ 'from-backup': encrypted.name, 'namespace-mappings': `${ns}:${clone}`, 'encryption-identity': `# a key file\n${identity}\n` });
    expect(result.results.toJSON().errors).toEqual({});
    expect(result.phase).toBe('Completed');
    const secret = await cluster.get(refs.secrets, 'canary', clone);
    expect(Buffer.from((secret!.data as Record<string, string>).token!, 'base64').toString()).toBe(canary);
    expect(result.filledVolumes.map((v) => v.name)).toEqual(['data']);
    await waitForPodRunning(cluster, clone, 'app');
    const read = await cluster.exec({ namespace: clone, pod: 'app', container: 'main' }, ['cat', '/data/canary.txt']);
    expect(read.stdout).toBe(canary);
  });

  it('verifies by hash without a key, and reads its contents with one', async () => {
    const hashesOnly = await verifyBackup(store.store, encrypted.name);
    expect([hashesOnly.state, hashesOnly.problems, hashesOnly.encryption, hashesOnly.items]).toEqual(['verified', [], 'hashes-only', 0]);
    const read = await verifyBackup(store.store, encrypted.name, { decryption: { identities: [identity] } });
    expect([read.state, read.problems, read.encryption]).toEqual(['verified', [], 'decrypted']);
    expect(read.items).toBeGreaterThan(3);
    const stranger = await verifyBackup(store.store, encrypted.name, { decryption: { identities: [await generateX25519Identity()] } });
    expect(stranger.state).toBe('failed');
    expect(stranger.problems).toEqual([expect.objectContaining({ file: backupKeys(encrypted.name).tarball, problem: expect.stringMatching(/encrypted to other keys/) })]);
  });

  it('is pruned once expired by a run that holds no key', async () => {
    const reader = mapReader({});
    const later = new Date(Date.now() + 31 * 24 * 3600_000);
    const pruned = await runPrune({ store: store.store, cluster, logger: new MemoryLogger(), clock: () => later, holder: 'test', lease: { renewEveryMs: 0 } }, { settings: pruneSettings(), location: parseLocationPolicy(reader) });
    expect(pruned.failures).toEqual([]);
    expect(pruned.deleted.map((b) => b.name).sort()).toEqual([encrypted.name, plain.name].sort());
    expect(fs.existsSync(path.join(store.directory, backupKeys(encrypted.name).folder))).toBe(false);
  });
});

describe('a backup encrypted with a passphrase', () => {
  const passphrase = `pass-${randomBytes(9).toString('base64')}`;
  const target = `${ns}-pass`;

  afterAll(async () => deleteNamespace(cluster, target).catch(() => undefined));

  it('restores with the passphrase only, and is refused with another one before any write', async () => {
    const sealed = await backupOf(cluster, store.store, ns, { 'backup-name': `${ns}-pass`, 'include-resources': 'secrets', 'encryption-passphrase': passphrase });
    expect([sealed.phase, sealed.failure]).toEqual(['Completed', undefined]);
    expect(filesShowingCanary(sealed.name)).toEqual([]);
    const record = JSON.parse(fs.readFileSync(path.join(store.directory, backupKeys(sealed.name).metadata), 'utf8')) as { metadata: { annotations: Record<string, string> } };
    expect(record.metadata.annotations['kube-backup.io/encryption-recipients']).toBe('passphrase');

    const wrong = await restore({ 'from-backup': sealed.name, 'include-resources': 'secrets', 'namespace-mappings': `${ns}:${target}`, 'encryption-passphrase': `${passphrase}-not` });
    expect([wrong.phase, wrong.failure]).toEqual(['Failed', expect.stringMatching(/is encrypted to other keys/)]);
    expect(await cluster.get(refs.namespaces, target)).toBeUndefined();

    const result = await restore({ 'from-backup': sealed.name, 'include-resources': 'secrets', 'namespace-mappings': `${ns}:${target}`, 'encryption-passphrase': passphrase });
    expect(result.phase).toBe('Completed');
    const secret = await cluster.get(refs.secrets, 'canary', target);
    expect(Buffer.from((secret!.data as Record<string, string>).token!, 'base64').toString()).toBe(canary);
  }, 120_000);
});
