import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { parseAllDocuments, stringify } from 'yaml';
import { runBackup } from '../../../src/backup/run.js';
import type { KubeCluster } from '../../../src/kube/kube-cluster.js';
import { runRestore } from '../../../src/restore/run.js';
import { parseBackupSettings, parseLocationPolicy } from '../../../src/settings/backup-settings.js';
import { mapReader } from '../../../src/settings/input-reader.js';
import { parseRestoreSettings } from '../../../src/settings/restore-settings.js';
import { MemoryLogger } from '../../../src/util/logger.js';
import type { KubeObject } from '../../../src/model/kube-object.js';
import { runCliInProcess } from '../../support/cli.js';
import { clusterFor, createNamespace, deleteNamespace, kubectl, refs, sleeperPod, testClaim, waitFor, waitForPodRunning } from '../../support/cluster.js';
import { repoRoot, testEnvironment, uniqueName } from '../../support/environment.js';
import { localTestStore } from '../../support/stores.js';

// The roles in rbac/ are what the README tells users to bind, so they are tested as a user would hold them: each
// bound to a ServiceAccount of its own, whose token (TokenRequest API) is the only credential of a real backup and
// restore, and of `check` for the mode it was not made for, which must name what is missing.
const env = testEnvironment();
const base = uniqueName('rbac');
const saNamespace = `${base}-sa`;
const appNamespace = `${base}-app`;
const cloneNamespace = `${base}-clone`;
const work = fs.mkdtempSync(path.join(os.tmpdir(), 'rbac-roles-'));
const store = localTestStore();
let admin: KubeCluster;
const applied: string[] = [];

/** The role file as the repo ships it, its names made unique to this run; the rules are left exactly as written. */
function roleDocuments(file: string, suffix: string): KubeObject[] {
  const docs = parseAllDocuments(fs.readFileSync(path.join(repoRoot, 'rbac', file), 'utf8')).map((d) => d.toJSON() as KubeObject);
  for (const doc of docs) {
    if (doc.kind === 'ServiceAccount') doc.metadata = { ...doc.metadata, name: `${doc.metadata.name}-${suffix}`, namespace: saNamespace };
    else doc.metadata.name = `${doc.metadata.name}-${base}`;
    if (doc.kind === 'ClusterRoleBinding') {
      doc.roleRef = { ...(doc.roleRef as object), name: `${(doc.roleRef as { name: string }).name}-${base}` };
      doc.subjects = (doc.subjects as { name: string }[]).map((s) => ({ ...s, name: `${s.name}-${suffix}`, namespace: saNamespace }));
    }
  }
  return docs;
}

/** Applies a role file, then returns a kubeconfig file whose only credential is a token of its ServiceAccount. */
function credentialFor(file: string, suffix: string): string {
  const docs = roleDocuments(file, suffix);
  kubectl(env.kubeconfig, ['apply', '-f', '-'], docs.map((d) => stringify(d)).join('---\n'));
  for (const doc of docs) if (doc.kind !== 'ServiceAccount') applied.push(`${doc.kind!.toLowerCase()}/${doc.metadata.name}`);
  const account = docs.find((d) => d.kind === 'ServiceAccount')!.metadata.name!;
  // The TokenRequest API (what `kubectl create token` calls, which this cluster's kubectl 1.20 lacks).
  const request = JSON.stringify({ apiVersion: 'authentication.k8s.io/v1', kind: 'TokenRequest', spec: { expirationSeconds: 3600 } });
  const token = (JSON.parse(kubectl(env.kubeconfig, ['create', '--raw', `/api/v1/namespaces/${saNamespace}/serviceaccounts/${account}/token`, '-f', '-'], request)) as { status: { token: string } }).status.token;
  const server = JSON.parse(kubectl(env.kubeconfig, ['config', 'view', '--minify', '--raw', '-o', 'json'])) as { clusters: { cluster: Record<string, string> }[] };
  const { server: url, 'certificate-authority-data': ca } = server.clusters[0]!.cluster;
  const kubeconfig = {
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [{ name: 'c', cluster: { server: url, 'certificate-authority-data': ca } }],
    users: [{ name: account, user: { token } }],
    contexts: [{ name: 'c', context: { cluster: 'c', user: account } }],
    'current-context': 'c'
  };
  const target = path.join(work, `${suffix}.kubeconfig`);
  fs.writeFileSync(target, stringify(kubeconfig), { mode: 0o600 });
  return target;
}

