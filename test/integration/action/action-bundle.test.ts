import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from '@jest/globals';
import { generateX25519Identity, identityToRecipient } from 'age-encryption';
import { runActionBundle } from '../../support/action.js';
import { clusterFor, deleteNamespace } from '../../support/cluster.js';
import { testEnvironment, uniqueName } from '../../support/environment.js';

/**
 * The committed bundle, run the way the runner runs it: inputs as INPUT_* variables, outputs and the summary
 * through the files GitHub names. This is what users execute, so it is tested as built (CI checks it matches src/).
 */
const env = testEnvironment();
const work = fs.mkdtempSync(path.join(os.tmpdir(), 'kb-action-'));
afterAll(() => fs.rmSync(work, { recursive: true, force: true }));

const VELERO_BACKUPS = { group: 'velero.io', version: 'v1', resource: 'backups', namespaced: true };

const runAction = (inputs: Record<string, string>, extraEnv: Record<string, string> = {}) => runActionBundle(work, inputs, extraEnv);

describe('the action bundle (dist/index.js)', () => {
  const kubeconfig = fs.readFileSync(env.kubeconfig, 'utf8');
  const token = /token: (\S+)/.exec(kubeconfig)?.[1] ?? /client-key-data: (\S+)/.exec(kubeconfig)![1]!;
  const name = uniqueName('action');

  it('backs up with inputs from the runner, sets outputs and the summary, and masks the kubeconfig', () => {
    const run = runAction({ mode: 'backup', kubeconfig, location: 'backups', 'backup-name': name, 'include-namespaces': 'kube-system', 'include-resources': 'configmaps,serviceaccounts' });
    expect({ status: run.status, log: run.status === 0 ? '' : run.stdout }).toEqual({ status: 0, log: '' });
    expect(run.outputs).toMatchObject({ 'backup-name': name, phase: 'Completed', errors: '0', location: `file://${work}/backups` });
    expect(Number(run.outputs.items)).toBeGreaterThan(0);
    expect(run.summary).toContain(`## Backup \`${name}\`: Completed`);
    expect(fs.existsSync(path.join(work, 'backups', 'backups', name, 'velero-backup.json'))).toBe(true);
    // The runner masks what ::add-mask:: names; the value must appear nowhere else.
    expect(run.stdout).toContain(`::add-mask::${token}`);
    expect(run.stdout.split('\n').filter((line) => line.includes(token) && !line.startsWith('::add-mask::'))).toEqual([]);
  });

  it('plans a restore of it as a dry run', () => {
    const run = runAction({ mode: 'restore', kubeconfig, location: 'backups', 'from-backup': name, 'dry-run': 'true' });
    expect({ status: run.status, log: run.status === 0 ? '' : run.stdout }).toEqual({ status: 0, log: '' });
    expect(run.outputs).toMatchObject({ 'backup-name': name, phase: 'Completed', created: '0', failed: '0' });
    expect(Number(run.outputs.unchanged)).toBeGreaterThan(0);
    expect(run.summary).toContain('## Restore plan (dry run)');
  });

  it('encrypts with recipients only, and restores and verifies with the identity, which appears only in masks', async () => {
    const identity = await generateX25519Identity();
    const keyFile = `# created: 2026-11-30T00:00:00Z\n# public key: ${await identityToRecipient(identity)}\n${identity}\n`;
    const sealed = `${name}-sealed`;
    const backup = runAction({ mode: 'backup', kubeconfig, location: 'backups', 'backup-name': sealed, 'include-namespaces': 'kube-system', 'include-resources': 'configmaps', 'encryption-recipients': await identityToRecipient(identity) });
    expect({ status: backup.status, log: backup.status === 0 ? '' : backup.stdout }).toEqual({ status: 0, log: '' });

    const locked = runAction({ mode: 'restore', kubeconfig, location: 'backups', 'from-backup': sealed, 'dry-run': 'true' });
    expect(locked.status).not.toBe(0);
    expect(locked.stdout).toMatch(/Input 'encryption-identity': is required: backup '.*' is encrypted/);

    const plan = runAction({ mode: 'restore', kubeconfig, location: 'backups', 'from-backup': sealed, 'dry-run': 'true', 'encryption-identity': keyFile });
    expect({ status: plan.status, log: plan.status === 0 ? '' : plan.stdout }).toEqual({ status: 0, log: '' });
    expect(Number(plan.outputs.unchanged)).toBeGreaterThan(0);
    expect(plan.stdout).toContain(`::add-mask::${identity}`);
    expect(plan.stdout.split('\n').filter((line) => line.includes(identity) && !line.startsWith('::add-mask::'))).toEqual([]);

    const hashesOnly = runAction({ mode: 'verify', location: 'backups', 'from-backup': sealed });
    expect([hashesOnly.status, hashesOnly.outputs.verified, hashesOnly.outputs.failed]).toEqual([0, '1', '0']);
    expect(hashesOnly.summary).toContain('encrypted: contents checked by hash only (no encryption-identity)');
  });

  it('masks a kubeconfig a previous step left in $KUBECONFIG as it masks the input', () => {
    const run = runAction({ mode: 'backup', location: 'backups', 'backup-name': `${name}-file`, 'include-namespaces': 'kube-system', 'include-resources': 'configmaps' }, { KUBECONFIG: env.kubeconfig });
    expect({ status: run.status, log: run.status === 0 ? '' : run.stdout }).toEqual({ status: 0, log: '' });
    expect(run.stdout).toContain(`::add-mask::${token}`);
    expect(run.stdout.split('\n').filter((line) => line.includes(token) && !line.startsWith('::add-mask::'))).toEqual([]);
  });

  it('names a scheduled backup after the cron slot of the schedule event the runner wrote', () => {
    const schedule = uniqueName('nightly');
    const eventPath = path.join(work, 'event.json');
    fs.writeFileSync(eventPath, JSON.stringify({ schedule: '0 0 1 1 *' }));
    const run = runAction(
      { mode: 'backup', kubeconfig, location: 'backups', 'schedule-name': schedule, 'include-namespaces': 'kube-system', 'include-resources': 'configmaps' },
      { GITHUB_EVENT_NAME: 'schedule', GITHUB_EVENT_PATH: eventPath }
    );
    expect({ status: run.status, log: run.status === 0 ? '' : run.stdout }).toEqual({ status: 0, log: '' });
    expect(run.outputs['backup-name']).toBe(`${schedule}-${new Date().getUTCFullYear()}0101000000`);
  });

  it('syncs the location into Backup objects, then prunes the expired backup with its record and keeps the other', async () => {
    const veleroNamespace = uniqueName('bundle-velero');
    const expiring = `${name}-expiring`;
    const kept = `${name}-kept`;
    const common = { kubeconfig, location: 'lifecycle', 'velero-namespace': veleroNamespace };
    try {
      for (const [backupName, ttl] of [[expiring, '1s'], [kept, '720h']] as const) {
        const made = runAction({ mode: 'backup', kubeconfig, location: 'lifecycle', 'backup-name': backupName, ttl, 'include-namespaces': 'kube-system', 'include-resources': 'configmaps' });
        expect({ status: made.status, log: made.status === 0 ? '' : made.stdout }).toEqual({ status: 0, log: '' });
      }
      const synced = runAction({ mode: 'sync', ...common, 'install-crds': 'true' });
      expect({ status: synced.status, log: synced.status === 0 ? '' : synced.stdout }).toEqual({ status: 0, log: '' });
      expect(synced.outputs).toMatchObject({ created: '2', deleted: '0' });
      expect(synced.summary).toContain(`## Sync of \`file://${work}/lifecycle\` into namespace \`${veleroNamespace}\``);

      await new Promise((resolve) => setTimeout(resolve, 1_100));
      const pruned = runAction({ mode: 'prune', ...common });
      expect({ status: pruned.status, log: pruned.status === 0 ? '' : pruned.stdout }).toEqual({ status: 0, log: '' });
      expect(pruned.outputs).toMatchObject({ deleted: '1', 'deleted-backups': JSON.stringify([expiring]) });
      expect(fs.readdirSync(path.join(work, 'lifecycle', 'backups')).sort()).toEqual([kept]);
      const backups = clusterFor(env.kubeconfig);
      try {
        const records = [];
        for await (const record of backups.list(VELERO_BACKUPS, { namespace: veleroNamespace })) records.push(record.metadata.name);
        expect(records).toEqual([kept]);
      } finally {
        await deleteNamespace(backups, veleroNamespace);
        backups.close();
      }
    } finally {
      fs.rmSync(path.join(work, 'lifecycle'), { recursive: true, force: true });
    }
  });

  it('fails the step with one line naming the input for a bad value', () => {
    const run = runAction({ mode: 'backup', kubeconfig, location: 'backups', ttl: '30d' });
    expect(run.status).not.toBe(0);
    expect(run.stdout).toContain("::error::Input 'ttl': '30d' uses days, which Go durations do not have. Write 720h");
  });

  it('fails clearly for a kubeconfig that is not one, without echoing it', () => {
    const run = runAction({ mode: 'backup', kubeconfig: 'server: [oops secret-value-123', location: 'backups' });
    expect(run.status).not.toBe(0);
    expect(run.stdout).toMatch(/::error::Input 'kubeconfig': the kubeconfig input is not valid YAML \(line 1, column \d+\)/);
    expect(run.stdout.split('\n').filter((l) => l.includes('secret-value-123') && !l.startsWith('::add-mask::'))).toEqual([]);
  });
});
