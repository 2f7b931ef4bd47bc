import os from 'node:os';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { runBackup } from '../../../src/backup/run.js';
import type { KubeCluster } from '../../../src/kube/kube-cluster.js';
import type { ResourceRef } from '../../../src/model/resource-ref.js';
import { restoreSummary } from '../../../src/report/restore-report.js';
import { runRestore, type RestoreResult } from '../../../src/restore/run.js';
import { parseBackupSettings, parseLocationPolicy } from '../../../src/settings/backup-settings.js';
import { mapReader } from '../../../src/settings/input-reader.js';
import { parseRestoreSettings } from '../../../src/settings/restore-settings.js';
import { MemoryLogger } from '../../../src/util/logger.js';
import { clusterFor, createNamespace, createServedCrd, deleteNamespace, freeFormCrd, refs } from '../../support/cluster.js';
import { testEnvironment, uniqueName } from '../../support/environment.js';
import { localTestStore } from '../../support/stores.js';

// A dry run with `existing-resource-policy: update` prints what an update would change. Values of ConfigMaps,
// custom resources, Secrets, and credential-looking fields of other kinds must appear nowhere a reader of the run
// can see them: not in the log, not in outcomes.json (result.outcomes), not in the job summary. The field paths
// must, or the plan says nothing.
const env = testEnvironment();
const ns = uniqueName('masking');
const group = `${ns}.example.com`;
const widgets: ResourceRef = { group, version: 'v1', resource: 'widgets', namespaced: true };
const canary = `canary-${Math.random().toString(36).slice(2, 10)}`;
const drifted = `${canary}-drifted`;
const store = localTestStore();
let cluster: KubeCluster;
let logger: MemoryLogger;
let result: RestoreResult;

const configMap = (value: string) => ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'app-config', namespace: ns }, data: { 'db.url': `postgres://app@db/${value}`, settings: value } });
const widget = (value: string) => ({ apiVersion: `${group}/v1`, kind: 'Widget', metadata: { name: 'w1', namespace: ns }, spec: { size: value, nested: { apiKey: value } } });
const deployment = (value: string, note: string) => ({
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: { name: 'web', namespace: ns, annotations: { note } },
  spec: {
    replicas: 0,
    selector: { matchLabels: { app: 'web' } },
    template: { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'main', image: env.image, env: [{ name: 'DB_PASSWORD', value }], args: [`--api-token=${value}`] }] } }
  }
});

beforeAll(async () => {
  cluster = clusterFor(env.kubeconfig);
  await createNamespace(cluster, ns);
  await createServedCrd(cluster, freeFormCrd(group, 'Widget', ['v1']));
  await cluster.create(refs.configmaps, configMap(canary));
  await cluster.create(widgets, widget(canary));
  await cluster.create(refs.secrets, { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'db', namespace: ns }, type: 'Opaque', stringData: { password: canary } });
  await cluster.create(refs.deployments, deployment(canary, 'backed-up-note'));
  const reader = mapReader({ 'backup-name': 'masked', 'include-namespaces': ns });
  const backup = await runBackup({ cluster, store: store.store, logger: new MemoryLogger(), holder: 'test' }, { settings: parseBackupSettings(reader), location: parseLocationPolicy(reader) });
  expect(backup.phase).toBe('Completed');

  // Every canary changes in the cluster, so an update would change each of them.
  await cluster.patch(refs.configmaps, 'app-config', { data: configMap(drifted).data }, 'merge', { namespace: ns });
  await cluster.patch(widgets, 'w1', { spec: widget(drifted).spec }, 'merge', { namespace: ns });
  await cluster.patch(refs.secrets, 'db', { stringData: { password: drifted } }, 'merge', { namespace: ns });
  await cluster.patch(refs.deployments, 'web', { metadata: { annotations: { note: 'drifted-note' } }, spec: deployment(drifted, 'drifted-note').spec }, 'merge', { namespace: ns });

  logger = new MemoryLogger();
  const restoreReader = mapReader({ 'from-backup': 'masked', 'include-namespaces': ns, 'existing-resource-policy': 'update', 'dry-run': 'true' });
  result = await runRestore({ cluster, store: store.store, logger, tempDirectory: os.tmpdir() }, { settings: parseRestoreSettings(restoreReader), location: parseLocationPolicy(restoreReader) });
}, 180_000);

afterAll(async () => {
  await deleteNamespace(cluster, ns);
  await cluster.delete(refs.crds, `widgets.${group}`);
  await store.cleanup();
  cluster.close();
});

describe('a dry run never shows secret values', () => {
  const base64 = (text: string) => Buffer.from(text).toString('base64');
  const leaks = (text: string) => [canary, base64(canary), base64(drifted), base64(`postgres://app@db/${canary}`)].filter((value) => text.includes(value));
  const changedPaths = (name: string) => result.outcomes.find((o) => o.name === name)?.changes?.map((c) => c.path);

  it('plans an update of each changed object', () => {
    expect(result.failure).toBeUndefined();
    for (const name of ['app-config', 'w1', 'db', 'web']) expect(result.outcomes.find((o) => o.name === name)?.action).toBe('updated');
  });

  it('names the changed fields', () => {
    expect(changedPaths('app-config')).toEqual(expect.arrayContaining(['data["db.url"]', 'data.settings']));
    expect(changedPaths('w1')).toEqual(expect.arrayContaining(['spec.size', 'spec.nested.apiKey']));
    expect(changedPaths('db')).toEqual(['data.password']);
    expect(changedPaths('web')).toEqual(
      expect.arrayContaining(['metadata.annotations.note', 'spec.template.spec.containers[0].env[0].value', 'spec.template.spec.containers[0].args[0]'])
    );
  });

  it('keeps every canary out of the log lines', () => {
    const log = logger.lines.map((l) => l.message).join('\n');
    expect(leaks(log)).toEqual([]);
    expect(log).toContain('data.settings changed');
    expect(log).toContain('spec.size changed');
    expect(log).toContain('data.password changed');
    expect(log).toContain('spec.template.spec.containers[0].env[0].value changed');
    // Values of allow-listed kinds' ordinary fields are still shown.
    expect(log).toContain('metadata.annotations.note: "drifted-note" → "backed-up-note"');
  });

  it('keeps every canary out of outcomes.json', () => {
    const outcomes = JSON.stringify(result.outcomes, null, 2);
    expect(leaks(outcomes)).toEqual([]);
    expect(outcomes).toContain('spec.nested.apiKey');
  });

  it('keeps every canary out of the job summary and the results', () => {
    const summary = restoreSummary(result);
    expect(leaks(summary)).toEqual([]);
    expect(summary).toContain('data.settings changed');
    expect(summary).toContain('spec.size changed');
    expect(leaks(JSON.stringify(result.results.toJSON()))).toEqual([]);
  });
});
