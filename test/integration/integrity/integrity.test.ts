import { createHash, generateKeyPairSync } from 'node:crypto';
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
import type { ObjectStore } from '../../../src/storage/object-store.js';
import { MemoryLogger } from '../../../src/util/logger.js';
import { ANNOTATIONS } from '../../../src/velero/vocabulary.js';
import { verifyBackup } from '../../../src/verify/verify-backup.js';
import { readJson } from '../../support/backups.js';
import { clusterFor, createNamespace, deleteNamespace, refs, sleeperPod, testClaim, waitForPodRunning } from '../../support/cluster.js';
import { testEnvironment, uniqueName } from '../../support/environment.js';
import { copiedLocalStore, localTestStore } from '../../support/stores.js';
import { runCliInProcess } from '../../support/cli.js';
import { veleroTarball } from '../../support/velero-go-writer.js';
import { gzipSync } from 'node:zlib';

// Integrity end to end, on the real cluster and local-directory stores: a backup records the size and sha256 of
// every file it wrote, verifies, and restores; a copy of it with one file damaged (a byte flipped, a file deleted,
// the tarball cut) fails verification naming that file, and a restore of it fails before its first write to the
// cluster, naming the file. A flipped byte in a volume copy is the one exception the design allows (too large to
// read twice): it fails as the copy streams into its claim.
const env = testEnvironment();
const ns = uniqueName('integ');
const name = `${ns}-b`;
const keys = backupKeys(name);
const copyKey = volumeCopyKey(name, { namespace: ns, claim: 'data' });
const pristine = localTestStore();
const work = fs.mkdtempSync(path.join(os.tmpdir(), 'kb-integrity-'));
const targets: string[] = [];
let cluster: KubeCluster;
let backup: BackupResult;

beforeAll(async () => {
  cluster = clusterFor(env.kubeconfig);
  await createNamespace(cluster, ns);
  await cluster.create(refs.configmaps, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'settings', namespace: ns }, data: { mode: 'fast' } });
  await cluster.create(refs.secrets, { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'creds', namespace: ns }, stringData: { password: 'hunter2' } });
  await cluster.create(refs.pvcs, testClaim(ns, 'data'));
  // The claim is copied through the pod's own container: a volume copy (and volumeinfo) for a few seconds' work.
  await cluster.create(refs.pods, sleeperPod(ns, 'app', env.image, { annotations: { 'backup.velero.io/backup-volumes': 'data' } }, 'data'));
  await waitForPodRunning(cluster, ns, 'app');
  const wrote = await cluster.exec({ namespace: ns, pod: 'app', container: 'main' }, ['sh', '-c', 'printf "precious" > /data/file.txt']);
  expect(wrote.exitCode).toBe(0);
  const reader = mapReader({ 'backup-name': name, 'include-namespaces': ns, 'data-mover-image': env.image });
  backup = await runBackup({ cluster, store: pristine.store, logger: new MemoryLogger(), holder: 'test' }, { settings: parseBackupSettings(reader), location: parseLocationPolicy(reader) });
  expect({ phase: backup.phase, failure: backup.failure }).toEqual({ phase: 'Completed', failure: undefined });
}, 180_000);

afterAll(async () => {
  for (const target of targets) await deleteNamespace(cluster, target);
  await deleteNamespace(cluster, ns);
  await pristine.cleanup();
  fs.rmSync(work, { recursive: true, force: true });
  cluster.close();
});

/** A copy of the pristine location in a directory of its own, to damage. */
const copyOfBackup = (label: string) => copiedLocalStore(pristine.directory, path.join(work, label));

function flipByte(directory: string, key: string): void {
  const file = path.join(directory, key);
  const data = fs.readFileSync(file);
  const at = Math.floor(data.length / 2);
  data[at] = data[at]! ^ 0x01;
  fs.writeFileSync(file, data);
}

async function restoreFrom(store: ObjectStore, target: string): Promise<{ result: RestoreResult; logger: MemoryLogger }> {
  targets.push(target);
  const reader = mapReader({ 'from-backup': name, 'namespace-mappings': `${ns}:${target}`, 'data-mover-image': env.image });
  const logger = new MemoryLogger();
  const result = await runRestore({ cluster, store, logger, tempDirectory: work }, { settings: parseRestoreSettings(reader), location: parseLocationPolicy(reader) });
  return { result, logger };
}

