/**
 * `npm run bench`: backup and restore against baselines measured in the same run on the same objects (issue 12).
 *
 * For each size (default 1,000 and 10,000): seed that many objects across 20 namespaces of cluster A (seed.ts), then
 * per repetition (default 3; medians reported) each run in its own process (measure.ts):
 *   connect only (the memory floor) · the bare paginated LIST of every resource the backup walks · `kubectl get -A
 *   -o json` of the seeded kinds · the backup to S3 (Swift) · its restore into cluster B at concurrency 16 and at 1 ·
 *   its restore into mapped namespaces on A · the same objects POSTed raw into B, sequentially and at 16, and at 16
 *   answered with metadata only, as the restore asks (the ratios stay against plain POSTs, the baseline).
 * Prints a table per size and writes bench/results.json.
 *
 *   npm run bench -- --sizes 10000 --reps 3          one size
 *   npm run bench -- --with volumes,encryption        also the volume and encryption rows (minutes)
 *   npm run bench -- volumes | encryption             only those rows
 *   npm run bench -- --keep-seed                      leave the seeded namespaces for the next run
 *   npm run bench -- --clean                          remove what runs left behind, compact etcd, and stop
 *   npm run bench -- --cpu-prof DIR [--heap-prof]     profile the backup and restore children into DIR
 *   npm run bench -- --sizes 1000,50000 --backup-only no restores: the backup's figures at sizes where restores take an hour
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { planBackupScope } from '../src/backup/scope.js';
import type { KubeCluster } from '../src/kube/kube-cluster.js';
import { resourceRefOf } from '../src/kube/resources.js';
import { parseBackupSettings } from '../src/settings/backup-settings.js';
import { mapReader } from '../src/settings/input-reader.js';
import { terminalTable } from '../src/report/table.js';
import { backupKeys } from '../src/storage/layout.js';
import type { ObjectStore } from '../src/storage/object-store.js';
import { errorMessage } from '../src/util/errors.js';
import { clusterFor, refs } from '../test/support/cluster.js';
import { repoRoot, testEnvironment } from '../test/support/environment.js';
import { s3TestStore } from '../test/support/stores.js';
import { measureKubectl } from './baselines.js';
import { compactAndDefragment } from './etcd.js';
import { measureChild, runChild, type ChildOptions, type ChildTask, type Inputs } from './measure.js';
import { resultTable, summarize, type BenchResults, type Repetition } from './results.js';
import { SEEDED_RESOURCE_NAMES, SIZE_LABEL, benchNamespaceGlob, benchNamespaces, deleteNamespaces, ensureCrd, leftoverNamespaces, removeCrd, seed } from './seed.js';
import { ENCRYPTION_SIZE, encryptionRows, volumeRows, type Row } from './volume-rows.js';

const RESTORE_CONCURRENCY = 16;
/** The backup's own defaults (input-catalog: concurrency 8, page-size 500), which the LIST floor walks with too. */
const BACKUP_CONCURRENCY = 8;
const PAGE_SIZE = 500;
/**
 * Node's young generation grows to 64 MiB semi-spaces (128 MiB) on a long run whatever the backup holds; the
 * README's knob (NODE_OPTIONS on the step) caps it. Measured beside the default so its cost and gain show.
 */
const SMALL_YOUNG_GENERATION = '--max-semi-space-size=8';

interface Options {
  sizes: number[];
  reps: number;
  extras: Set<'volumes' | 'encryption'>;
  keepSeed: boolean;
  clean: boolean;
  out: string;
  profile: ChildOptions['nodeFlags'];
  /** Connect, LIST, kubectl and backup only: the figures the 50,000-object targets are about, in minutes, not an hour. */
  backupOnly: boolean;
}

