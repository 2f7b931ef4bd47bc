import { createPublicKey, generateKeyPairSync, verify } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { runBackup } from '../../../src/backup/run.js';
import type { KubeCluster } from '../../../src/kube/kube-cluster.js';
import { runRestore, type RestoreResult } from '../../../src/restore/run.js';
import { parseBackupSettings, parseLocationPolicy } from '../../../src/settings/backup-settings.js';
import { mapReader } from '../../../src/settings/input-reader.js';
import { parseRestoreSettings } from '../../../src/settings/restore-settings.js';
import { parseVerifySettings } from '../../../src/settings/verify-settings.js';
import { backupKeys } from '../../../src/storage/layout.js';
import type { ObjectStore } from '../../../src/storage/object-store.js';
import { digestOf } from '../../../src/util/digest-stream.js';
import { MemoryLogger } from '../../../src/util/logger.js';
import { ANNOTATIONS } from '../../../src/velero/vocabulary.js';
import { verifyBackup } from '../../../src/verify/verify-backup.js';
import { clusterFor, createNamespace, deleteNamespace, refs } from '../../support/cluster.js';
import { testEnvironment, uniqueName } from '../../support/environment.js';
import { copiedLocalStore, localTestStore } from '../../support/stores.js';
import { runCliInProcess } from '../../support/cli.js';

// Signed checksum manifests end to end, on the real cluster and local-directory stores: a backup made with a
// signing-key verifies and restores with its verify-key, fails with another key, and fails when unsigned. The case
// signatures exist for: someone who can write the bucket changes a ConfigMap in the tarball and rewrites the
// manifest and velero-backup.json's sha256 annotation to agree. Plain checksums cannot tell (verify passes, restore
// writes the changed value); with verify-key, verify fails and restore refuses before its first write.
const env = testEnvironment();
const ns = uniqueName('sig');
const signed = `${ns}-signed`;
const unsigned = `${ns}-unsigned`;
const pristine = localTestStore();
const work = fs.mkdtempSync(path.join(os.tmpdir(), 'kb-signatures-'));
const targets: string[] = [];
let cluster: KubeCluster;

function keyPair(label: string): { privatePem: string; publicPem: string; privateFile: string; publicFile: string } {
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  const privatePem = privateKey.export({ type: 'pkcs8', format: 'pem' }) as string;
  const publicPem = publicKey.export({ type: 'spki', format: 'pem' }) as string;
  const privateFile = path.join(work, `${label}.pem`);
  const publicFile = path.join(work, `${label}.pub.pem`);
  fs.writeFileSync(privateFile, privatePem, { mode: 0o600 });
  fs.writeFileSync(publicFile, publicPem);
  return { privatePem, publicPem, privateFile, publicFile };
}
const ours = keyPair('ours');
const theirs = keyPair('theirs');

async function backUp(name: string, inputs: Record<string, string> = {}): Promise<void> {
  const reader = mapReader({ 'backup-name': name, 'include-namespaces': ns, ...inputs });
  const result = await runBackup({ cluster, store: pristine.store, logger: new MemoryLogger(), holder: 'test' }, { settings: parseBackupSettings(reader), location: parseLocationPolicy(reader) });
  expect({ phase: result.phase, failure: result.failure }).toEqual({ phase: 'Completed', failure: undefined });
}

beforeAll(async () => {
  cluster = clusterFor(env.kubeconfig);
  await createNamespace(cluster, ns);
  await cluster.create(refs.configmaps, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'settings', namespace: ns }, data: { mode: 'safe' } });
  await backUp(signed, { 'signing-key': ours.privatePem });
  await backUp(unsigned);
}, 120_000);

afterAll(async () => {
  for (const target of targets) await deleteNamespace(cluster, target);
  await deleteNamespace(cluster, ns);
  await pristine.cleanup();
  fs.rmSync(work, { recursive: true, force: true });
  cluster.close();
});