async function filesOf(store: ObjectStore): Promise<Map<string, number>> {
  const files = new Map<string, number>();
  for await (const info of store.list(keys.folder)) files.set(info.key, info.size);
  return files;
}

describe('a backup', () => {
  it('records the size and sha256 of every file it wrote in its checksum manifest, whose sha256 velero-backup.json carries', async () => {
    const manifestBytes = fs.readFileSync(path.join(pristine.directory, keys.checksums));
    const manifest = JSON.parse(manifestBytes.toString('utf8')) as { formatVersion: number; algorithm: string; backup: string; files: Record<string, { size: number; sha256: string }> };
    expect(manifest).toMatchObject({ formatVersion: 1, algorithm: 'sha256', backup: name });
    const files = await filesOf(pristine.store);
    const listed = [...files.keys()].filter((key) => key !== keys.metadata && key !== keys.checksums).map((key) => key.slice(keys.folder.length));
    expect(listed).toEqual(expect.arrayContaining([`${name}.tar.gz`, `${name}-logs.gz`, `${name}-results.gz`, `${name}-resource-list.json.gz`, `${name}-volumeinfo.json.gz`, `${name}-fs-volumes.json.gz`, copyKey.slice(keys.folder.length)]));
    expect(Object.keys(manifest.files).sort()).toEqual(listed.sort());
    for (const [file, { size, sha256 }] of Object.entries(manifest.files)) {
      const bytes = fs.readFileSync(path.join(pristine.directory, keys.folder, file));
      expect({ file, size: bytes.length, sha256: sha256Of(bytes) }).toEqual({ file, size, sha256 });
    }
    const record = await readJson<{ metadata: { annotations: Record<string, string> } }>(pristine.store, keys.metadata);
    expect(record.metadata.annotations[ANNOTATIONS.checksumsSha256]).toBe(sha256Of(manifestBytes));
  });

  it('verifies', async () => {
    const result = await verifyBackup(pristine.store, name);
    expect(result).toMatchObject({ name, state: 'verified', problems: [] });
    expect(result.items).toBeGreaterThanOrEqual(4);
  });

  it('restores, every file checked before the first write', async () => {
    const target = `${ns}-ok`;
    const { result, logger } = await restoreFrom(pristine.store, target);
    expect({ phase: result.phase, failure: result.failure }).toEqual({ phase: 'Completed', failure: undefined });
    expect(result.filledVolumes).toHaveLength(1);
    expect(logger.lines.map((l) => l.message).join('\n')).toMatch(/files match its checksum manifest/);
  }, 120_000);
});

describe('a damaged copy of it', () => {
  const damages: [label: string, file: string, damage: (directory: string) => void, problem: RegExp][] = [
    ['a flipped byte in the tarball', keys.tarball, (d) => flipByte(d, keys.tarball), /sha256|corrupt/],
    ['a flipped byte in the logs', keys.logs, (d) => flipByte(d, keys.logs), /its sha256 is/],
    ['a flipped byte in the results', keys.results, (d) => flipByte(d, keys.results), /its sha256 is/],
    ['a flipped byte in the resource list', keys.resourceList, (d) => flipByte(d, keys.resourceList), /its sha256 is/],
    ['a flipped byte in the volumeinfo', keys.volumeInfo, (d) => flipByte(d, keys.volumeInfo), /its sha256 is/],
    ['a flipped byte in the volume copies record', keys.fsVolumes, (d) => flipByte(d, keys.fsVolumes), /its sha256 is/],
    ['a flipped byte in the checksum manifest', keys.checksums, (d) => flipByte(d, keys.checksums), /its sha256 is .* but velero-backup.json records/],
    ['a deleted log', keys.logs, (d) => fs.rmSync(path.join(d, keys.logs)), /is missing/],
    ['a deleted volume copy', copyKey, (d) => fs.rmSync(path.join(d, copyKey)), /is missing/],
    ['a deleted checksum manifest', keys.checksums, (d) => fs.rmSync(path.join(d, keys.checksums)), /is missing/],
    ['a truncated tarball', keys.tarball, (d) => fs.truncateSync(path.join(d, keys.tarball), Math.floor(fs.statSync(path.join(d, keys.tarball)).size / 2)), /bytes, but the checksum manifest records/]
  ];

  it.each(damages.map((d, i) => [...d, i] as const))('with %s fails verification and restore before any write, naming the file', async (_label, file, damage, problem, i) => {
    const { store, directory } = copyOfBackup(`damage-${i}`);
    damage(directory);

    const verification = await verifyBackup(store, name);
    expect(verification.state).toBe('failed');
    expect(verification.problems).toContainEqual({ file, problem: expect.stringMatching(problem) });

    const target = `${ns}-t${i}`;
    const { result } = await restoreFrom(store, target);
    expect(result.phase).toBe('Failed');
    expect(result.failure).toContain(`backup '${name}' failed its integrity check, so nothing was written to the cluster: ${file}: `);
    expect(result.failure).toMatch(problem);
    expect(result.counts.created).toBe(0);
    expect(await cluster.get(refs.namespaces, target)).toBeUndefined();
  }, 60_000);

  it('with a flipped byte in a volume copy fails verification, and its restore fails that volume as it streams, naming it', async () => {
    const { store, directory } = copyOfBackup('damage-copy');
    flipByte(directory, copyKey);
    const verification = await verifyBackup(store, name);
    expect(verification).toMatchObject({ state: 'failed', problems: [{ file: copyKey, problem: expect.stringMatching(/its sha256 is/) }] });
    // Copies are too large to read twice: the design verifies them as they fill their claims (README, Volume data).
    const { result } = await restoreFrom(store, `${ns}-copy`);
    expect(result.phase).toBe('PartiallyFailed');
    expect(JSON.stringify(result.results.toJSON().errors)).toContain(copyKey);
  }, 120_000);
});