function parseOptions(argv: string[]): Options & { only?: 'volumes' | 'encryption' } {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      sizes: { type: 'string', default: '1000,10000' },
      reps: { type: 'string', default: '3' },
      with: { type: 'string', default: '' },
      'keep-seed': { type: 'boolean', default: false },
      clean: { type: 'boolean', default: false },
      out: { type: 'string', default: path.join(repoRoot, 'bench', 'results.json') },
      'cpu-prof': { type: 'string' },
      'heap-prof': { type: 'boolean', default: false },
      'backup-only': { type: 'boolean', default: false }
    }
  });
  const sizes = values.sizes.split(',').map((s) => Number(s.trim()));
  if (sizes.some((n) => !Number.isInteger(n) || n < NAMESPACES_MIN)) throw new Error(`--sizes: '${values.sizes}' is not a list of whole numbers ≥ ${NAMESPACES_MIN}; use for example --sizes 1000,10000`);
  const reps = Number(values.reps);
  if (!Number.isInteger(reps) || reps < 1) throw new Error(`--reps: '${values.reps}' is not a whole number ≥ 1`);
  const extras = new Set(values.with.split(',').filter(Boolean));
  for (const extra of extras) if (extra !== 'volumes' && extra !== 'encryption') throw new Error(`--with: '${extra}' is not a row group; use volumes, encryption or both`);
  const only = positionals[0];
  if (only !== undefined && only !== 'volumes' && only !== 'encryption') throw new Error(`'${only}' is not a row group; use 'volumes' or 'encryption', or no argument for the full run`);
  const profileDir = values['cpu-prof'];
  const profile = profileDir ? ['--cpu-prof', `--cpu-prof-dir=${profileDir}`, ...(values['heap-prof'] ? ['--heap-prof', `--heap-prof-dir=${profileDir}`] : [])] : undefined;
  return { sizes, reps, extras: extras as Options['extras'], keepSeed: values['keep-seed'], clean: values.clean, out: values.out, profile, backupOnly: values['backup-only'], only };
}

/** Below one object per namespace the sizes stop meaning anything. */
const NAMESPACES_MIN = 20;

/** What one size's runs share: where the backups go and how the children reach the store. */
interface Run {
  id: string;
  a: KubeCluster;
  b: KubeCluster;
  store: ObjectStore;
  storeInputs: Inputs;
  /** The store's credentials for the children, as the action passes them: in the environment, never in arguments. */
  childEnv: NodeJS.ProcessEnv;
  profile: ChildOptions['nodeFlags'];
}

async function main(): Promise<void> {
  const options = parseOptions(process.argv.slice(2));
  const env = testEnvironment();
  const a = clusterFor(env.kubeconfig);
  const b = clusterFor(env.kubeconfigB);
  try {
    if (options.clean) return await clean(a, b);
    if (options.only) return await extraRows(a, new Set([options.only]));
    await fullRun(a, b, options);
  } finally {
    a.close();
    b.close();
  }
}

async function fullRun(a: KubeCluster, b: KubeCluster, options: Options): Promise<void> {
  const env = testEnvironment();
  const { bucket, store, cleanup } = await s3TestStore('bench/');
  const run: Run = {
    id: Date.now().toString(36),
    a,
    b,
    store,
    storeInputs: { location: `s3://${bucket}/bench`, 's3-endpoint': env.s3.endpoint, 's3-region': env.s3.region, 's3-force-path-style': String(env.s3.forcePathStyle) },
    childEnv: { AWS_ACCESS_KEY_ID: env.s3.accessKeyId, AWS_SECRET_ACCESS_KEY: env.s3.secretAccessKey, AWS_REGION: env.s3.region },
    profile: options.profile
  };
  const results: BenchResults = { generated_at: new Date().toISOString(), machine: { cpus: os.cpus().length, node: process.version }, sizes: {} };
  const seeded = new Set<number>();
  try {
    // Cluster B needs the kind for the raw creates; the restores then find it there, as a migration target would.
    await ensureCrd(b);
    for (const size of options.sizes) {
      seeded.add(size);
      const started = performance.now();
      const made = await seed(a, size, console.log);
      console.log(`${size} objects ready (${made} created in ${((performance.now() - started) / 1000).toFixed(0)} s)`);
      const reps: Repetition[] = [];
      for (let rep = 0; rep < options.reps; rep++) {
        console.log(`Size ${size}, repetition ${rep + 1} of ${options.reps}...`);
        reps.push(await repetition(run, size, rep, options.backupOnly));
      }
      const result = summarize(size, reps);
      results.sizes[String(size)] = result;
      console.log(`\n${resultTable(result)}\n`);
      // Written after each size, so a run stopped later keeps what it measured.
      fs.writeFileSync(options.out, `${JSON.stringify(results, null, 2)}\n`);
    }
    console.log(`Wrote ${path.relative(process.cwd(), options.out)}`);
    if (options.extras.size) {
      if (options.extras.has('encryption')) seeded.add(ENCRYPTION_SIZE);
      if (options.extras.has('encryption') && !options.sizes.includes(ENCRYPTION_SIZE)) await seed(a, ENCRYPTION_SIZE, console.log);
      await extraRows(a, options.extras);
    }
  } finally {
    await cleanup().catch((err: unknown) => console.error(`cannot remove the bench bucket ${bucket}: ${errorMessage(err)}`));
    if (!options.keepSeed) await removeSeeds(a, b, [...seeded]);
  }
}

