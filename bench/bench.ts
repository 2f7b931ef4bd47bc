/**
 * `npm run bench`: speed and memory of backup and restore against the local environment, each printed as a ratio
 * to a baseline measured in the same run, so machine speed cancels out.
 *
 *   memory   peak RSS of backups of 100, 10,000 and 30,000 ConfigMaps, each in its own process, against a process
 *            that only connects and discovers (the baseline): memory must not grow with the number of objects.
 *   backup   time of a backup of 10,000 objects against a bare paginated LIST of the same objects (the floor).
 *   restore  time to restore 2,000 objects with concurrency 16 against concurrency 1 (Velero's sequential restore).
 *   encrypt  the backup of 10,000 objects and of a 1 GiB volume encrypted (age, one recipient) against the same
 *            backups plain (target: at most 1.3x).
 *   volumes  file-system copy of a 1 GiB volume (random bytes: the worst case for gzip) against `kubectl exec … tar c |
 *            cat >/dev/null` on the same volume, and the backup's peak RSS for a 100 MiB and a 1 GiB volume (flat).
 *
 * `npm run bench -- volumes` runs only the volume rows; `npm run bench -- encryption` only the encryption rows.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import pLimit from 'p-limit';
import { generateX25519Identity, identityToRecipient } from 'age-encryption';
import { runBackup } from '../src/backup/run.js';
import { KubeCluster } from '../src/kube/kube-cluster.js';
import { loadKubeConfig } from '../src/kube/kubeconfig.js';
import { runRestore } from '../src/restore/run.js';
import { parseBackupSettings, parseLocationPolicy } from '../src/settings/backup-settings.js';
import { mapReader } from '../src/settings/input-reader.js';
import { parseRestoreSettings } from '../src/settings/restore-settings.js';
import { LocalObjectStore } from '../src/storage/local-store.js';
import { silentLogger } from '../src/util/logger.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, '../..');
const kubeconfig = readEnv().KUBECONFIG!;
const namespaces = { ref: { group: '', version: 'v1', resource: 'namespaces', namespaced: false } };
const configmaps = { group: '', version: 'v1', resource: 'configmaps', namespaced: true };

function readEnv(): Record<string, string> {
  const file = path.join(root, '.local-env', 'env.sh');
  const vars: Record<string, string> = {};
  for (const line of fs.readFileSync(file, 'utf8').split('\n')) {
    const m = /^export ([A-Z_0-9]+)=(.*)$/.exec(line);
    if (m) vars[m[1]!] = m[2]!;
  }
  return vars;
}

function cluster(): KubeCluster {
  return new KubeCluster(loadKubeConfig({ kind: 'files', paths: [kubeconfig] }));
}

/** What one child process measured. */
interface ChildReport {
  seconds: number;
  maxRssMiB: number;
  items?: number;
}

async function child(task: string, namespace: string, directory: string): Promise<void> {
  const started = performance.now();
  const c = cluster();
  let items: number | undefined;
  if (task === 'baseline') {
    await c.verifyAccess();
    await c.discover();
  } else if (task === 'list') {
    items = 0;
    for await (const object of c.list(configmaps, { namespace, limit: 500 })) if (object) items++;
  } else if (task.startsWith('volume-backup')) {
    const reader = mapReader({ ...encryptionInputs(task), 'include-namespaces': namespace, 'include-resources': 'pods,persistentvolumeclaims', 'backup-name': `bench-${namespace}-${Date.now()}`, 'data-mover-image': readEnv().TEST_IMAGE! });
    const result = await runBackup({ cluster: c, store: new LocalObjectStore(directory, `file://${directory}`), logger: silentLogger, holder: 'bench' }, { settings: parseBackupSettings(reader), location: parseLocationPolicy(reader) });
    if (result.phase !== 'Completed') throw new Error(`volume backup ${result.phase}: ${JSON.stringify(result.results.toJSON().errors)}`);
    items = result.volumeCopies.reduce((sum, copy) => sum + (copy.tar?.bytes ?? 0), 0);
  } else if (task.startsWith('backup')) {
    const reader = mapReader({ ...encryptionInputs(task), 'include-namespaces': namespace, 'include-resources': 'configmaps', 'backup-name': `bench-${namespace}-${Date.now()}` });
    const result = await runBackup({ cluster: c, store: new LocalObjectStore(directory, `file://${directory}`), logger: silentLogger, holder: 'bench' }, { settings: parseBackupSettings(reader), location: parseLocationPolicy(reader) });
    items = result.items;
  }
  c.close();
  const report: ChildReport = { seconds: (performance.now() - started) / 1000, maxRssMiB: process.resourceUsage().maxRSS / 1024, items };
  process.stdout.write(JSON.stringify(report));
}

