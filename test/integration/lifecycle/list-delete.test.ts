import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { buildProgram, type CliIo } from '../../../src/cli/program.js';
import type { KubeCluster } from '../../../src/kube/kube-cluster.js';
import { runList } from '../../../src/list/run-list.js';
import { runDelete, type DeleteContext } from '../../../src/prune/run-delete.js';
import { listOutputs } from '../../../src/report/list-report.js';
import type { DeleteSettings } from '../../../src/settings/list-delete-settings.js';
import { backupKeys, restoreKeys } from '../../../src/storage/layout.js';
import type { ObjectStore } from '../../../src/storage/object-store.js';
import { runSync } from '../../../src/sync/run-sync.js';
import { MemoryLogger } from '../../../src/util/logger.js';
import { BACKUP_REF } from '../../../src/velero/backup-crd.js';
import { runActionBundle } from '../../support/action.js';
import { runCliInProcess } from '../../support/cli.js';
import { clusterFor, deleteNamespace } from '../../support/cluster.js';
import { testEnvironment, uniqueName } from '../../support/environment.js';
import { allKeys, localTestStore, s3TestStore, type TestStore } from '../../support/stores.js';
import { backupOf, LEASE, smallNamespace, syncSettings } from './support.js';
import { writeRestore, writeVeleroBackup } from './velero-fixture.js';

const env = testEnvironment();
const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const namespace = uniqueName('lc-listdel');
const recordsNamespace = uniqueName('lc-listdel-velero');
const location = { name: 'default', accessMode: 'ReadWrite' as const };
const work = fs.mkdtempSync(path.join(os.tmpdir(), 'kb-listdel-'));
let cluster: KubeCluster;
const stores: TestStore[] = [];

beforeAll(async () => {
  cluster = clusterFor(env.kubeconfig);
  await smallNamespace(cluster, namespace);
});

afterAll(async () => {
  await deleteNamespace(cluster, namespace);
  await deleteNamespace(cluster, recordsNamespace);
  await Promise.all(stores.map((s) => s.cleanup()));
  fs.rmSync(work, { recursive: true, force: true });
  cluster.close();
});

async function fresh<T extends TestStore>(make: () => Promise<T> | T): Promise<T> {
  const s = await make();
  stores.push(s);
  return s;
}

function deleteSettings(names: string[]): DeleteSettings {
  return { names, veleroNamespace: recordsNamespace, lease: LEASE };
}

function deleteContext(store: ObjectStore, extra: Partial<DeleteContext> = {}): DeleteContext {
  return { store, cluster, logger: new MemoryLogger(), holder: 'test', lease: { renewEveryMs: 0 }, ...extra };
}

const keysOf = async (store: ObjectStore, folder: string) => (await allKeys(store)).filter((k) => k.startsWith(folder));

describe('list with max-age: the freshness alarm', () => {
  it('is stale while the newest Completed backup of the schedule is older than max-age, and fresh after a new one', async () => {
    const { store, directory } = await fresh(() => localTestStore());
    // Velero's nightly of two days ago, and an unrelated schedule's backup of an hour ago.
    await writeVeleroBackup(store, 'nightly-20260101020000', { schedule: 'nightly', started: new Date(Date.now() - 2 * DAY), ttlHours: 720 });
    await writeVeleroBackup(store, 'hourly-20260101020000', { schedule: 'hourly', started: new Date(Date.now() - HOUR), ttlHours: 720 });
    const context = { store, logger: new MemoryLogger() };

    const stale = await runList(context, { maxAgeMs: 26 * HOUR, scheduleName: 'nightly' });
    expect(stale.freshness).toMatchObject({ fresh: false, newest: { name: 'nightly-20260101020000' } });
    expect(stale.freshness!.message).toMatch(/^the newest Completed backup of schedule 'nightly', nightly-20260101020000, finished .*, 4[78]h\d+m\d+s ago: older than max-age 26h0m0s$/);
    // Without the schedule the hourly one counts, and it is fresh.
    expect((await runList(context, { maxAgeMs: 26 * HOUR })).freshness).toMatchObject({ fresh: true, newest: { name: 'hourly-20260101020000' } });

    const made = await backupOf(cluster, store, namespace, { 'schedule-name': 'nightly' });
    expect(made.phase).toBe('Completed');
    const freshList = await runList(context, { maxAgeMs: 26 * HOUR, scheduleName: 'nightly' });
    expect(freshList.freshness).toMatchObject({ fresh: true, newest: { name: made.name } });
    const outputs = listOutputs(freshList);
    expect(outputs).toMatchObject({ newest: made.name, count: '3' });
    const listed = JSON.parse(outputs.backups!) as { name: string; phase: string; schedule: string; items: number; sizeBytes: number }[];
    expect(listed.map((b) => b.name)).toEqual([made.name, 'hourly-20260101020000', 'nightly-20260101020000']);
    // The size is every file of the folder, as the store holds them.
    const folderBytes = (await fs.promises.readdir(path.join(directory, backupKeys(made.name).folder), { recursive: true, withFileTypes: true }))
      .filter((e) => e.isFile())
      .reduce((sum, e) => sum + fs.statSync(path.join(e.parentPath, e.name)).size, 0);
    expect(listed[0]).toMatchObject({ phase: 'Completed', schedule: 'nightly', items: made.items, sizeBytes: folderBytes });
  });
});

