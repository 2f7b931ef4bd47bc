import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { runBackup } from '../../../src/backup/run.js';
import type { DriftResult } from '../../../src/diff/drift-result.js';
import { runDrift } from '../../../src/engine/drift.js';
import type { KubeCluster } from '../../../src/kube/kube-cluster.js';
import type { KubeObject } from '../../../src/model/kube-object.js';
import { driftSummary } from '../../../src/report/diff-report.js';
import { parseBackupSettings, parseLocationPolicy } from '../../../src/settings/backup-settings.js';
import { parseDiffSettings } from '../../../src/settings/diff-settings.js';
import { mapReader } from '../../../src/settings/input-reader.js';
import { LocalObjectStore } from '../../../src/storage/local-store.js';
import type { ObjectStore } from '../../../src/storage/object-store.js';
import { MemoryLogger } from '../../../src/util/logger.js';
import { runActionBundle } from '../../support/action.js';
import { clusterFor, createNamespace, deleteNamespace, refs, waitFor } from '../../support/cluster.js';
import { testEnvironment, uniqueName } from '../../support/environment.js';

const env = testEnvironment();
const ns = uniqueName('drift');
const backupName = `${ns}-backup`;
const work = fs.mkdtempSync(path.join(os.tmpdir(), 'kb-drift-'));
let cluster: KubeCluster;
let store: ObjectStore;

function deployment(name: string): KubeObject {
  const labels = { app: name };
  const container = { name: 'main', image: env.image, imagePullPolicy: 'Never', command: ['sh', '-c', 'trap "exit 0" TERM; sleep 3600 & wait'] };
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name, namespace: ns, labels },
    spec: { replicas: 1, selector: { matchLabels: labels }, template: { metadata: { labels }, spec: { terminationGracePeriodSeconds: 0, containers: [container] } } }
  };
}

/** Until the Deployment's controller has made its ReplicaSet and the Pod runs: the state a backup should see. */
async function waitForRunningPod(app: string): Promise<void> {
  await waitFor(async () => {
    for await (const pod of cluster.list(refs.pods, { namespace: ns, labelSelector: `app=${app}` })) if ((pod.status as { phase?: string } | undefined)?.phase === 'Running') return true;
    return false;
    // The node is shared with every other suite: a pod may wait its turn for a while.
  }, `a running pod of deployment ${app}`, 240_000);
}

function diff(inputs: Record<string, string> = {}): Promise<DriftResult> {
  const settings = parseDiffSettings(mapReader({ 'from-backup': backupName, 'include-namespaces': ns, ...inputs }));
  return runDrift({ cluster, store, logger: new MemoryLogger(), tempDirectory: work }, settings);
}

beforeAll(async () => {
  cluster = clusterFor(env.kubeconfig);
  // A file location under the bundle's working directory, so the bundled action reads the same backup.
  store = new LocalObjectStore(path.join(work, 'backups'), `file://${path.join(work, 'backups')}`);
  await createNamespace(cluster, ns);
  await cluster.create(refs.configmaps, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'settings', namespace: ns }, data: { mode: 'fast-and-secret', level: '1' } });
  await cluster.create(refs.deployments, deployment('web'));
  await waitForRunningPod('web');
  const reader = mapReader({ 'backup-name': backupName, 'include-namespaces': ns, 'exclude-resources': 'events' });
  const backup = await runBackup({ cluster, store, logger: new MemoryLogger(), holder: 'test' }, { settings: parseBackupSettings(reader), location: parseLocationPolicy(reader) });
  expect(backup.phase).toBe('Completed');
}, 360_000);

afterAll(async () => {
  await deleteNamespace(cluster, ns).catch(() => undefined);
  fs.rmSync(work, { recursive: true, force: true });
});

describe('drift between a backup and the live cluster', () => {
  it('reports no drift when nothing changed', async () => {
    const result = await diff();
    expect({ drifted: result.drifted, added: result.added, removed: result.removed, changed: result.changed, problems: result.problems }).toEqual({ drifted: false, added: [], removed: [], changed: [], problems: [] });
    // The namespace, the ConfigMap, the Deployment, its ReplicaSet and Pod, the default ServiceAccount at least.
    expect(result.counts.unchanged).toBeGreaterThanOrEqual(6);
    expect(driftSummary(result)).toContain('**No drift**');
  }, 120_000);

  it('reports the changed ConfigMap key, without its values, and the added Deployment with what its controller made', async () => {
    await cluster.patch(refs.configmaps, 'settings', { data: { mode: 'slow-and-secret' } }, 'merge', { namespace: ns });
    await cluster.create(refs.deployments, deployment('api'));
    await waitForRunningPod('api');

    const result = await diff();
    expect(result.drifted).toBe(true);
    expect(result.changed).toEqual([{ groupResource: 'configmaps', kind: 'ConfigMap', namespace: ns, name: 'settings', changes: [{ path: 'data.mode', op: 'replace', masked: true }] }]);
    expect(result.removed).toEqual([]);
    const added = result.added.map((a) => ({ kind: a.kind, cameWith: a.cameWith && `${a.cameWith.kind}/${a.cameWith.name}` }));
    expect(added).toEqual(
      expect.arrayContaining([
        { kind: 'Deployment', cameWith: undefined },
        { kind: 'ReplicaSet', cameWith: 'Deployment/api' },
        { kind: 'Pod', cameWith: 'Deployment/api' }
      ])
    );
    // Nothing of the unchanged Deployment web is reported.
    expect(result.added.filter((a) => a.name.startsWith('web'))).toEqual([]);
    expect(result.counts).toMatchObject({ changed: 1, removed: 0 });
    const summary = driftSummary(result);
    expect(summary).toContain('**Drifted**');
    expect(summary).toMatch(/- Deployment `[^`]+\/api`, with 1 Pod, 1 ReplicaSet/);
    expect(summary).toContain('`data.mode` changed (values not shown)');
    // A ConfigMap's values are never shown, old or new.
    expect(summary).not.toMatch(/and-secret/);
    expect(JSON.stringify(result)).not.toMatch(/and-secret/);
  }, 360_000);

  it('with namespace-mappings compares the backup with the mapped namespace, not the original one', async () => {
    const result = await diff({ 'namespace-mappings': `${ns}:${ns}-elsewhere` });
    // The mapped namespace does not exist: every object of the backup is missing there, nothing of ns is compared.
    expect(result.counts).toMatchObject({ added: 0, changed: 0, unchanged: 0 });
    expect(result.removed.map((r) => r.kind)).toEqual(expect.arrayContaining(['Namespace', 'ConfigMap', 'Deployment']));
  }, 120_000);

  it('as the bundled action, with fail-on-drift, fails the step and still sets the outputs and the summary', () => {
    const kubeconfig = fs.readFileSync(env.kubeconfig, 'utf8');
    const run = runActionBundle(work, { mode: 'diff', kubeconfig, location: 'backups', 'from-backup': backupName, 'include-namespaces': ns, 'fail-on-drift': 'true' });
    expect(run.status).toBe(1);
    expect(run.outputs).toMatchObject({ drifted: 'true', changed: '1', removed: '0' });
    expect(Number(run.outputs.added)).toBeGreaterThanOrEqual(3);
    expect(run.summary).toContain(`## Drift since backup \`${backupName}\``);
    expect(run.stdout).toContain(`::error::The cluster drifted from backup ${backupName}`);
    expect(run.stdout).not.toContain('and-secret');
  }, 120_000);
});