/** One repetition at one size: every figure of issue 12, each in its own process. */
async function repetition(run: Run, size: number, rep: number, backupOnly: boolean): Promise<Repetition> {
  const env = testEnvironment();
  const { a, b, storeInputs } = run;
  const child = (task: ChildTask, profiled = false) => measureChild(task, { env: run.childEnv, nodeFlags: profiled ? run.profile : undefined });
  const sourceNamespaces = benchNamespaces(size);

  const connect = await child({ kind: 'connect', kubeconfig: env.kubeconfig });
  const list = await child({ kind: 'list', kubeconfig: env.kubeconfig, resources: await backupWalk(a, size), namespaces: sourceNamespaces, concurrency: BACKUP_CONCURRENCY, pageSize: PAGE_SIZE });
  const kubectl = await measureKubectl(env.kubectl, env.kubeconfig, SEEDED_RESOURCE_NAMES, `${SIZE_LABEL}=${size}`);

  const backupName = `bench-${size}-${run.id}-r${rep}`;
  const backup = await child({ kind: 'backup', kubeconfig: env.kubeconfig, inputs: { ...storeInputs, 'backup-name': backupName, 'include-namespaces': benchNamespaceGlob(size) } }, true);
  const archiveBytes = (await run.store.head(backupKeys(backupName).tarball))?.size ?? 0;
  // The same backup again under a Node flag, in a process of its own: the knob's effect, and what the run keeps alive.
  const backupWith = (suffix: string, nodeFlag: string) =>
    measureChild({ kind: 'backup', kubeconfig: env.kubeconfig, inputs: { ...storeInputs, 'backup-name': `${backupName}-${suffix}`, 'include-namespaces': benchNamespaceGlob(size) } }, { env: run.childEnv, nodeFlags: [nodeFlag] });
  const backupSmallYoung = await backupWith('young', SMALL_YOUNG_GENERATION);
  const backupLive = await backupWith('live', '--expose-gc');
  if (backupOnly) return { connect, list, kubectl, backup, backupSmallYoung, backupLive, archiveBytes };

  // Each restore lands in namespaces nobody has (removed again before the next), so every item is a create.
  const restore = async (cluster: KubeCluster, kubeconfig: string, label: string, concurrency: number, mapping?: string) => {
    const restoreInputs: Inputs = { ...storeInputs, 'from-backup': backupName, 'restore-name': `${backupName}-${label}`, concurrency: String(concurrency), ...(mapping ? { 'namespace-mappings': mapping } : {}) };
    const measured = await child({ kind: 'restore', kubeconfig, inputs: restoreInputs }, label === 'b16');
    await deleteNamespaces(cluster, mapping ? benchNamespaces(size, 'mapped') : sourceNamespaces);
    return measured;
  };
  const restoreParallel = await restore(b, env.kubeconfigB, 'b16', RESTORE_CONCURRENCY);
  const restoreSequential = await restore(b, env.kubeconfigB, 'b1', 1);
  const mapped = benchNamespaces(size, 'mapped');
  const restoreMapped = await restore(a, env.kubeconfig, 'a16', RESTORE_CONCURRENCY, sourceNamespaces.map((ns, i) => `${ns}:${mapped[i]}`).join(','));

  const rawNamespaces = benchNamespaces(size, 'raw');
  const creates = async (concurrency: number, metadataOnly = false) => {
    const measured = await child({ kind: 'create', kubeconfig: env.kubeconfigB, size, namespaces: rawNamespaces, concurrency, metadataOnly });
    await deleteNamespaces(b, rawNamespaces);
    return measured;
  };
  const createSequential = await creates(1);
  const createParallel = await creates(RESTORE_CONCURRENCY);
  const createParallelMetadataOnly = await creates(RESTORE_CONCURRENCY, true);
  return { connect, list, kubectl, backup, backupSmallYoung, backupLive, archiveBytes, restoreParallel, restoreSequential, restoreMapped, createSequential, createParallel, createParallelMetadataOnly };
}