describe('delete', () => {
  it('deletes a backup with its files, restores and Backup object, and leaves the other backups alone', async () => {
    const { store } = await fresh(() => s3TestStore());
    const doomed = await backupOf(cluster, store, namespace, { 'backup-name': uniqueName('doomed') });
    const kept = await backupOf(cluster, store, namespace, { 'backup-name': uniqueName('kept') });
    await writeRestore(store, `${doomed.name}-restore`, doomed.name);
    await writeRestore(store, `${kept.name}-restore`, kept.name);
    await runSync({ store, cluster, logger: new MemoryLogger(), holder: 'test', lease: { renewEveryMs: 0 } }, { settings: syncSettings({ veleroNamespace: recordsNamespace }), location });
    expect(await cluster.get(BACKUP_REF, doomed.name, recordsNamespace)).toBeDefined();
    const keptKeys = [...(await keysOf(store, backupKeys(kept.name).folder)), ...(await keysOf(store, restoreKeys(`${kept.name}-restore`).folder))].sort();

    const result = await runDelete(deleteContext(store), { settings: deleteSettings([doomed.name]), location });

    expect(result.failures).toEqual([]);
    expect(result.deleted).toEqual([expect.objectContaining({ name: doomed.name, reason: 'requested', restores: [`${doomed.name}-restore`], recordDeleted: true, snapshots: [] })]);
    expect(await keysOf(store, backupKeys(doomed.name).folder)).toEqual([]);
    expect(await keysOf(store, restoreKeys(`${doomed.name}-restore`).folder)).toEqual([]);
    expect(await cluster.get(BACKUP_REF, doomed.name, recordsNamespace)).toBeUndefined();
    // The other backup: every file, its restore, its record.
    expect([...(await keysOf(store, backupKeys(kept.name).folder)), ...(await keysOf(store, restoreKeys(`${kept.name}-restore`).folder))].sort()).toEqual(keptKeys);
    expect(await cluster.get(BACKUP_REF, kept.name, recordsNamespace)).toBeDefined();
    expect(await keysOf(store, 'metadata/')).toEqual([]); // lease released
  });

  it('fails on a name the location does not hold, deleting nothing, and never calls it unfinished', async () => {
    const { store } = await fresh(() => localTestStore());
    await writeVeleroBackup(store, 'velero-a', { schedule: 'daily', started: new Date(Date.now() - DAY), ttlHours: 720 });
    const before = await allKeys(store);
    const attempt = runDelete(deleteContext(store, { cluster: undefined }), { settings: deleteSettings(['velero-a', 'never-was']), location });
    await expect(attempt).rejects.toThrow(new RegExp(`^Input 'backup-name': no backup named 'never-was' in ${store.url}\\. Backups there, newest first: velero-a$`));
    expect(await allKeys(store)).toEqual(before);
    // A folder that does hold files is an unfinished backup, and can be deleted by name.
    await store.put(backupKeys('crashed').tarball, 'partial');
    const result = await runDelete(deleteContext(store, { cluster: undefined }), { settings: deleteSettings(['crashed']), location });
    expect(result.deleted.map((d) => [d.name, d.phase])).toEqual([['crashed', undefined]]);
    expect(await keysOf(store, backupKeys('crashed').folder)).toEqual([]);
  });

  it('refuses a ReadOnly location', async () => {
    const { store } = await fresh(() => localTestStore());
    await expect(runDelete(deleteContext(store), { settings: deleteSettings(['x']), location: { name: 'default', accessMode: 'ReadOnly' } })).rejects.toThrow(/^Input 'storage-access-mode': .* is ReadOnly/);
  });

  it("deletes a copy's files but never the CSI snapshots its source location owns", async () => {
    const { store } = await fresh(() => localTestStore());
    const volumeInfo = [{ pvcName: 'data', pvcNamespace: 'shop', backupMethod: 'CSISnapshot', snapshotDataMoved: false, csiSnapshotInfo: { snapshotHandle: 'snap-1', driver: 'hostpath.csi.k8s.io', vscName: 'vsc-1' } }];
    for (const name of ['original', 'copy']) {
      const backup = await writeVeleroBackup(store, name, { schedule: 'daily', started: new Date(Date.now() - DAY), ttlHours: 720 });
      if (name === 'copy') {
        backup.metadata.annotations = { ...backup.metadata.annotations, 'kube-backup.io/snapshots-owned-by': 's3://elsewhere/prod' };
        await store.put(backupKeys(name).metadata, JSON.stringify(backup));
      }
      await store.put(backupKeys(name).volumeInfo, gzipSync(JSON.stringify(volumeInfo)));
    }
    // No cluster: a snapshot this run tried to delete would fail, and keep its backup's files.
    const result = await runDelete(deleteContext(store, { cluster: undefined }), { settings: deleteSettings(['original', 'copy']), location });
    expect(result.deleted.map((d) => [d.name, d.snapshots.length, d.snapshotsLeftAlone])).toEqual([['copy', 0, expect.stringContaining('s3://elsewhere/prod')]]);
    expect(await keysOf(store, backupKeys('copy').folder)).toEqual([]);
    expect(result.failures).toEqual([expect.objectContaining({ name: 'original', snapshots: [expect.objectContaining({ handle: 'snap-1', result: 'failed' })] })]);
    expect(await keysOf(store, backupKeys('original').metadata)).toEqual([backupKeys('original').metadata]);
  });
});