/** `…-encrypted` tasks encrypt to the recipient the parent made (BENCH_RECIPIENT). */
function encryptionInputs(task: string): Record<string, string> {
  return task.endsWith('-encrypted') ? { 'encryption-recipients': process.env.BENCH_RECIPIENT! } : {};
}

function measure(task: string, namespace = '', directory = ''): ChildReport {
  const out = spawnSync(process.execPath, [fileURLToPath(import.meta.url), 'child', task, namespace, directory], { encoding: 'utf8', maxBuffer: 1 << 20 });
  if (out.status !== 0) throw new Error(`${task} failed: ${out.stderr}`);
  return JSON.parse(out.stdout) as ChildReport;
}

async function seed(c: KubeCluster, namespace: string, count: number): Promise<void> {
  await c.create(namespaces.ref, { apiVersion: 'v1', kind: 'Namespace', metadata: { name: namespace } });
  const limit = pLimit(32);
  const payload = 'x'.repeat(600);
  await Promise.all(
    Array.from({ length: count }, (_, i) =>
      limit(() => c.create(configmaps, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: `cm-${i}`, namespace, labels: { bench: 'true' } }, data: { index: String(i), payload } }))
    )
  );
}

async function timeRestore(c: KubeCluster, store: LocalObjectStore, backupName: string, from: string, to: string, concurrency: number): Promise<number> {
  const reader = mapReader({ 'from-backup': backupName, 'namespace-mappings': `${from}:${to}`, 'include-resources': 'configmaps', concurrency: String(concurrency), 'restore-name': `${to}-restore` });
  const started = performance.now();
  const result = await runRestore({ cluster: c, store, logger: silentLogger, tempDirectory: os.tmpdir() }, { settings: parseRestoreSettings(reader), location: parseLocationPolicy(reader) });
  if (result.counts.failed) throw new Error(`restore into ${to} failed ${result.counts.failed} items`);
  return (performance.now() - started) / 1000;
}

/** A namespace with one pod whose claim holds `mib` MiB of random bytes, opted in for a file-system copy. */
async function seedVolume(c: KubeCluster, namespace: string, mib: number): Promise<void> {
  const env = readEnv();
  const pods = { group: '', version: 'v1', resource: 'pods', namespaced: true };
  await c.create(namespaces.ref, { apiVersion: 'v1', kind: 'Namespace', metadata: { name: namespace } });
  // Pods are refused until the namespace's default ServiceAccount has its token.
  const tokenReady = async () => (((await c.get({ group: '', version: 'v1', resource: 'serviceaccounts', namespaced: true }, 'default', namespace))?.secrets as unknown[] | undefined)?.length ?? 0) > 0;
  for (let i = 0; i < 120 && !(await tokenReady()); i++) await new Promise((r) => setTimeout(r, 500));
  await c.create({ group: '', version: 'v1', resource: 'persistentvolumeclaims', namespaced: true }, {
    apiVersion: 'v1',
    kind: 'PersistentVolumeClaim',
    metadata: { name: 'data', namespace },
    spec: { accessModes: ['ReadWriteOnce'], storageClassName: env.TEST_STORAGE_CLASS, resources: { requests: { storage: `${mib * 2}Mi` } } }
  });
  await c.create(pods, {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: 'app', namespace, annotations: { 'backup.velero.io/backup-volumes': 'data' } },
    spec: {
      terminationGracePeriodSeconds: 0,
      containers: [{ name: 'main', image: env.TEST_IMAGE, imagePullPolicy: 'Never', command: ['sleep', '36000'], volumeMounts: [{ name: 'data', mountPath: '/data' }] }],
      volumes: [{ name: 'data', persistentVolumeClaim: { claimName: 'data' } }]
    }
  });
  for (let i = 0; i < 240; i++) {
    if (((await c.get(pods, 'app', namespace))?.status as { phase?: string } | undefined)?.phase === 'Running') break;
    await new Promise((r) => setTimeout(r, 500));
  }
  const written = await c.exec({ namespace, pod: 'app', container: 'main' }, ['sh', '-c', `dd if=/dev/urandom of=/data/blob bs=1048576 count=${mib} 2>/dev/null`], { timeoutMs: 600_000 });
  if (written.exitCode !== 0) throw new Error(`cannot fill the volume of ${namespace}: ${written.stderr}`);
}