describe('a backup Velero wrote', () => {
  it('verifies for structure only, and says so; its restore goes ahead without checksums, saying so', async () => {
    const { store } = copyOfBackup('velero');
    const veleroName = `${ns}-velero`;
    const veleroKeys = backupKeys(veleroName);
    const configMap = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'from-velero', namespace: ns }, data: { a: 'b' } };
    await store.put(veleroKeys.tarball, await veleroTarball([{ groupResource: 'configmaps', namespace: ns, name: 'from-velero', version: 'v1', object: configMap }]));
    await store.put(veleroKeys.logs, gzipSync('time="2026-01-01T00:00:00Z" level=info msg="Backup completed"\n'));
    await store.put(veleroKeys.metadata, JSON.stringify({ kind: 'Backup', apiVersion: 'velero.io/v1', metadata: { name: veleroName, namespace: 'velero' }, spec: { storageLocation: 'default' }, status: { phase: 'Completed', formatVersion: '1.1.0', version: 1 } }));
    expect(await verifyBackup(store, veleroName)).toMatchObject({ state: 'structural-only', problems: [], items: 1, filesChecked: 2 });

    const target = `${ns}-velero`;
    targets.push(target);
    const reader = mapReader({ 'from-backup': veleroName, 'namespace-mappings': `${ns}:${target}`, 'dry-run': 'true' });
    const logger = new MemoryLogger();
    const result = await runRestore({ cluster, store, logger, tempDirectory: work }, { settings: parseRestoreSettings(reader), location: parseLocationPolicy(reader) });
    expect(result.phase).toBe('Completed');
    expect(logger.lines.map((l) => l.message).join('\n')).toContain(`Backup ${veleroName} has no checksum manifest (made by Velero, or by a version without one): its files are checked structurally only`);
  }, 120_000);
});