/** A copy of the pristine location in a directory of its own, to change. */
const copyOfLocation = (label: string) => copiedLocalStore(pristine.directory, path.join(work, label));

async function restoreFrom(store: ObjectStore, name: string, target: string, inputs: Record<string, string> = {}): Promise<{ result: RestoreResult; log: string }> {
  targets.push(target);
  const reader = mapReader({ 'from-backup': name, 'namespace-mappings': `${ns}:${target}`, ...inputs });
  const logger = new MemoryLogger();
  const result = await runRestore({ cluster, store, logger, tempDirectory: work }, { settings: parseRestoreSettings(reader), location: parseLocationPolicy(reader) });
  return { result, log: logger.lines.map((l) => l.message).join('\n') };
}

const verifyKeys = (pem: string) => parseVerifySettings(mapReader({ 'verify-all': 'true', 'verify-key': pem })).verifyKeys;

async function expectRefused(store: ObjectStore, name: string, target: string, file: string, problem: RegExp): Promise<void> {
  const { result } = await restoreFrom(store, name, target, { 'verify-key': ours.publicPem });
  expect(result.phase).toBe('Failed');
  expect(result.failure).toContain(`backup '${name}' failed its integrity check, so nothing was written to the cluster: ${file}: `);
  expect(result.failure).toMatch(problem);
  expect(result.counts.created).toBe(0);
  expect(await cluster.get(refs.namespaces, target)).toBeUndefined();
}

/**
 * What someone who can write the bucket (but has no signing key) does: the ConfigMap's value changed in the tarball,
 * the manifest given the new tarball's size and sha256, velero-backup.json the new manifest's sha256. The signature
 * annotations are left as they were; dropping them instead makes the backup unsigned, which verify-key fails too.
 */
function tamperConsistently(directory: string, name: string): void {
  const keys = backupKeys(name);
  const file = (key: string) => path.join(directory, key);
  const tar = gunzipSync(fs.readFileSync(file(keys.tarball)));
  // Every copy of the item (Velero's archive holds it per version too), and the same length, so the tar headers hold.
  const changed = Buffer.from(tar.toString('latin1').replaceAll('"mode":"safe"', '"mode":"evil"'), 'latin1');
  expect(changed.equals(tar)).toBe(false);
  const tarball = gzipSync(changed);
  fs.writeFileSync(file(keys.tarball), tarball);
  const manifest = JSON.parse(fs.readFileSync(file(keys.checksums), 'utf8')) as { files: Record<string, { size: number; sha256: string }> };
  manifest.files[`${name}.tar.gz`] = { size: tarball.length, sha256: digestOf(tarball).sha256 };
  const manifestBytes = Buffer.from(`${JSON.stringify(manifest, null, 2)}\n`);
  fs.writeFileSync(file(keys.checksums), manifestBytes);
  const record = JSON.parse(fs.readFileSync(file(keys.metadata), 'utf8')) as { metadata: { annotations: Record<string, string> } };
  record.metadata.annotations[ANNOTATIONS.checksumsSha256] = digestOf(manifestBytes).sha256;
  fs.writeFileSync(file(keys.metadata), `${JSON.stringify(record, null, 2)}\n`);
}

