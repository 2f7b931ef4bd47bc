import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { LEASE_KEY } from '../../../src/coordination/lease-record.js';
import type { KubeCluster } from '../../../src/kube/kube-cluster.js';
import type { KubeObject } from '../../../src/model/kube-object.js';
import { LocalObjectStore } from '../../../src/storage/local-store.js';
import { backupKeys, RESTORES_FOLDER } from '../../../src/storage/layout.js';
import { clusterFor, createNamespace, deleteNamespace, refs, sleeperPod, waitForPodRunning } from '../../support/cluster.js';
import { repoRoot, testEnvironment, uniqueName } from '../../support/environment.js';
import { backupOf } from '../lifecycle/support.js';

// Cancelled as a runner cancels (SIGINT, SIGTERM 7.5 s later, then SIGKILL), a run must stop within seconds of the
// SIGINT and leave no debris: the location's lease released (not held for its TTL), no half-visible backup, no
// temporary or spool files, and a record that says honestly how far it got.
const env = testEnvironment();
const ns = uniqueName('cancel');
const manyNs = uniqueName('cancel-many');
const restoredNs = uniqueName('cancel-restored');
const inFlightNs = uniqueName('cancel-in-flight');
const CONFIGMAPS = 600;
const work = fs.mkdtempSync(path.join(os.tmpdir(), 'cancel-'));
let cluster: KubeCluster;

beforeAll(async () => {
  cluster = clusterFor(env.kubeconfig);
  await createNamespace(cluster, ns);
  // A pre hook that takes a few seconds: the backup is surely under way (lease held, upload open) when cancelled.
  await cluster.create(refs.pods, sleeperPod(ns, 'slow', env.image, { annotations: { 'pre.hook.backup.velero.io/command': '["sh", "-c", "sleep 3"]' } }));
  for (let i = 0; i < 50; i++) await cluster.create(refs.configmaps, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: `cm-${i}`, namespace: ns }, data: { i: String(i) } });
  await waitForPodRunning(cluster, ns, 'slow');
}, 120_000);

afterAll(async () => {
  for (const name of [ns, manyNs, restoredNs, inFlightNs]) await deleteNamespace(cluster, name).catch(() => undefined);
  cluster.close();
  fs.rmSync(work, { recursive: true, force: true });
});

/** Every file under `dir`, relative, hidden temporary files included. */
function filesUnder(dir: string): string[] {
  return fs.existsSync(dir) ? (fs.readdirSync(dir, { recursive: true, withFileTypes: true }) as fs.Dirent[]).filter((e) => e.isFile()).map((e) => path.relative(dir, path.join(e.parentPath, e.name))) : [];
}

interface CliRun {
  child: ChildProcess;
  output: () => string;
  exited: Promise<number | null>;
}