/** The floor: the same volume streamed by kubectl through exec and thrown away. */
function timeKubectlTar(namespace: string): number {
  const env = readEnv();
  const kubectl = path.join(env.KUBE_BIN_DIR!, 'kubectl');
  const started = performance.now();
  const out = spawnSync('sh', ['-c', `"${kubectl}" --kubeconfig "${kubeconfig}" exec -n ${namespace} app -c main -- tar c -f - -C /data . | cat >/dev/null`], { encoding: 'utf8' });
  if (out.status !== 0) throw new Error(`kubectl exec tar failed: ${out.stderr}`);
  return (performance.now() - started) / 1000;
}

async function volumeRows(c: KubeCluster, run: string, directory: string, created: string[], row: (label: string, value: string, ratio: string) => void): Promise<void> {
  const small = `bench-${run}-vol100m`;
  const large = `bench-${run}-vol1g`;
  created.push(small, large);
  console.log('Filling a 100 MiB and a 1 GiB volume with random bytes...');
  await seedVolume(c, small, 100);
  await seedVolume(c, large, 1024);
  const floor = timeKubectlTar(large);
  const copySmall = measure('volume-backup', small, directory);
  const copyLarge = measure('volume-backup', large, directory);
  const mib = copyLarge.items! / 1024 / 1024;
  row('kubectl exec tar c | cat, 1 GiB volume', `${floor.toFixed(2)} s`, `1.00 (floor, ${(mib / floor).toFixed(0)} MiB/s)`);
  row('backup with a 1 GiB file-system copy', `${copyLarge.seconds.toFixed(2)} s`, `${(floor / copyLarge.seconds).toFixed(2)} x the floor's throughput (${(mib / copyLarge.seconds).toFixed(0)} MiB/s, gzip included)`);
  row('backup with a 100 MiB copy, peak RSS', `${copySmall.maxRssMiB.toFixed(0)} MiB`, '1.00');
  row('backup with a 1 GiB copy, peak RSS', `${copyLarge.maxRssMiB.toFixed(0)} MiB`, `${(copyLarge.maxRssMiB / copySmall.maxRssMiB).toFixed(2)} x the 100 MiB copy`);
}

/** Encrypted backups against plain ones of the same objects and volume, each in its own process. */
async function encryptionRows(c: KubeCluster, run: string, directory: string, created: string[], row: (label: string, value: string, ratio: string) => void, objects?: string): Promise<void> {
  process.env.BENCH_RECIPIENT = await identityToRecipient(await generateX25519Identity());
  const volume = `bench-${run}-enc-vol`;
  created.push(volume);
  if (!objects) {
    objects = `bench-${run}-enc-10k`;
    created.push(objects);
    console.log('Seeding 10,000 ConfigMaps and a 1 GiB volume for the encryption rows...');
    await seed(c, objects, 10_000);
  }
  await seedVolume(c, volume, 1024);
  const plain = measure('backup', objects, directory);
  const sealed = measure('backup-encrypted', objects, directory);
  const plainVolume = measure('volume-backup', volume, directory);
  const sealedVolume = measure('volume-backup-encrypted', volume, directory);
  row('backup of 10,000 ConfigMaps, encrypted', `${sealed.seconds.toFixed(2)} s`, `${(sealed.seconds / plain.seconds).toFixed(2)} x the plain backup (${plain.seconds.toFixed(2)} s)`);
  row('backup with a 1 GiB copy, encrypted', `${sealedVolume.seconds.toFixed(2)} s`, `${(sealedVolume.seconds / plainVolume.seconds).toFixed(2)} x the plain backup (${plainVolume.seconds.toFixed(2)} s)`);
  row('backup with a 1 GiB copy, encrypted, peak RSS', `${sealedVolume.maxRssMiB.toFixed(0)} MiB`, `${(sealedVolume.maxRssMiB / plainVolume.maxRssMiB).toFixed(2)} x the plain backup`);
}