/** The resources a backup of one size's namespaces lists, planned by the backup's own scope code from discovery. */
async function backupWalk(cluster: KubeCluster, size: number) {
  const settings = parseBackupSettings(mapReader({ 'include-namespaces': benchNamespaceGlob(size) }));
  const scope = planBackupScope(await cluster.discover(), settings.filters);
  return [refs.namespaces, ...scope.namespaced.map((scoped) => resourceRefOf(scoped))];
}

async function extraRows(a: KubeCluster, groups: Set<'volumes' | 'encryption'>): Promise<void> {
  const directory = fs.mkdtempSync(path.join(os.tmpdir(), 'kube-backup-bench-'));
  const created: string[] = [];
  const run = Date.now().toString(36);
  const rows: Row[] = [];
  try {
    if (groups.has('volumes')) rows.push(...(await volumeRows(a, run, directory, created)));
    if (groups.has('encryption')) {
      await seed(a, ENCRYPTION_SIZE, console.log);
      rows.push(...(await encryptionRows(a, run, directory, created)));
    }
    console.log(`\n${terminalTable(['measurement', 'value', 'ratio (same run)'], rows)}\n`);
  } finally {
    await deleteNamespaces(a, created).catch((err: unknown) => console.error(`cleanup: ${errorMessage(err)}`));
    fs.rmSync(directory, { recursive: true, force: true });
  }
}

/** Removes the seeded namespaces and the CRD, then gives etcd its space back. */
async function removeSeeds(a: KubeCluster, b: KubeCluster, sizes: number[]): Promise<void> {
  console.log('Removing the seeded objects...');
  try {
    await deleteNamespaces(a, sizes.flatMap((size) => benchNamespaces(size)));
    await Promise.all([removeCrd(a), removeCrd(b)]);
    const { before, after } = await compactAndDefragment();
    console.log(`etcd compacted and defragmented: ${(before / 1e6).toFixed(0)} MB → ${(after / 1e6).toFixed(0)} MB`);
  } catch (err) {
    console.error(`cleanup failed (npm run bench -- --clean retries it): ${errorMessage(err)}`);
  }
}

/** `--clean`: every bench namespace and the CRD on both clusters, whatever run left them. */
async function clean(a: KubeCluster, b: KubeCluster): Promise<void> {
  for (const cluster of [a, b]) {
    const names = await leftoverNamespaces(cluster);
    console.log(`${cluster.server}: removing ${names.length} bench namespaces`);
    await deleteNamespaces(cluster, names);
    await removeCrd(cluster);
  }
  const { before, after } = await compactAndDefragment();
  console.log(`etcd compacted and defragmented: ${(before / 1e6).toFixed(0)} MB → ${(after / 1e6).toFixed(0)} MB`);
}

// One entry for the parent and its measuring children (measure.ts runs this bundle again with 'child').
const entry = process.argv[2] === 'child' ? runChild(JSON.parse(process.argv[3]!) as ChildTask) : main();
entry.catch((err: unknown) => {
  console.error(err instanceof Error ? (err.stack ?? err.message) : String(err));
  process.exitCode = 1;
});