describe('kube-backup backup delete and restore delete', () => {
  it('needs --confirm when stdin is not a terminal, and deletes with it', async () => {
    const local = await fresh(() => localTestStore());
    await writeVeleroBackup(local.store, 'cli-victim', { schedule: 'daily', started: new Date(Date.now() - DAY), ttlHours: 720 });
    await writeRestore(local.store, 'cli-restore', 'someone-else');
    const flags = ['--kubeconfig', env.kubeconfig, '--location', local.directory, '--velero-namespace', recordsNamespace, '--lease-wait', '0'];

    const refused = await runCliInProcess(['backup', 'delete', 'cli-victim', ...flags], work);
    expect(refused.code).toBe(1);
    expect(refused.err).toContain('needs --confirm when stdin is not a terminal; nothing was deleted');
    expect(await keysOf(local.store, backupKeys('cli-victim').metadata)).toHaveLength(1);

    const done = await runCliInProcess(['backup', 'delete', 'cli-victim', '--confirm', ...flags], work);
    expect({ code: done.code, out: done.out }).toEqual({ code: 0, out: expect.stringMatching(/^Backup "cli-victim" deleted \(\d+ objects, /) });
    expect(await keysOf(local.store, backupKeys('cli-victim').folder)).toEqual([]);

    const restoreObjects = (await keysOf(local.store, restoreKeys('cli-restore').folder)).length;
    expect(restoreObjects).toBeGreaterThan(1);
    const restore = await runCliInProcess(['restore', 'delete', 'cli-restore', '--confirm', '--location', local.directory], work);
    expect({ code: restore.code, out: restore.out }).toEqual({ code: 0, out: expect.stringMatching(new RegExp(`^Restore "cli-restore" deleted \\(${restoreObjects} objects, `)) });
    expect(await keysOf(local.store, restoreKeys('cli-restore').folder)).toEqual([]);
    await expect(runCliInProcess(['restore', 'delete', 'cli-restore', '--confirm', '--location', local.directory], work)).rejects.toThrow(`Input 'name': no restore named 'cli-restore' in ${local.store.url}. The location holds no restore`);
  });

  it('asks on a terminal, and deletes only on yes', async () => {
    const local = await fresh(() => localTestStore());
    await writeVeleroBackup(local.store, 'asked', { schedule: 'daily', started: new Date(Date.now() - DAY), ttlHours: 720 });
    const run = async (answer: string) => {
      const out: string[] = [];
      const err: string[] = [];
      const questions: string[] = [];
      let code = 0;
      const io: CliIo = {
        out: (l) => out.push(l),
        err: (l) => err.push(l),
        env: {},
        cwd: work,
        setExitCode: (c) => (code = c),
        ask: async (q) => {
          questions.push(q);
          return answer;
        }
      };
      await buildProgram(io).parseAsync(['backup', 'delete', 'asked', '--kubeconfig', env.kubeconfig, '--location', local.directory, '--velero-namespace', recordsNamespace], { from: 'user' });
      return { code, questions, err: err.join('\n') };
    };
    const declined = await run('n');
    expect(declined).toEqual({ code: 1, questions: ['Are you sure you want to delete backups asked, with their CSI snapshots, restores and Backup objects (y/N)? '], err: 'Nothing was deleted.' });
    expect(await keysOf(local.store, backupKeys('asked').metadata)).toHaveLength(1);
    expect((await run('y')).code).toBe(0);
    expect(await keysOf(local.store, backupKeys('asked').folder)).toEqual([]);
  });
});

describe('the action bundle: mode list and mode delete', () => {
  const kubeconfig = fs.readFileSync(env.kubeconfig, 'utf8');

  it('lists with outputs and a summary, fails the step when stale, and deletes by backup-name', async () => {
    const { store: local, directory } = await fresh(() => localTestStore());
    await writeVeleroBackup(local, 'nightly-20260101020000', { schedule: 'nightly', started: new Date(Date.now() - 3 * DAY), ttlHours: 720 });
    await writeRestore(local, 'nightly-restore', 'nightly-20260101020000');

    const stale = runActionBundle(work, { mode: 'list', location: directory, 'max-age': '26h', 'schedule-name': 'nightly' });
    expect(stale.status).not.toBe(0);
    expect(stale.stdout).toMatch(/::error::Stale backups in file:\/\/.*: the newest Completed backup of schedule 'nightly', nightly-20260101020000, finished .* ago: older than max-age 26h0m0s\. Is the backup workflow still running\?/);
    expect(stale.outputs).toMatchObject({ newest: 'nightly-20260101020000', count: '1' });
    expect(stale.summary).toContain('**Stale**');

    const listed = runActionBundle(work, { mode: 'list', location: directory, 'max-age': '100h' });
    expect({ status: listed.status, log: listed.status === 0 ? '' : listed.stdout }).toEqual({ status: 0, log: '' });
    expect(JSON.parse(listed.outputs.backups!)).toEqual([expect.objectContaining({ name: 'nightly-20260101020000', phase: 'Completed', schedule: 'nightly', items: 2 })]);
    expect(listed.summary).toContain('| NAME | STATUS |');

    const missing = runActionBundle(work, { mode: 'delete', kubeconfig, location: directory, 'backup-name': 'nightly-2026', 'velero-namespace': recordsNamespace });
    expect(missing.status).not.toBe(0);
    expect(missing.stdout).toContain("::error::Input 'backup-name': no backup named 'nightly-2026' in file://");

    const deleted = runActionBundle(work, { mode: 'delete', kubeconfig, location: directory, 'backup-name': 'nightly-20260101020000', 'velero-namespace': recordsNamespace });
    expect({ status: deleted.status, log: deleted.status === 0 ? '' : deleted.stdout }).toEqual({ status: 0, log: '' });
    expect(deleted.outputs).toMatchObject({ deleted: '1', 'deleted-backups': '["nightly-20260101020000"]' });
    expect(deleted.summary).toContain('### Backups deleted');
    expect(await allKeys(local)).toEqual([]);
  });
});
