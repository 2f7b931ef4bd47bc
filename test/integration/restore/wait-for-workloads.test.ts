import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { runBackup } from '../../../src/backup/run.js';
import type { KubeCluster } from '../../../src/kube/kube-cluster.js';
import type { KubeObject } from '../../../src/model/kube-object.js';
import { runRestore, type RestoreResult } from '../../../src/restore/run.js';
import { parseBackupSettings, parseLocationPolicy } from '../../../src/settings/backup-settings.js';
import { mapReader } from '../../../src/settings/input-reader.js';
import { parseRestoreSettings } from '../../../src/settings/restore-settings.js';
import { MemoryLogger } from '../../../src/util/logger.js';
import { flattenResults } from '../../../src/report/results.js';
import { runActionBundle } from '../../support/action.js';
import { runCliInProcess } from '../../support/cli.js';
import { clusterFor, createNamespace, deleteNamespace, refs, testClaim } from '../../support/cluster.js';
import { testEnvironment, uniqueName } from '../../support/environment.js';
import { localTestStore } from '../../support/stores.js';

const env = testEnvironment();
const source = uniqueName('wfw');
const store = localTestStore();
const work = fs.mkdtempSync(path.join(os.tmpdir(), 'kb-wfw-'));
let cluster: KubeCluster;
const targets: string[] = [];

/** A Deployment of one pod sleeping in `image`; with the image absent and pull policy Never, the kubelet says ErrImageNeverPull. */
function deployment(name: string, image: string, claim?: string): KubeObject {
  const container: Record<string, unknown> = { name: 'main', image, imagePullPolicy: 'Never', command: ['sh', '-c', 'trap "exit 0" TERM; sleep 3600 & wait'] };
  const podSpec: Record<string, unknown> = { terminationGracePeriodSeconds: 0, containers: [container] };
  if (claim) {
    container.volumeMounts = [{ name: 'data', mountPath: '/data' }];
    podSpec.volumes = [{ name: 'data', persistentVolumeClaim: { claimName: claim } }];
  }
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name, namespace: source },
    spec: { replicas: 1, selector: { matchLabels: { app: name } }, template: { metadata: { labels: { app: name } }, spec: podSpec } }
  };
}

function restoreInputs(inputs: Record<string, string>): { target: string; inputs: Record<string, string> } {
  const target = `${source}-${targets.length}`;
  targets.push(target);
  return { target, inputs: { 'from-backup': source, 'namespace-mappings': `${source}:${target}`, ...inputs } };
}

async function restore(inputs: Record<string, string>, logger = new MemoryLogger(), signal?: AbortSignal): Promise<RestoreResult & { target: string }> {
  const { target, inputs: all } = restoreInputs(inputs);
  const reader = mapReader(all);
  const result = await runRestore({ cluster, store: store.store, logger, tempDirectory: os.tmpdir(), signal }, { settings: parseRestoreSettings(reader), location: parseLocationPolicy(reader) });
  return { ...result, target };
}

beforeAll(async () => {
  cluster = clusterFor(env.kubeconfig);
  await createNamespace(cluster, source);
  await cluster.create(refs.pvcs, testClaim(source, 'data'));
  await cluster.create(refs.deployments, deployment('healthy', env.image, 'data'));
  await cluster.create(refs.deployments, deployment('broken', 'kube-backup-no-such-image:never'));
  await cluster.create(refs.configmaps, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'settings', namespace: source }, data: { mode: 'drill' } });
  // Deployments, their claim and a ConfigMap: not the ReplicaSets and pods, which the Deployments make again.
  const reader = mapReader({ 'backup-name': source, 'include-namespaces': source, 'include-resources': 'deployments,persistentvolumeclaims,configmaps' });
  const backup = await runBackup({ cluster, store: store.store, logger: new MemoryLogger(), holder: 'test' }, { settings: parseBackupSettings(reader), location: parseLocationPolicy(reader) });
  expect(backup.phase).toBe('Completed');
}, 120_000);

afterAll(async () => {
  for (const ns of [source, ...targets]) await deleteNamespace(cluster, ns).catch(() => undefined);
  await store.cleanup();
  fs.rmSync(work, { recursive: true, force: true });
  cluster.close();
});