describe('a backup made with a signing-key', () => {
  it("records an Ed25519 signature of its manifest's bytes and the key's fingerprint in velero-backup.json", () => {
    const keys = backupKeys(signed);
    const record = JSON.parse(fs.readFileSync(path.join(pristine.directory, keys.metadata), 'utf8')) as { metadata: { annotations: Record<string, string> } };
    const annotations = record.metadata.annotations;
    const manifest = fs.readFileSync(path.join(pristine.directory, keys.checksums));
    expect(verify(null, manifest, createPublicKey(ours.publicPem), Buffer.from(annotations[ANNOTATIONS.checksumsSignature]!, 'base64'))).toBe(true);
    expect(annotations[ANNOTATIONS.checksumsSigningKey]).toBe(verifyKeys(ours.publicPem)[0]!.fingerprint);
    expect(annotations[ANNOTATIONS.checksumsSha256]).toBe(digestOf(manifest).sha256);
  });

  it('verifies with its verify-key, alone or among others; without one, verifies as before and says it was not checked', async () => {
    for (const pem of [ours.publicPem, `${theirs.publicPem}${ours.publicPem}`]) {
      expect(await verifyBackup(pristine.store, signed, { verifyKeys: verifyKeys(pem) })).toMatchObject({ state: 'verified', problems: [], signature: { state: 'verified' } });
    }
    expect(await verifyBackup(pristine.store, signed)).toMatchObject({ state: 'verified', problems: [], signature: { state: 'unchecked' } });
  });

  it('restores with its verify-key, the log saying the signature was verified', async () => {
    const target = `${ns}-ok`;
    const { result, log } = await restoreFrom(pristine.store, signed, target, { 'verify-key': ours.publicPem });
    expect({ phase: result.phase, failure: result.failure }).toEqual({ phase: 'Completed', failure: undefined });
    expect(log).toContain(`Backup ${signed}: checksum manifest signature verified (key ${verifyKeys(ours.publicPem)[0]!.fingerprint})`);
    expect((await cluster.get(refs.configmaps, 'settings', target))?.data).toEqual({ mode: 'safe' });
  }, 60_000);

  it('fails verification and restore with another key', async () => {
    const verification = await verifyBackup(pristine.store, signed, { verifyKeys: verifyKeys(theirs.publicPem) });
    expect(verification.state).toBe('failed');
    expect(verification.problems).toContainEqual({ file: backupKeys(signed).metadata, problem: expect.stringMatching(/which is not one of the verify-key keys/) });
    const target = `${ns}-other`;
    targets.push(target);
    const reader = mapReader({ 'from-backup': signed, 'namespace-mappings': `${ns}:${target}`, 'verify-key': theirs.publicPem });
    const result = await runRestore({ cluster, store: pristine.store, logger: new MemoryLogger(), tempDirectory: work }, { settings: parseRestoreSettings(reader), location: parseLocationPolicy(reader) });
    expect(result.phase).toBe('Failed');
    expect(result.failure).toMatch(new RegExp(`^backup '${signed}' failed its integrity check, so nothing was written to the cluster: .*which is not one of the verify-key keys`));
    expect(await cluster.get(refs.namespaces, target)).toBeUndefined();
  }, 60_000);
});

describe('a signed backup rewritten consistently by someone without the key', () => {
  const keys = backupKeys(signed);

  it('passes plain checksums: verify says verified, and a restore without verify-key writes the changed value', async () => {
    const { store, directory } = copyOfLocation('tampered-plain');
    tamperConsistently(directory, signed);
    expect(await verifyBackup(store, signed)).toMatchObject({ state: 'verified', problems: [] });
    const target = `${ns}-fooled`;
    const { result } = await restoreFrom(store, signed, target);
    expect(result.phase).toBe('Completed');
    expect((await cluster.get(refs.configmaps, 'settings', target))?.data).toEqual({ mode: 'evil' });
  }, 60_000);

  it('fails verification with verify-key, naming the manifest, and its restore is refused before any write', async () => {
    const { store, directory } = copyOfLocation('tampered-signed');
    tamperConsistently(directory, signed);
    const verification = await verifyBackup(store, signed, { verifyKeys: verifyKeys(ours.publicPem) });
    expect(verification.state).toBe('failed');
    expect(verification.problems).toEqual([{ file: keys.checksums, problem: expect.stringMatching(/^its signature by key [0-9a-f]{64} does not match its bytes/) }]);
    await expectRefused(store, signed, `${ns}-tampered`, keys.checksums, /does not match its bytes/);
  }, 60_000);

  it('with the signature taken off too, fails with verify-key as unsigned', async () => {
    const { store, directory } = copyOfLocation('tampered-unsigned');
    tamperConsistently(directory, signed);
    const file = path.join(directory, keys.metadata);
    const record = JSON.parse(fs.readFileSync(file, 'utf8')) as { metadata: { annotations: Record<string, string> } };
    delete record.metadata.annotations[ANNOTATIONS.checksumsSignature];
    delete record.metadata.annotations[ANNOTATIONS.checksumsSigningKey];
    fs.writeFileSync(file, JSON.stringify(record));
    expect(await verifyBackup(store, signed)).toMatchObject({ state: 'verified', signature: { state: 'unsigned' } });
    await expectRefused(store, signed, `${ns}-stripped`, keys.metadata, /records no signature of the checksum manifest, but verify-key requires one/);
  }, 60_000);
});