/** The built CLI, as a workflow step runs it; TMPDIR is where a restore spools its archive. */
function startCli(args: string[], tmp = work): CliRun {
  const child = spawn(path.join(repoRoot, 'node_modules/.bin/node'), [path.join(repoRoot, 'dist/cli/index.js'), ...args], {
    env: { PATH: process.env.PATH, HOME: work, TMPDIR: tmp },
    stdio: ['ignore', 'pipe', 'pipe']
  });
  let output = '';
  child.stdout!.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (output += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return { child, output: () => output, exited };
}

/**
 * Cancels as a GitHub runner does: SIGINT, then SIGTERM 7.5 s later if the process still runs, then SIGKILL 2.5 s
 * after that. Says which signals it took and how long the process took to exit after the SIGINT.
 */
/** Signals sent in order; a run that stops in time has seen only SIGINT (the runner's SIGTERM comes 7.5 s later). */
async function cancelLikeARunner(run: CliRun): Promise<{ signals: NodeJS.Signals[]; code: number | null }> {
  const signals: NodeJS.Signals[] = [];
  const send = (signal: NodeJS.Signals) => {
    signals.push(signal);
    run.child.kill(signal);
  };
  send('SIGINT');
  const term = setTimeout(() => send('SIGTERM'), 7_500);
  const kill = setTimeout(() => send('SIGKILL'), 10_000);
  const code = await run.exited;
  clearTimeout(term);
  clearTimeout(kill);
  return { signals, code };
}

async function until(condition: () => boolean, what: string, timeoutMs = 30_000): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  while (!condition()) {
    if (performance.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** The restore records (velero-restore.json) under a local location, by restore name. */
function restoreRecords(location: string): Map<string, KubeObject> {
  const folder = path.join(location, ...RESTORES_FOLDER.split('/'));
  const records = new Map<string, KubeObject>();
  if (!fs.existsSync(folder)) return records;
  for (const name of fs.readdirSync(folder)) {
    const file = path.join(folder, name, 'velero-restore.json');
    if (fs.existsSync(file)) records.set(name, JSON.parse(fs.readFileSync(file, 'utf8')) as KubeObject);
  }
  return records;
}

async function configMapsIn(namespace: string): Promise<Map<string, unknown>> {
  const found = new Map<string, unknown>();
  for await (const cm of cluster.list(refs.configmaps, { namespace })) {
    const name = cm.metadata.name ?? '';
    if (name.startsWith('cm-')) found.set(name, cm.data);
  }
  return found;
}

describe('a backup cancelled by SIGINT', () => {
  it('stops within seconds, releases the lease, aborts the upload and commits nothing', async () => {
    const location = path.join(work, 'location');
    const name = 'cancelled';
    const run = startCli(['backup', 'create', name, '--kubeconfig', env.kubeconfig, '--location', location, '--include-namespaces', ns, '--concurrency', '1']);

    // Wait until the run holds the lease and has started its walk (the pre hook is running), then cancel.
    const leaseFile = path.join(location, ...LEASE_KEY.split('/'));
    await until(() => fs.existsSync(leaseFile) && run.output().includes('Starting backup'), 'the backup to start');
    const { signals, code } = await cancelLikeARunner(run);

    expect(signals).toEqual(['SIGINT']);
    expect(code).not.toBe(0);
    expect(run.output()).toMatch(/SIGINT: cancelling/);
    expect(run.output()).toMatch(/cancelled \(SIGINT\)/);
    const left = filesUnder(location);
    expect(left).not.toContain(LEASE_KEY);
    expect(left).not.toContain(backupKeys(name).metadata);
    expect(left.filter((f) => /\.tmp-|\.cas-lock/.test(f))).toEqual([]);
    // The next run finds the location free at once.
    expect(filesUnder(location).some((f) => f.startsWith('metadata/'))).toBe(false);
  }, 60_000);
});

describe('a restore cancelled by SIGINT', () => {
  const location = path.join(work, 'restore-location');
  const tmp = path.join(work, 'restore-tmp');
  const backupName = 'many-configmaps';

  beforeAll(async () => {
    await createNamespace(cluster, manyNs);
    const names = Array.from({ length: CONFIGMAPS }, (_, i) => `cm-${String(i).padStart(4, '0')}`);
    for (let start = 0; start < names.length; start += 25) {
      await Promise.all(names.slice(start, start + 25).map((name) => cluster.create(refs.configmaps, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, namespace: manyNs }, data: { name } })));
    }
    const backup = await backupOf(cluster, new LocalObjectStore(location), manyNs, { 'backup-name': backupName });
    expect([backup.phase, backup.itemsByResource.get('configmaps')]).toEqual(['Completed', CONFIGMAPS + 1]); // with kube-root-ca.crt
    fs.mkdirSync(tmp);
  }, 120_000);

  const restoreArgs = (target: string, ...extra: string[]) => [
    'restore',
    'create',
    '--from-backup',
    backupName,
    '--kubeconfig',
    env.kubeconfig,
    '--location',
    location,
    '--namespace-mappings',
    `${manyNs}:${target}`,
    // A line per object, which the tests count.
    '--verbose',
    ...extra
  ];

  it('stops within seconds, removes its spool, records that it did not complete, and a re-run with update completes it', async () => {
    const run = startCli(restoreArgs(restoredNs, '--concurrency', '1'), tmp);
    // Mid-way: items are being created one at a time, from the archive spooled into TMPDIR.
    await until(() => (run.output().match(/created: configmaps /g) ?? []).length >= 20, 'the restore to create its first items');
    expect(fs.readdirSync(tmp).filter((f) => f.startsWith('kube-restore-'))).toHaveLength(1);
    const { signals, code } = await cancelLikeARunner(run);

    expect(signals).toEqual(['SIGINT']);
    expect(code).not.toBe(0);
    expect(run.output()).toMatch(/SIGINT: cancelling/);
    expect(fs.readdirSync(tmp)).toEqual([]);
    const restoredBefore = await configMapsIn(restoredNs);
    expect(restoredBefore.size).toBeGreaterThan(0);
    expect(restoredBefore.size).toBeLessThan(CONFIGMAPS);

    // The record says it was cancelled, and how far it got of how much.
    const records = restoreRecords(location);
    expect(records.size).toBe(1);
    const [cancelled] = [...records.values()];
    const status = cancelled!.status as { phase: string; failureReason?: string; progress: { totalItems: number; itemsRestored: number } };
    expect(status.phase).toBe('Failed');
    expect(status.failureReason).toMatch(/cancelled \(SIGINT\)/);
    expect(status.progress.totalItems).toBeGreaterThanOrEqual(CONFIGMAPS);
    expect(status.progress.itemsRestored).toBeLessThan(status.progress.totalItems);
    expect(filesUnder(location).filter((f) => /\.tmp-|\.cas-lock/.test(f) || f.startsWith('metadata/'))).toEqual([]);

    // Run again, updating what the cancelled run already created: everything is there, Completed.
    const rerun = startCli(restoreArgs(restoredNs, '--existing-resource-policy', 'update'), tmp);
    expect(await rerun.exited).toBe(0);
    const after = await configMapsIn(restoredNs);
    expect(after.size).toBe(CONFIGMAPS);
    for (const [name, data] of after) expect(data).toEqual({ name });
    const finished = [...restoreRecords(location)].find(([name]) => !records.has(name))?.[1];
    expect((finished?.status as { phase: string }).phase).toBe('Completed');
    expect(fs.readdirSync(tmp)).toEqual([]);
  }, 120_000);

  it('cancelled with many items in flight, stops once they are done: each is counted, none is written after the run ends', async () => {
    const run = startCli(restoreArgs(inFlightNs, '--concurrency', '16'), tmp);
    await until(() => (run.output().match(/created: configmaps /g) ?? []).length >= 20, 'the restore to create its first items', 60_000);
    const { signals } = await cancelLikeARunner(run);
    expect(signals).toEqual(['SIGINT']);

    const output = run.output();
    // Where the run stops working: after it, only the spool's removal, the tally and the record.
    const end = output.search(/Restore failed: cancelled \(SIGINT\)/);
    expect(end).toBeGreaterThan(0);
    const restored = await configMapsIn(inFlightNs);
    expect(restored.size).toBeLessThan(CONFIGMAPS);
    // Every ConfigMap in the cluster was created and counted before that point, none after.
    expect(output.slice(end).match(/created: configmaps /g)).toBeNull();
    expect(output.slice(0, end).match(/created: configmaps /g)).toHaveLength(restored.size);
    // The tally counts every item the log reports created: the ConfigMaps, the namespace, and the namespace's default
    // ServiceAccount when the restore got there before the cluster's controller did.
    const createdBefore = output.slice(0, end).match(/^created: /gm) ?? [];
    expect(createdBefore.length).toBeGreaterThan(restored.size);
    expect(output).toMatch(new RegExp(`Restore \\S+ Failed: ${createdBefore.length} created, `));
    expect(fs.readdirSync(tmp)).toEqual([]);
  }, 120_000);
});
