import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import * as tar from 'tar';
import YAML from 'yaml';
import { clusterFor, createNamespace, deleteNamespace, refs } from '../../support/cluster.js';
import { runCliInProcess } from '../../support/cli.js';
import { testEnvironment, uniqueName } from '../../support/environment.js';
import { copiedLocalStore, localTestStore } from '../../support/stores.js';

// The CLI's Velero verbs end to end on the real cluster and a local location: create, then every read verb on what
// was made, exit codes, formats, and defaults from the environment and the config file.
const env = testEnvironment();
const cluster = clusterFor(env.kubeconfig);
const source = uniqueName('cli-src');
const target = uniqueName('cli-dst');
const partial = uniqueName('cli-part');
const backupName = uniqueName('cli-bk');
const restoreName = uniqueName('cli-rs');
const local = localTestStore();
const work = fs.mkdtempSync(path.join(os.tmpdir(), 'kb-cli-verbs-'));
const configHome = path.join(work, 'config');

const cli = (args: string[], environment: NodeJS.ProcessEnv = {}) => runCliInProcess(args, work, { XDG_CONFIG_HOME: configHome, ...environment });
const connection = ['--kubeconfig', env.kubeconfig, '--location', local.directory];

beforeAll(async () => {
  await createNamespace(cluster, source, { app: 'cli-test' });
  for (const name of ['alpha', 'beta', 'broken']) {
    await cluster.create(refs.configmaps, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, namespace: source }, data: { key: name } });
  }
  const created = await cli(['backup', 'create', backupName, ...connection, '--include-namespaces', source, '--include-resources', 'configmaps', '--lease-wait', '0']);
  expect(created.code).toBe(0);
});

afterAll(async () => {
  for (const namespace of [source, target, partial]) await deleteNamespace(cluster, namespace);
  cluster.close();
  await local.cleanup();
  fs.rmSync(work, { recursive: true, force: true });
});

