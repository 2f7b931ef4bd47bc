import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { LEASE_KEY } from '../../../src/coordination/lease-record.js';
import type { KubeCluster } from '../../../src/kube/kube-cluster.js';
import { backupKeys } from '../../../src/storage/layout.js';
import { clusterFor, createNamespace, deleteNamespace, refs, sleeperPod, waitForPodRunning } from '../../support/cluster.js';
import { repoRoot, testEnvironment, uniqueName } from '../../support/environment.js';

// Cancelled as a runner cancels (SIGINT, SIGTERM 7.5 s later, then SIGKILL), a run must stop within seconds and
// leave no debris: the location's lease released (not held for its TTL), no half-visible backup, no temp files.
const env = testEnvironment();
const ns = uniqueName('cancel');
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
  await deleteNamespace(cluster, ns);
  cluster.close();
  fs.rmSync(work, { recursive: true, force: true });
});

/** Every file under `dir`, relative, hidden temporary files included. */
function filesUnder(dir: string): string[] {
  return fs.existsSync(dir) ? (fs.readdirSync(dir, { recursive: true, withFileTypes: true }) as fs.Dirent[]).filter((e) => e.isFile()).map((e) => path.relative(dir, path.join(e.parentPath, e.name))) : [];
}

describe('a backup cancelled by SIGINT', () => {
  it('stops within seconds, releases the lease, aborts the upload and commits nothing', async () => {
    const location = path.join(work, 'location');
    const name = 'cancelled';
    const cli = spawn(path.join(repoRoot, 'node_modules/.bin/node'), [path.join(repoRoot, 'dist/cli/index.js'), 'backup', 'create', name, '--kubeconfig', env.kubeconfig, '--location', location, '--include-namespaces', ns, '--concurrency', '1'], {
      env: { PATH: process.env.PATH, HOME: work, TMPDIR: work },
      stdio: ['ignore', 'pipe', 'pipe']
    });
    let output = '';
    cli.stdout!.on('data', (d: Buffer) => (output += d.toString()));
    cli.stderr!.on('data', (d: Buffer) => (output += d.toString()));
    const exited = new Promise<number | null>((resolve) => cli.on('exit', (code) => resolve(code)));

    // Wait until the run holds the lease and has started its walk (the pre hook is running), then cancel.
    const leaseFile = path.join(location, ...LEASE_KEY.split('/'));
    for (let i = 0; i < 200 && !(fs.existsSync(leaseFile) && output.includes('Starting backup')); i++) await new Promise((r) => setTimeout(r, 50));
    expect(fs.existsSync(leaseFile)).toBe(true);
    const cancelledAt = performance.now();
    cli.kill('SIGINT');
    const code = await exited;

    expect(performance.now() - cancelledAt).toBeLessThan(7_500);
    expect(code).not.toBe(0);
    expect(output).toMatch(/SIGINT: cancelling/);
    expect(output).toMatch(/cancelled \(SIGINT\)/);
    const left = filesUnder(location);
    expect(left).not.toContain(LEASE_KEY);
    expect(left).not.toContain(backupKeys(name).metadata);
    expect(left.filter((f) => /\.tmp-|\.cas-lock/.test(f))).toEqual([]);
    // The next run finds the location free at once.
    expect(filesUnder(location).some((f) => f.startsWith('metadata/'))).toBe(false);
  }, 60_000);
});