/** RBAC is enforced by an authorizer cache that catches up with new bindings within a moment. */
async function untilAllowed(kubeconfig: string, verb: string, resource: string): Promise<void> {
  await waitFor(async () => {
    try {
      return kubectl(kubeconfig, ['auth', 'can-i', verb, resource, '-A']).trim() === 'yes';
    } catch {
      return false;
    }
  }, `${verb} ${resource} granted`);
}

beforeAll(async () => {
  admin = clusterFor(env.kubeconfig);
  await createNamespace(admin, saNamespace);
  await createNamespace(admin, appNamespace);
  await admin.create(refs.configmaps, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'settings', namespace: appNamespace }, data: { mode: 'fast' } });
  await admin.create(refs.serviceaccounts, { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'app', namespace: appNamespace } });
  // A claim a running pod mounts (copied by exec into the pod, between its hooks) and one nobody mounts (copied by a
  // data-mover pod the backup creates and deletes): every kind of write the backup role allows is exercised.
  await admin.create(refs.pvcs, testClaim(appNamespace, 'data', { size: '10Mi' }));
  await admin.create(refs.pvcs, testClaim(appNamespace, 'spare', { size: '10Mi' }));
  await admin.create(
    refs.pods,
    sleeperPod(appNamespace, 'app', env.image, { annotations: { 'pre.hook.backup.velero.io/command': '["sh", "-c", "echo hooked > /data/hook"]' } }, 'data')
  );
  await waitFor(async () => ((await admin.get(refs.pvcs, 'spare', appNamespace))?.status as { phase?: string } | undefined)?.phase === 'Bound', 'claim spare bound');
  await waitForPodRunning(admin, appNamespace, 'app');
}, 180_000);

afterAll(async () => {
  for (const object of applied) kubectl(env.kubeconfig, ['delete', object, '--ignore-not-found']);
  await Promise.all([saNamespace, appNamespace, cloneNamespace].map((ns) => deleteNamespace(admin, ns).catch(() => undefined)));
  await store.cleanup();
  fs.rmSync(work, { recursive: true, force: true });
  admin.close();
});