async function main(): Promise<void> {
  if (process.argv[2] === 'volumes') return only(volumeRows);
  if (process.argv[2] === 'encryption') return only(encryptionRows);
  const c = cluster();
  const run = Date.now().toString(36);
  const small = `bench-${run}-100`;
  const large = `bench-${run}-10k`;
  const huge = `bench-${run}-30k`;
  const restoreSource = `bench-${run}-2k`;
  const directory = fs.mkdtempSync(path.join(os.tmpdir(), 'kube-backup-bench-'));
  const created = [small, large, huge, restoreSource];
  try {
    console.log('Seeding 100, 10,000, 30,000 and 2,000 ConfigMaps (600-byte payloads)...');
    await seed(c, small, 100);
    await seed(c, large, 10_000);
    await seed(c, huge, 30_000);
    await seed(c, restoreSource, 2_000);

    const baseline = measure('baseline');
    const backupSmall = measure('backup', small, directory);
    const backupLarge = measure('backup', large, directory);
    const backupHuge = measure('backup', huge, directory);
    const list = measure('list', large);

    const store = new LocalObjectStore(directory, `file://${directory}`);
    const reader = mapReader({ 'include-namespaces': restoreSource, 'include-resources': 'configmaps', 'backup-name': `bench-${run}-restore-source` });
    await runBackup({ cluster: c, store, logger: silentLogger, holder: 'bench' }, { settings: parseBackupSettings(reader), location: parseLocationPolicy(reader) });
    created.push(`${restoreSource}-seq`, `${restoreSource}-par`);
    const sequential = await timeRestore(c, store, `bench-${run}-restore-source`, restoreSource, `${restoreSource}-seq`, 1);
    const parallel = await timeRestore(c, store, `bench-${run}-restore-source`, restoreSource, `${restoreSource}-par`, 16);

    const row = (label: string, value: string, ratio: string) => console.log(`${label.padEnd(44)} ${value.padStart(14)}   ${ratio}`);
    console.log('');
    row('measurement', 'value', 'ratio to its baseline (same run)');
    row('baseline: connect + discover, peak RSS', `${baseline.maxRssMiB.toFixed(0)} MiB`, '1.00');
    row('backup of 100 ConfigMaps, peak RSS', `${backupSmall.maxRssMiB.toFixed(0)} MiB`, `${(backupSmall.maxRssMiB / baseline.maxRssMiB).toFixed(2)} x baseline`);
    row('backup of 10,000 ConfigMaps, peak RSS', `${backupLarge.maxRssMiB.toFixed(0)} MiB`, `${(backupLarge.maxRssMiB / baseline.maxRssMiB).toFixed(2)} x baseline, ${(backupLarge.maxRssMiB / backupSmall.maxRssMiB).toFixed(2)} x the 100-object backup`);
    row('backup of 30,000 ConfigMaps, peak RSS', `${backupHuge.maxRssMiB.toFixed(0)} MiB`, `${(backupHuge.maxRssMiB / baseline.maxRssMiB).toFixed(2)} x baseline, ${(backupHuge.maxRssMiB / backupLarge.maxRssMiB).toFixed(2)} x the 10,000-object backup`);
    row('paginated LIST of 10,000 ConfigMaps', `${list.seconds.toFixed(2)} s`, '1.00 (floor)');
    row('backup of 10,000 ConfigMaps', `${backupLarge.seconds.toFixed(2)} s`, `${(backupLarge.seconds / list.seconds).toFixed(2)} x the LIST (${Math.round(backupLarge.items! / backupLarge.seconds)} items/s)`);
    row('restore of 2,000, concurrency 1 (Velero-like)', `${sequential.toFixed(2)} s`, '1.00');
    row('restore of 2,000, concurrency 16', `${parallel.toFixed(2)} s`, `${(sequential / parallel).toFixed(2)} x faster`);
    await volumeRows(c, run, directory, created, row);
    await encryptionRows(c, run, directory, created, row, large);
  } finally {
    await Promise.all(created.map((ns) => c.delete(namespaces.ref, ns)));
    fs.rmSync(directory, { recursive: true, force: true });
    c.close();
  }
}

type Rows = (c: KubeCluster, run: string, directory: string, created: string[], row: (label: string, value: string, ratio: string) => void) => Promise<void>;

/** One group of rows alone (`npm run bench -- volumes`), with its own scratch directory and namespaces. */
async function only(rows: Rows): Promise<void> {
  const c = cluster();
  const directory = fs.mkdtempSync(path.join(os.tmpdir(), 'kube-backup-bench-'));
  const created: string[] = [];
  try {
    const row = (label: string, value: string, ratio: string) => console.log(`${label.padEnd(44)} ${value.padStart(14)}   ${ratio}`);
    await rows(c, Date.now().toString(36), directory, created, row);
  } finally {
    await Promise.all(created.map((ns) => c.delete(namespaces.ref, ns)));
    fs.rmSync(directory, { recursive: true, force: true });
    c.close();
  }
}

if (process.argv[2] === 'child') await child(process.argv[3]!, process.argv[4]!, process.argv[5]!);
else await main();