describe('verify at the edges', () => {
  // No kubeconfig anywhere: verify reads the location only.
  const cli = (args: string[]) => runCliInProcess(args, work);

  it('backup verify passes a sound backup and exits 1 naming the file of a damaged one; --all takes every backup', async () => {
    expect(await cli(['backup', 'verify', name, '--location', pristine.directory])).toMatchObject({ code: 0, out: expect.stringMatching(new RegExp(`${name}\\s+verified`)) });
    const { directory } = copyOfBackup('cli-damaged');
    flipByte(directory, keys.results);
    const damaged = await cli(['backup', 'verify', '--all', '--location', directory]);
    expect(damaged.code).toBe(1);
    expect(damaged.out).toContain(`${name}: ${keys.results}: its sha256 is`);
    await expect(cli(['backup', 'verify', '--location', directory])).rejects.toThrow(/^Input 'name': is required to verify a backup/);
    await expect(cli(['backup', 'verify', name, '--all', '--location', directory])).rejects.toThrow(/^Input '--all': cannot be combined/);
  });

  it('backup describe shows the verification', async () => {
    const { out } = await cli(['backup', 'describe', name, '--location', pristine.directory, '-o', 'json']);
    expect((JSON.parse(out) as { verification: unknown }).verification).toEqual({ state: 'verified', problems: [] });
    expect((await cli(['backup', 'describe', name, '--location', pristine.directory])).out).toMatch(/^Verification: +verified/m);
  });

  it('mode: verify runs without any kubeconfig and sets verified, failed and problems', async () => {
    const { directory } = copyOfBackup('action-damaged');
    flipByte(directory, keys.logs);
    const { outputs, summary, failed } = await runActionInProcess({ mode: 'verify', location: directory, 'verify-all': 'true' });
    expect(failed).toBe(true);
    expect(outputs).toMatchObject({ verified: '0', failed: '1', 'structural-only': '0' });
    expect(JSON.parse(outputs.problems!)).toEqual([{ backup: name, file: keys.logs, problem: expect.stringMatching(/its sha256 is/) }]);
    expect(summary).toContain(`| ${name} | FAILED |`);

    const sound = await runActionInProcess({ mode: 'verify', location: pristine.directory, 'from-backup': 'latest' });
    expect(sound.failed).toBe(false);
    expect(sound.outputs).toMatchObject({ verified: '1', failed: '0', problems: '[]' });
  });

  it('mode: verify with verify-key fails an unsigned backup, the problem in its outputs', async () => {
    const verifyKey = generateKeyPairSync('ed25519').publicKey.export({ type: 'spki', format: 'pem' }) as string;
    const { outputs, failed } = await runActionInProcess({ mode: 'verify', location: pristine.directory, 'from-backup': name, 'verify-key': verifyKey });
    expect(failed).toBe(true);
    expect(outputs).toMatchObject({ verified: '0', failed: '1' });
    expect(JSON.parse(outputs.problems!)).toEqual([{ backup: name, file: keys.metadata, problem: 'records no signature of the checksum manifest, but verify-key requires one' }]);
  });
});

/**
 * The action's entry (src/action/main.ts) in this process, with inputs and the runner's files as a runner sets them,
 * and no KUBECONFIG, no ~/.kube/config, no in-cluster service account.
 */
async function runActionInProcess(inputs: Record<string, string>): Promise<{ outputs: Record<string, string>; summary: string; failed: boolean }> {
  const dir = fs.mkdtempSync(path.join(work, 'action-'));
  const outputFile = path.join(dir, 'output');
  const summaryFile = path.join(dir, 'summary');
  fs.writeFileSync(outputFile, '');
  fs.writeFileSync(summaryFile, '');
  const saved = { ...process.env };
  const savedExitCode = process.exitCode;
  for (const key of ['KUBECONFIG', 'KUBERNETES_SERVICE_HOST', 'ACTIONS_RUNTIME_TOKEN']) delete process.env[key];
  Object.assign(process.env, { HOME: dir, GITHUB_OUTPUT: outputFile, GITHUB_STEP_SUMMARY: summaryFile, GITHUB_WORKSPACE: dir, RUNNER_TEMP: dir });
  for (const [key, value] of Object.entries(inputs)) process.env[`INPUT_${key.toUpperCase()}`] = value;
  const write = process.stdout.write;
  process.stdout.write = (() => true) as typeof process.stdout.write;
  let failed: boolean;
  try {
    const { run } = await import('../../../src/action/main.js');
    process.exitCode = 0;
    await run();
    failed = process.exitCode === 1;
  } finally {
    process.stdout.write = write;
    process.env = saved;
    process.exitCode = savedExitCode;
  }
  const outputs: Record<string, string> = {};
  for (const m of fs.readFileSync(outputFile, 'utf8').matchAll(/^(.+?)<<(.+)\n([\s\S]*?)\n\2$/gm)) outputs[m[1]!] = m[3]!;
  return { outputs, summary: fs.readFileSync(summaryFile, 'utf8'), failed };
}

function sha256Of(bytes: Buffer): string {
  return createHash('sha256').update(bytes).digest('hex');
}