describe('wait-for-workloads on a real cluster', () => {
  it('reports the Deployment whose image cannot start as not ready within the timeout, the healthy one and its claim as ready', async () => {
    const logger = new MemoryLogger();
    const result = await restore({ 'wait-for-workloads': 'true', 'workloads-timeout': '60s' }, logger);
    const { target } = result;
    expect(result.counts).toMatchObject({ created: 4, failed: 0 });
    expect(result.phase).toBe('PartiallyFailed');
    const byName = Object.fromEntries(result.workloads!.workloads.map((w) => [`${w.kind}/${w.name}`, w]));
    expect(Object.keys(byName).sort()).toEqual(['Deployment/broken', 'Deployment/healthy', 'PersistentVolumeClaim/data']);
    expect(byName['Deployment/healthy']).toEqual({ kind: 'Deployment', namespace: target, name: 'healthy', condition: 'ready', detail: '1/1 available' });
    expect(byName['PersistentVolumeClaim/data']).toEqual({ kind: 'PersistentVolumeClaim', namespace: target, name: 'data', condition: 'ready', detail: 'Bound' });
    expect(byName['Deployment/broken']).toMatchObject({ namespace: target, condition: 'waiting', detail: expect.stringMatching(/^0 of 1 updated replicas available; pod broken-[a-z0-9]+-[a-z0-9]+: container main waiting \(ErrImageNeverPull\)$/) });
    expect(result.workloads!.ready).toBe(2);
    // The wait ended at the timeout, not before: the broken one was given its 60 s.
    expect(result.workloads!.seconds).toBeGreaterThanOrEqual(60);
    expect(flattenResults(result.results.errors)).toEqual([expect.stringMatching(new RegExp(`^${target}: Deployment ${target}/broken not ready within workloads-timeout \\(1m0s\\): 0 of 1 updated replicas available; pod broken-.*ErrImageNeverPull`))]);
    // What the cluster says agrees: the healthy one's pod runs, the broken one has none available.
    const live = await cluster.get(refs.deployments, 'healthy', target);
    expect((live!.status as { availableReplicas?: number }).availableReplicas).toBe(1);
    expect(logger.lines).toContainEqual({ level: 'info', message: `Deployment ${target}/healthy ready: 1/1 available` });
    expect(logger.lines.some((l) => l.level === 'info' && /^Waiting for 1 of 3 workloads: Deployment .*\/broken \(/.test(l.message))).toBe(true);
  }, 420_000);

  it('is Completed when every restored workload becomes ready, and counts only what this restore wrote', async () => {
    const result = await restore({ 'wait-for-workloads': 'true', 'workloads-timeout': '5m', 'include-names': `${source}/deployments/healthy,${source}/persistentvolumeclaims/data,${source}/configmaps/settings` });
    expect(result.phase).toBe('Completed');
    expect(result.workloads!.workloads.map((w) => `${w.kind}/${w.name} ${w.condition}`)).toEqual(['Deployment/healthy ready', 'PersistentVolumeClaim/data ready']);
    expect(result.results.errorTotal).toBe(0);

    // The same restore again finds everything unchanged: nothing it wrote, so nothing to wait for.
    const again = await runRestore(
      { cluster, store: store.store, logger: new MemoryLogger(), tempDirectory: os.tmpdir() },
      { settings: parseRestoreSettings(mapReader({ 'from-backup': source, 'namespace-mappings': `${source}:${result.target}`, 'wait-for-workloads': 'true', 'include-names': `${source}/deployments/healthy` })), location: parseLocationPolicy(mapReader({})) }
    );
    expect(again.counts.unchanged + again.counts.skipped).toBe(1);
    expect(again.workloads).toEqual({ timeoutMs: 600_000, seconds: expect.any(Number), ready: 0, workloads: [] });
  }, 420_000);

  it('does not wait in a dry run', async () => {
    const result = await restore({ 'wait-for-workloads': 'true', 'dry-run': 'true' });
    expect(result.phase).toBe('Completed');
    expect(result.workloads).toBeUndefined();
  });

  it('stops waiting at once when the run is cancelled', async () => {
    const controller = new AbortController();
    // Cancelled the moment the wait begins, as a SIGINT then would.
    const logger = new (class extends MemoryLogger {
      override info(message: string): void {
        super.info(message);
        if (message.startsWith('Waiting up to')) controller.abort(new Error('cancelled (SIGINT)'));
      }
    })();
    const result = await restore({ 'wait-for-workloads': 'true', 'workloads-timeout': '10m', 'include-names': `${source}/deployments/broken` }, logger, controller.signal);
    expect(result.phase).toBe('Failed');
    expect(result.failure).toBe('cancelled (SIGINT)');
    expect(result.workloads).toBeUndefined();
  }, 60_000);

  it("shows the workloads' states in the CLI's restore output", async () => {
    const { target, inputs } = restoreInputs({ 'wait-for-workloads': 'true', 'workloads-timeout': '5m', 'include-names': `${source}/deployments/healthy,${source}/persistentvolumeclaims/data` });
    const flags = Object.entries(inputs).flatMap(([name, value]) => (value === 'true' ? [`--${name}`] : [`--${name}`, value]));
    const run = await runCliInProcess(['restore', 'create', ...flags, '--kubeconfig', env.kubeconfig, '--location', store.directory], work);
    expect({ code: run.code, err: run.code === 0 ? '' : run.err }).toEqual({ code: 0, err: '' });
    expect(run.out).toContain('Workloads: 2 of 2 ready');
    expect(run.out).toMatch(new RegExp(`ready\\s*\\|?\\s*Deployment\\s*\\|?\\s*${target}\\s*\\|?\\s*healthy\\s*\\|?\\s*1/1 available`));
  }, 420_000);

  it('sets the workload outputs and summary through the action bundle', () => {
    const { target, inputs } = restoreInputs({ 'wait-for-workloads': 'true', 'workloads-timeout': '60s' });
    const run = runActionBundle(work, { mode: 'restore', kubeconfig: fs.readFileSync(env.kubeconfig, 'utf8'), location: `file://${store.directory}`, ...inputs });
    // PartiallyFailed passes with a warning unless fail-on-partial.
    expect({ status: run.status, log: run.status === 0 ? '' : run.stdout }).toEqual({ status: 0, log: '' });
    expect(run.outputs).toMatchObject({ phase: 'PartiallyFailed', 'workloads-ready': '2', 'workloads-not-ready': `Deployment/${target}/broken` });
    expect(run.summary).toMatch(/### Workloads: 2 of 3 ready/);
    expect(run.summary).toContain(`| ready | Deployment | ${target} | healthy | 1/1 available |`);
    expect(run.stdout).toMatch(/::warning::Restore \S+ is PartiallyFailed: 0 items failed, 1 workloads not ready/);
  }, 420_000);
});
