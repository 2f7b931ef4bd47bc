/**
 * Each measured run in a process of its own, so its peak RSS is its own and no run warms the next one's caches.
 * The parent spawns this same bundle as `child <task as JSON>`; the child does the one task and prints what it
 * measured as one JSON line. Times are taken inside the child, from its first line of code: Node's start-up and
 * the bundle's loading are reported apart (startupSeconds), not folded into the figure.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import { runBackup } from '../src/backup/run.js';
import { connect } from '../src/engine/connect.js';
import type { KubeCluster } from '../src/kube/kube-cluster.js';
import { runRestore } from '../src/restore/run.js';
import { parseLocationPolicy } from '../src/settings/backup-settings.js';
import { parseBackupRun } from '../src/settings/backup-run.js';
import { mapReader } from '../src/settings/input-reader.js';
import { parseRestoreSettings } from '../src/settings/restore-settings.js';
import { parseConnectionSettings } from '../src/settings/settings.js';
import { silentLogger } from '../src/util/logger.js';
import { clusterFor } from '../test/support/cluster.js';
import { createEverything, listEverything, type CreateTask, type ListTask } from './baselines.js';
import type { Measurement } from './results.js';

/** Inputs as the action or the CLI takes them (location, s3-endpoint, filters...): parsed by the same settings code. */
export type Inputs = Record<string, string>;

export type ChildTask =
  /** Connect and discover only: the memory floor every run pays. */
  | { kind: 'connect'; kubeconfig: string }
  | ({ kind: 'list'; kubeconfig: string } & ListTask)
  | ({ kind: 'create'; kubeconfig: string } & CreateTask)
  | { kind: 'backup'; kubeconfig: string; inputs: Inputs }
  | { kind: 'restore'; kubeconfig: string; inputs: Inputs };

export interface ChildOptions {
  /** Extra environment (the store's credentials: never on the command line). */
  env?: NodeJS.ProcessEnv;
  /** Node flags for the child, such as `--cpu-prof --cpu-prof-dir=…`. */
  nodeFlags?: string[];
}

/** Runs one task in a child process of this bundle and returns what it measured. */
export function measureChild(task: ChildTask, options: ChildOptions = {}): Promise<Measurement> {
  const bundle = process.argv[1]!;
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [...(options.nodeFlags ?? []), bundle, 'child', JSON.stringify(task)], { env: { ...process.env, ...options.env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (err = (err + chunk.toString()).slice(-4000)));
    child.on('error', reject);
    child.on('close', (code) => {
      if (code !== 0) return reject(new Error(`${task.kind} child exited ${code}: ${err.trim()}`));
      resolve(JSON.parse(out.trim().split('\n').pop()!) as Measurement);
    });
  });
}

/** The child's side: do the task, print the measurement. */
export async function runChild(task: ChildTask): Promise<void> {
  const startupSeconds = performance.now() / 1000;
  const live = sampleLive();
  const started = performance.now();
  const done = await perform(task);
  const seconds = (performance.now() - started) / 1000;
  const measurement: Measurement = { seconds, startupSeconds, peakRssMiB: process.resourceUsage().maxRSS / 1024, livePeakMiB: live(), ...done };
  process.stdout.write(`${JSON.stringify(measurement)}\n`);
}

/**
 * In a child started with `--expose-gc` (and only there: the collections cost time, so its time is not a figure),
 * the most the task kept alive, heap and buffers, sampled after a full collection every LIVE_SAMPLE_MS. Peak RSS
 * also counts the garbage V8 lets pile up before it collects, more on a longer run; this is what the run holds.
 */
function sampleLive(): () => number | undefined {
  const collect = (globalThis as { gc?: () => void }).gc;
  if (!collect) return () => undefined;
  let peak = 0;
  const sample = () => {
    collect();
    const { heapUsed, external } = process.memoryUsage();
    peak = Math.max(peak, (heapUsed + external) / 1024 / 1024);
  };
  const timer = setInterval(sample, LIVE_SAMPLE_MS);
  return () => {
    clearInterval(timer);
    sample();
    return peak;
  };
}
const LIVE_SAMPLE_MS = 250;

async function perform(task: ChildTask): Promise<Pick<Measurement, 'items' | 'detail' | 'volumeBytes'>> {
  switch (task.kind) {
    case 'connect':
      return withCluster(task.kubeconfig, async (cluster) => {
        await cluster.verifyAccess();
        return { items: (await cluster.discover()).resources.length };
      });
    case 'list':
      return withCluster(task.kubeconfig, async (cluster) => ({ items: await listEverything(cluster, task) }));
    case 'create':
      return withCluster(task.kubeconfig, async (cluster) => ({ items: await createEverything(cluster, task) }));
    case 'backup':
      return backup(task.kubeconfig, task.inputs);
    case 'restore':
      return restore(task.kubeconfig, task.inputs);
  }
}

async function withCluster<T>(kubeconfig: string, work: (cluster: KubeCluster) => Promise<T>): Promise<T> {
  const cluster = clusterFor(kubeconfig);
  try {
    return await work(cluster);
  } finally {
    cluster.close();
  }
}

/** The settings and ports the CLI's `backup create` builds from the same inputs, then the backup. */
async function backup(kubeconfig: string, inputs: Inputs): Promise<{ items: number; volumeBytes: number }> {
  const reader = mapReader(inputs);
  const connection = parseConnectionSettings(reader, processContext(), kubeconfig);
  const { settings, lease } = parseBackupRun(reader, undefined, new Date());
  const location = parseLocationPolicy(reader);
  const { cluster, store } = await connect(connection);
  try {
    const result = await runBackup({ cluster, store, logger: silentLogger, holder: 'bench', lease }, { settings, location });
    if (result.phase !== 'Completed') throw new Error(`backup ${result.name} ${result.phase}: ${JSON.stringify(result.results.toJSON().errors).slice(0, 2000)}`);
    return { items: result.items, volumeBytes: result.volumeCopies.reduce((sum, copy) => sum + (copy.tar?.bytes ?? 0), 0) };
  } finally {
    cluster.close?.();
  }
}

async function restore(kubeconfig: string, inputs: Inputs): Promise<{ items: number; detail: string }> {
  const reader = mapReader(inputs);
  const connection = parseConnectionSettings(reader, processContext(), kubeconfig);
  const settings = parseRestoreSettings(reader);
  const location = parseLocationPolicy(reader);
  const { cluster, store } = await connect(connection);
  try {
    const result = await runRestore({ cluster, store, logger: silentLogger, tempDirectory: os.tmpdir() }, { settings, location });
    const { counts } = result;
    if (result.phase !== 'Completed' || counts.failed) throw new Error(`restore ${result.name} ${result.phase}: ${counts.failed} failed; ${result.failure ?? JSON.stringify(result.results.toJSON().errors).slice(0, 2000)}`);
    return { items: counts.created, detail: `${counts.created} created, ${counts.unchanged} unchanged, ${counts.updated} updated, ${counts.skipped} skipped` };
  } finally {
    cluster.close?.();
  }
}

function processContext() {
  // The kubeconfig is always given; nothing of the developer's own (KUBECONFIG, ~/.kube) is looked at.
  return { workingDirectory: process.cwd(), env: { exists: (file: string) => fs.existsSync(file) } };
}