describe('rbac/backup-role.yaml and rbac/restore-role.yaml, each held alone by a ServiceAccount', () => {
  let backupCredential: string;
  let restoreCredential: string;
  const backupName = `${base}-b`;

  beforeAll(async () => {
    backupCredential = credentialFor('backup-role.yaml', 'backup');
    restoreCredential = credentialFor('restore-role.yaml', 'restore');
    await untilAllowed(backupCredential, 'create', 'pods/exec');
    await untilAllowed(restoreCredential, 'escalate', 'clusterroles');
  }, 60_000);

  it('backs up a namespace with hooks, a volume copied in its pod and one copied by a data-mover pod: Completed, no errors', async () => {
    const cluster = clusterFor(backupCredential);
    try {
      const reader = mapReader({ 'backup-name': backupName, 'include-namespaces': appNamespace, 'default-volumes-to-fs-backup': 'true', 'data-mover-image': env.image });
      const result = await runBackup({ cluster, store: store.store, logger: new MemoryLogger(), holder: 'test' }, { settings: parseBackupSettings(reader), location: parseLocationPolicy(reader) });
      expect(result.results.toJSON().errors).toEqual({});
      expect(result.phase).toBe('Completed');
      expect(result.volumeCopies.map((c) => `${c.claim ?? c.volume}:${c.method}:${c.result}`).sort()).toEqual(['data:pod-exec:succeeded', 'spare:data-mover-pod:succeeded']);
      expect(result.itemsByResource.get('configmaps')).toBeGreaterThan(0);
    } finally {
      cluster.close();
    }
  }, 240_000);

  it('restores that backup into another namespace, volumes filled: Completed, no errors', async () => {
    const cluster = clusterFor(restoreCredential);
    try {
      const reader = mapReader({ 'from-backup': backupName, 'namespace-mappings': `${appNamespace}:${cloneNamespace}`, 'data-mover-image': env.image });
      const result = await runRestore({ cluster, store: store.store, logger: new MemoryLogger(), tempDirectory: work }, { settings: parseRestoreSettings(reader), location: parseLocationPolicy(reader) });
      expect(result.results.toJSON().errors).toEqual({});
      expect(result.phase).toBe('Completed');
      expect(await admin.get(refs.configmaps, 'settings', cloneNamespace)).toMatchObject({ data: { mode: 'fast' } });
    } finally {
      cluster.close();
    }
  }, 240_000);

  it('check passes each credential for its own mode', async () => {
    for (const [credential, mode] of [[backupCredential, 'backup'], [restoreCredential, 'restore']] as const) {
      const run = await runCliInProcess(['check', '--kubeconfig', credential, '--location', store.directory, '--mode', mode], work);
      expect(run).toMatchObject({ code: 0, out: expect.stringMatching(new RegExp(`access: +${mode}: all \\d+ permissions it needs are granted`)) });
    }
  }, 60_000);

  it('check --mode restore with the backup credential exits 1 and lists the writes it lacks', async () => {
    const run = await runCliInProcess(['check', '--kubeconfig', backupCredential, '--location', store.directory, '--mode', 'restore'], work);
    expect(run.code).toBe(1);
    expect(run.out).toMatch(/access: +restore: \d+ of \d+ permissions it needs are missing:/);
    expect(run.out).toContain('  create configmaps cluster-wide: restore creates configmaps');
    expect(run.out).toContain('  patch deployments.apps cluster-wide: restore updates deployments.apps');
    expect(run.out).toContain('  escalate clusterroles.rbac.authorization.k8s.io cluster-wide:');
    // What the backup role does grant is not listed.
    expect(run.out).not.toContain('create pods/exec');
    expect(run.out).not.toMatch(/^ {2}get /m);
  }, 60_000);
});

describe('a credential limited to one namespace (testEnvironment().kubeconfigLimited)', () => {
  const limitedConfig = env.kubeconfigLimited;
  const maybe = limitedConfig ? it : it.skip;

  maybe('backs up its namespace Completed: the cluster-scoped lookups it may not make are warnings naming what was skipped', async () => {
    const cluster = clusterFor(limitedConfig!);
    const name = `${base}-limited`;
    await admin.create(refs.configmaps, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, namespace: 'team-a' }, data: {} });
    try {
      const reader = mapReader({ 'backup-name': name, 'include-namespaces': 'team-a' });
      const result = await runBackup({ cluster, store: store.store, logger: new MemoryLogger(), holder: 'test' }, { settings: parseBackupSettings(reader), location: parseLocationPolicy(reader) });
      expect(result.results.toJSON().errors).toEqual({});
      expect(result.phase).toBe('Completed');
      // Roles and bindings are built-in kinds: no CRD is looked up for them at all.
      expect(JSON.stringify(result.results.toJSON().warnings)).not.toMatch(/CRD/);
      expect(result.results.toJSON().warnings.cluster).toContainEqual(expect.stringMatching(/^skipped ClusterRoleBindings \(and their ClusterRoles\) of backed-up service accounts: the credentials may not read it \(forbidden\)/));
    } finally {
      await admin.delete(refs.configmaps, name, { namespace: 'team-a' });
      cluster.close();
    }
  }, 120_000);

  maybe('check --mode backup --include-namespaces team-a passes, with the cluster-wide extras it lacks as a warning', async () => {
    const run = await runCliInProcess(['check', '--kubeconfig', limitedConfig!, '--location', store.directory, '--mode', 'backup', '--include-namespaces', 'team-a'], work);
    expect(run).toMatchObject({ code: 0, out: expect.stringMatching(/access: +backup: all \d+ permissions it needs are granted/) });
    expect(run.err).toContain("  list clusterrolebindings.rbac.authorization.k8s.io cluster-wide: backup lists clusterrolebindings.rbac.authorization.k8s.io related to the namespaces' items (skipped with a warning when refused)");
    expect(run.err).toContain('  get persistentvolumes cluster-wide:');
    expect(run.err).not.toContain('list nodes');
  }, 60_000);
});