describe('kube-backup backup create', () => {
  it('prints its summary as text, not Markdown, and says nothing per object without --verbose', async () => {
    const name = uniqueName('cli-bk2');
    const { out, err, code } = await cli(['backup', 'create', name, ...connection, '--include-namespaces', source, '--lease-wait', '0']);
    expect(code).toBe(0);
    expect(out).toContain(`Backup ${name}: Completed`);
    expect(out).not.toMatch(/^#|\*\*|`/m);
    expect(out).toMatch(/RESOURCE\s+ITEMS/);
    const quiet = await cli(['backup', 'create', uniqueName('cli-bk3'), ...connection, '--include-namespaces', source, '--lease-wait', '0', '--quiet']);
    expect(quiet.code).toBe(0);
    expect(quiet.err).toBe('');
    expect(err).not.toBe('');
  });
});

describe('kube-backup backup get, describe, logs, download', () => {
  it('get: a table, -o json and -o yaml that parse back, -l selecting by label', async () => {
    const table = await cli(['backup', 'get', '--location', local.directory]);
    expect(table.out).toMatch(new RegExp(`^${backupName}\\s+Completed`, 'm'));
    const json = JSON.parse((await cli(['backup', 'get', '--location', local.directory, '-o', 'json'])).out) as { kind: string; items: { metadata: { name: string } }[] };
    expect(json.kind).toBe('List');
    expect(json.items.map((b) => b.metadata.name)).toContain(backupName);
    const yaml = YAML.parse((await cli(['backup', 'get', backupName, '--location', local.directory, '-o', 'yaml'])).out) as { kind: string; metadata: { name: string } };
    expect(yaml).toMatchObject({ kind: 'Backup', metadata: { name: backupName } });
    const selected = JSON.parse((await cli(['backup', 'get', '--location', local.directory, '-o', 'json', '-l', 'velero.io/storage-location=default'])).out) as { items: unknown[] };
    expect(selected.items.length).toBeGreaterThan(0);
    const none = await cli(['backup', 'get', '--location', local.directory, '-l', 'velero.io/schedule-name=nope']);
    expect(none.out).toContain('No backups found');
  });

  it('describe: Velero-style sections, --details with the resource list, -o json with the verification', async () => {
    const text = (await cli(['backup', 'describe', backupName, '--location', local.directory])).out;
    expect(text).toMatch(/^Phase:\s+Completed$/m);
    expect(text).toMatch(/^Verification:\s+verified/m);
    expect(text).toMatch(new RegExp(`^Namespaces:\\n  Included:  ${source}$`, 'm'));
    expect(text).toContain('<backup resource list only rendered with --details>');
    const details = (await cli(['backup', 'describe', backupName, '--location', local.directory, '--details'])).out;
    expect(details).toContain('Resource List:');
    expect(details).toContain(`    - ${source}/broken`);
    const json = JSON.parse((await cli(['backup', 'describe', backupName, '--location', local.directory, '-o', 'json', '--details'])).out) as { kind: string; verification: { state: string }; resourceList: Record<string, string[]> };
    expect(json.kind).toBe('Backup');
    expect(json.verification.state).toBe('verified');
    expect(Object.values(json.resourceList).flat()).toContain(`${source}/alpha`);
  });

  it('logs: the run log as Velero keeps it, line by line', async () => {
    const { out, code } = await cli(['backup', 'logs', backupName, '--location', local.directory]);
    expect(code).toBe(0);
    expect(out.split('\n').length).toBeGreaterThan(2);
    expect(out.split('\n').every((line) => /^time="[^"]+" level=\w+ msg=/.test(line))).toBe(true);
  });

  it('download: the contents tarball, checked, to <name>-data.tar.gz; refuses to overwrite without --force', async () => {
    const { out, code } = await cli(['backup', 'download', backupName, '--location', local.directory]);
    expect(code).toBe(0);
    expect(out).toContain('checked against its checksum manifest');
    const file = path.join(work, `${backupName}-data.tar.gz`);
    const entries: string[] = [];
    await tar.list({ file, onReadEntry: (entry) => entries.push(entry.path) });
    expect(entries).toContain(`resources/configmaps/namespaces/${source}/alpha.json`);
    await expect(cli(['backup', 'download', backupName, '--location', local.directory])).rejects.toThrow(/Input '--output': '.*' exists\. Pass --force/);
    expect((await cli(['backup', 'download', backupName, '--location', local.directory, '--force'])).code).toBe(0);
  });

  it('names the backup that is not there', async () => {
    await expect(cli(['backup', 'logs', 'no-such-backup', '--location', local.directory])).rejects.toThrow(/Input 'name': no backup named 'no-such-backup'/);
  });
});

describe('kube-backup restore create, get, describe, logs', () => {
  it('exits 0 on Completed; get, describe and logs read what it recorded', async () => {
    const created = await cli(['restore', 'create', restoreName, ...connection, '--from-backup', backupName, '--namespace-mappings', `${source}:${target}`]);
    expect(created.code).toBe(0);
    expect(created.out).toContain(`Restore ${restoreName} from ${backupName}: Completed`);
    // One line per object only with --verbose.
    expect(created.err).not.toMatch(/^created: configmaps/m);
    const list = JSON.parse((await cli(['restore', 'get', '--location', local.directory, '-o', 'json'])).out) as { items: { metadata: { name: string }; spec: { backupName: string } }[] };
    expect(list.items.find((r) => r.metadata.name === restoreName)?.spec.backupName).toBe(backupName);
    const table = (await cli(['restore', 'get', '--location', local.directory, '-l', `velero.io/backup-name=${backupName}`])).out;
    expect(table).toMatch(new RegExp(`^${restoreName}\\s+${backupName}\\s+Completed`, 'm'));
    const described = (await cli(['restore', 'describe', restoreName, '--location', local.directory, '--details'])).out;
    expect(described).toMatch(/^Phase:\s+Completed$/m);
    expect(described).toContain(`Namespace mappings:  ${source}=${target}`);
    expect(described).toContain(`    - ${target}/alpha`);
    const yaml = YAML.parse((await cli(['restore', 'describe', restoreName, '--location', local.directory, '-o', 'yaml'])).out) as { kind: string };
    expect(yaml.kind).toBe('Restore');
    const logs = (await cli(['restore', 'logs', restoreName, '--location', local.directory])).out;
    expect(logs).toMatch(/level=info msg="created: configmaps/);
  });

  it('prints a dry run\'s plan once, under the target namespace', async () => {
    const planned = uniqueName('cli-plan');
    const { out, err, code } = await cli(['restore', 'create', ...connection, '--from-backup', backupName, '--namespace-mappings', `${source}:${planned}`, '--dry-run']);
    expect({ code, err: code === 0 ? '' : err }).toEqual({ code: 0, err: '' });
    const screen = `${out}\n${err}`;
    for (const name of ['alpha', 'beta', 'broken']) {
      // One row of the plan table names it, under the namespace it would be written to.
      const rows = screen.split('\n').filter((line) => new RegExp(`\\b${name}\\b`).test(line));
      expect({ name, rows: rows.map((row) => row.trim().split(/\s+/).slice(0, 4)) }).toEqual({ name, rows: [['create', 'configmaps', planned, name]] });
    }
    expect(await cluster.get(refs.namespaces, planned)).toBeUndefined();
  });

  it('exits 2 on PartiallyFailed, and 1 with --fail-on-partial', async () => {
    // A merge patch giving one ConfigMap a label value the API server refuses: that item fails, the others restore.
    const modifiers = ['version: v1', 'resourceModifierRules:', '- conditions:', '    groupResource: configmaps', '    resourceNameRegex: "^broken$"', '  mergePatches:', '  - patchData: |', '      {"metadata":{"labels":{"bad":"not a valid label value!"}}}'].join('\n');
    const args = ['restore', 'create', ...connection, '--from-backup', backupName, '--namespace-mappings', `${source}:${partial}`, '--resource-modifiers', modifiers, '--existing-resource-policy', 'update'];
    const partly = await cli(args);
    expect(partly.out).toContain('PartiallyFailed');
    expect(partly.code).toBe(2);
    const strict = await cli([...args, '--fail-on-partial']);
    expect(strict.code).toBe(1);
  });

  it('exits 1 on Failed', async () => {
    // A copy of the location whose tarball is damaged: the restore fails its integrity check before any write.
    const damaged = copiedLocalStore(local.directory, path.join(work, 'damaged'));
    fs.writeFileSync(path.join(damaged.directory, 'backups', backupName, `${backupName}.tar.gz`), 'not a tarball');
    const failed = await cli(['restore', 'create', '--kubeconfig', env.kubeconfig, '--location', damaged.directory, '--from-backup', backupName, '--namespace-mappings', `${source}:${partial}`]);
    expect(failed.out).toContain(': Failed');
    expect(failed.code).toBe(1);
  });
});

describe('defaults from the environment and the config file', () => {
  it('KUBE_BACKUP_LOCATION stands in for --location; a flag wins over it', async () => {
    const viaEnv = await cli(['backup', 'get', backupName, '-o', 'json'], { KUBE_BACKUP_LOCATION: local.directory });
    expect(JSON.parse(viaEnv.out)).toMatchObject({ metadata: { name: backupName } });
    const flagWins = await cli(['backup', 'get', '--location', path.join(work, 'empty')], { KUBE_BACKUP_LOCATION: local.directory });
    expect(flagWins.out).toContain('No backups found');
  });

  it('an error names the variable a bad value came from', async () => {
    await expect(cli(['prune', '--kubeconfig', env.kubeconfig, '--location', local.directory, '--dry-run'], { KUBE_BACKUP_KEEP_LAST: 'many' })).rejects.toThrow(/^Input '--keep-last \(from KUBE_BACKUP_KEEP_LAST\)': 'many' is not a whole number/);
  });

  it('config set, get and unset keep defaults in $XDG_CONFIG_HOME/kube-backup/config.yaml, below variables', async () => {
    const set = await cli(['config', 'set', 'location', local.directory]);
    expect(set.out).toContain(path.join(configHome, 'kube-backup', 'config.yaml'));
    expect((await cli(['config', 'get', 'location'])).out).toBe(local.directory);
    expect(JSON.parse((await cli(['backup', 'get', backupName, '-o', 'json'])).out)).toMatchObject({ metadata: { name: backupName } });
    const envWins = await cli(['backup', 'get'], { KUBE_BACKUP_LOCATION: path.join(work, 'empty') });
    expect(envWins.out).toContain('No backups found');
    await expect(cli(['config', 'set', 'encryption-passphrase', 'hunter2'])).rejects.toThrow(/is a secret and is not kept in the config file: set KUBE_BACKUP_ENCRYPTION_PASSPHRASE/);
    await expect(cli(['config', 'set', 'no-such-flag', 'x'])).rejects.toThrow(/'no-such-flag' is not a kube-backup flag/);
    expect((await cli(['config', 'unset', 'location'])).out).toContain('location unset');
    expect((await cli(['config', 'get', 'location'])).code).toBe(1);
  });
});
