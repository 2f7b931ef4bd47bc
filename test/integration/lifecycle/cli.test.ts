import { afterAll, describe, expect, it } from '@jest/globals';
import { Command } from 'commander';
import { addLifecycleCommands } from '../../../src/cli/lifecycle-commands.js';
import type { CliIo } from '../../../src/cli/program-support.js';
import { BACKUP_REF } from '../../../src/velero/backup-crd.js';
import { clusterFor, deleteNamespace } from '../../support/cluster.js';
import { testEnvironment, uniqueName } from '../../support/environment.js';
import { allKeys, localTestStore } from '../../support/stores.js';
import { writeVeleroBackup } from './velero-fixture.js';

const env = testEnvironment();
const local = localTestStore();
const recordsNamespace = uniqueName('lc-cli');
const clusterB = clusterFor(env.kubeconfigB);

afterAll(async () => {
  await deleteNamespace(clusterB, recordsNamespace);
  clusterB.close();
  await local.cleanup();
});

async function run(args: string[]): Promise<{ out: string; err: string }> {
  const out: string[] = [];
  const err: string[] = [];
  const io: CliIo = { out: (l) => out.push(l), err: (l) => err.push(l), env: {}, cwd: process.cwd() };
  const program = new Command('kube-backup').exitOverride().configureOutput({ writeOut: (s) => io.out(s), writeErr: (s) => io.err(s) });
  addLifecycleCommands(program, io);
  await program.parseAsync(args, { from: 'user' });
  return { out: out.join('\n'), err: err.join('\n') };
}

describe('kube-backup prune and sync', () => {
  it('sync records the backups of a location in a cluster', async () => {
    await writeVeleroBackup(local.store, 'velero-daily-20261001020000', { schedule: 'velero-daily', started: new Date(Date.now() - 40 * 86_400_000), ttlHours: 720 });
    const { out } = await run(['sync', '--kubeconfig', env.kubeconfigB, '--location', local.directory, '--velero-namespace', recordsNamespace, '--install-crds', '--lease-wait', '0']);
    expect(out).toContain('1 Backup objects created');
    expect(await clusterB.get(BACKUP_REF, 'velero-daily-20261001020000', recordsNamespace)).toBeDefined();
  });

  it('prune --dry-run lists, then prune deletes backup and record', async () => {
    const dry = await run(['prune', '--kubeconfig', env.kubeconfigB, '--location', local.directory, '--velero-namespace', recordsNamespace, '--dry-run', '--keep-last', '0']);
    expect(dry.out).toContain('(dry run)');
    expect(dry.out).toMatch(/^\s+velero-daily-20261001020000\s+expired /m);
    expect((await allKeys(local.store)).length).toBeGreaterThan(0);
    const { out, err } = await run(['prune', '--kubeconfig', env.kubeconfigB, '--location', local.directory, '--velero-namespace', recordsNamespace, '--unfinished-grace', '1h']);
    expect(out).toContain('1 backups deleted');
    expect(err).toContain('Deleted backup velero-daily-20261001020000');
    expect(await allKeys(local.store)).toEqual([]);
    expect(await clusterB.get(BACKUP_REF, 'velero-daily-20261001020000', recordsNamespace)).toBeUndefined();
  });

  it('names the flag of a bad value', async () => {
    await expect(run(['prune', '--kubeconfig', env.kubeconfigB, '--location', local.directory, '--keep-last', 'many'])).rejects.toThrow(/^Input '--keep-last': 'many' is not a whole number/);
  });
});
