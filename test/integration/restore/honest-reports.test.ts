import os from 'node:os';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { runBackup } from '../../../src/backup/run.js';
import type { KubeCluster } from '../../../src/kube/kube-cluster.js';
import { restoreOutputs, restoreSummary } from '../../../src/report/restore-report.js';
import { runRestore, type RestoreResult } from '../../../src/restore/run.js';
import type { ItemOutcome } from '../../../src/restore/tally.js';
import { parseBackupSettings, parseLocationPolicy } from '../../../src/settings/backup-settings.js';
import { mapReader } from '../../../src/settings/input-reader.js';
import { parseRestoreSettings } from '../../../src/settings/restore-settings.js';
import { MemoryLogger } from '../../../src/util/logger.js';
import { clusterFor, createNamespace, deleteNamespace, refs, testClaim } from '../../support/cluster.js';
import { testEnvironment, uniqueName } from '../../support/environment.js';
import { s3TestStore, type TestStore } from '../../support/stores.js';

const env = testEnvironment();
const source = uniqueName('hr-src');
const target = `${source}-dev`;
const endpointsRef = { group: '', version: 'v1', resource: 'endpoints', namespaced: true };
let a: KubeCluster;
let b: KubeCluster;
let testStore: TestStore;
let backupName: string;

async function restore(dryRun: boolean): Promise<RestoreResult> {
  const reader = mapReader({ 'from-backup': backupName, 'restore-name': uniqueName('hrr'), 'namespace-mappings': `${source}:${target}`, 'dry-run': String(dryRun) });
  return runRestore({ cluster: b, store: testStore.store, logger: new MemoryLogger(), tempDirectory: os.tmpdir() }, { settings: parseRestoreSettings(reader), location: parseLocationPolicy(reader) });
}

/** Each object's classification, keyed by where it goes. */
const classified = (outcomes: readonly ItemOutcome[]) => Object.fromEntries(outcomes.map((o) => [`${o.groupResource} ${o.namespace ?? ''}/${o.name}`, o.action]));

beforeAll(async () => {
  a = clusterFor(env.kubeconfig);
  b = clusterFor(env.kubeconfigB);
  testStore = await s3TestStore();
  await createNamespace(a, source, { team: 'shop' });
  await a.create(refs.configmaps, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'settings', namespace: source }, data: { mode: 'fast' } });
  await a.create(refs.services, { apiVersion: 'v1', kind: 'Service', metadata: { name: 'web', namespace: source }, spec: { selector: { app: 'web' }, ports: [{ port: 80 }] } });
  await a.create(refs.pvcs, testClaim(source, 'data', { storageClass: env.storageClass }));
  // The Endpoints the Service's controller keeps, written here so the test need not wait for that controller (on a
  // busy cluster it lags by minutes); it takes them over, as it takes over the restored ones.
  const endpoints = { apiVersion: 'v1', kind: 'Endpoints', metadata: { name: 'web', namespace: source }, subsets: [{ addresses: [{ ip: '10.1.2.3' }], ports: [{ port: 80 }] }] };
  await a.create(endpointsRef, endpoints).catch(async () => a.get(endpointsRef, 'web', source));
  const reader = mapReader({ 'backup-name': uniqueName('hrb'), 'include-namespaces': source });
  const backup = await runBackup({ cluster: a, store: testStore.store, logger: new MemoryLogger(), holder: 'test' }, { settings: parseBackupSettings(reader), location: parseLocationPolicy(reader) });
  expect(backup.phase).toBe('Completed');
  backupName = backup.name;
}, 120_000);

afterAll(async () => {
  await deleteNamespace(a, source);
  await deleteNamespace(b, target);
  await testStore.cleanup();
  a.close();
  b.close();
});

describe('a dry run and the restore that follows it agree', () => {
  let firstPlan: RestoreResult;
  let first: RestoreResult;
  let secondPlan: RestoreResult;
  let second: RestoreResult;
  beforeAll(async () => {
    firstPlan = await restore(true);
    first = await restore(false);
    secondPlan = await restore(true);
    second = await restore(false);
  }, 240_000);

  it('plans in the target namespace, and says the namespace is created in the plan and in the restore alike', () => {
    expect(firstPlan.outcomes.filter((o) => o.namespace === source)).toEqual([]);
    expect(classified(firstPlan.outcomes)).toMatchObject({ [`namespaces /${target}`]: 'created', [`configmaps ${target}/settings`]: 'created' });
    expect(classified(first.outcomes)).toMatchObject({ [`namespaces /${target}`]: 'created', [`configmaps ${target}/settings`]: 'created' });
  });

  it('restoring again: the dry run classifies every object as the restore then does, and the Endpoints are skipped, not a conflict', () => {
    expect(classified(secondPlan.outcomes)).toEqual(classified(second.outcomes));
    for (const result of [firstPlan, first, secondPlan, second]) {
      const endpoints = result.outcomes.find((o) => o.groupResource === 'endpoints' && o.name === 'web')!;
      expect(endpoints).toMatchObject({ action: 'skipped', namespace: target, reason: expect.stringContaining('endpoints controller') });
    }
    expect(second.outcomes.filter((o) => o.action === 'conflict')).toEqual([]);
  });

  it('a dry run says it wrote nothing; its outputs keep their names and hold what it would do', () => {
    const summary = restoreSummary(firstPlan);
    expect(summary).toMatch(/\*\*Dry run, nothing was written\*\*: would create \d+/);
    expect(restoreOutputs(firstPlan).created).toBe(String(firstPlan.counts.created));
  });

  it('the summary names the target cluster, the mapping, the skipped items and each claim’s volume data', () => {
    const summary = restoreSummary(first);
    expect(summary).toContain(`into \`${b.server}\``);
    expect(summary).toContain(`(backed up from \`${a.server}\`)`);
    expect(summary).toContain(`| ${source} | ${target} |`);
    expect(summary).toMatch(new RegExp(`### Skipped[\\s\\S]*\\| endpoints \\| ${target} \\| web \\|`));
    expect(summary).toContain(`| ${target}/data | none in the backup (neither copied nor snapshotted): a new, empty volume is provisioned |`);
  });
});