describe('an unsigned backup', () => {
  it('verifies without verify-key, fails with it; its restore with verify-key is refused before any write', async () => {
    expect(await verifyBackup(pristine.store, unsigned)).toMatchObject({ state: 'verified', signature: { state: 'unsigned' } });
    const verification = await verifyBackup(pristine.store, unsigned, { verifyKeys: verifyKeys(ours.publicPem) });
    expect(verification).toMatchObject({ state: 'failed', problems: [{ file: backupKeys(unsigned).metadata, problem: 'records no signature of the checksum manifest, but verify-key requires one' }] });
    await expectRefused(pristine.store, unsigned, `${ns}-unsigned`, backupKeys(unsigned).metadata, /records no signature/);
  }, 60_000);
});

describe('the CLI', () => {
  const cli = (args: string[]) => runCliInProcess(args, work);

  it('signs with --signing-key <file>; backup verify and describe check with --verify-key <file>', async () => {
    const { directory } = copyOfLocation('cli');
    const name = `${ns}-cli`;
    const created = await cli(['backup', 'create', name, '--kubeconfig', env.kubeconfig, '--location', directory, '--include-namespaces', ns, '--signing-key', 'ours.pem']);
    expect(created.code).toBe(0);
    expect(created.out).not.toContain(ours.privatePem.split('\n')[1]!);

    const fingerprint = verifyKeys(ours.publicPem)[0]!.fingerprint;
    const good = await cli(['backup', 'verify', name, '--location', directory, '--verify-key', ours.publicFile]);
    expect(good).toMatchObject({ code: 0, out: expect.stringMatching(new RegExp(`${name}\\s+verified.*signature verified \\(key ${fingerprint}\\)`)) });
    const other = await cli(['backup', 'verify', '--all', '--location', directory, '--verify-key', 'theirs.pub.pem']);
    expect(other.code).toBe(1);
    expect(other.out).toContain(`${name}: ${backupKeys(name).metadata}: it is signed by key ${fingerprint}, which is not one of the verify-key keys`);
    expect(other.out).toContain(`${unsigned}: ${backupKeys(unsigned).metadata}: records no signature`);

    const described = await cli(['backup', 'describe', name, '--location', directory, '-o', 'json']);
    expect((JSON.parse(described.out) as { verification: unknown }).verification).toEqual({ state: 'verified', problems: [], signature: `signed by ${fingerprint}, not checked (no verify-key)` });
    expect((await cli(['backup', 'describe', name, '--location', directory])).out).toContain(`Verification:  verified (checksums match); signed by ${fingerprint}, not checked (no verify-key)`);
    const checked = await cli(['backup', 'describe', name, '--location', directory, '--verify-key', 'ours.pub.pem']);
    expect(checked.out).toContain(`Verification:  verified (checksums match); signature verified (key ${fingerprint})`);

    await expect(cli(['backup', 'verify', name, '--location', directory, '--verify-key', 'missing.pem'])).rejects.toThrow(/^Input '--verify-key': cannot read the key file/);
    await expect(cli(['backup', 'verify', name, '--location', directory, '--verify-key', 'ours.pem'])).rejects.toThrow("Input '--verify-key': is a private key; verifying takes public keys only");
  }, 120_000);
});
