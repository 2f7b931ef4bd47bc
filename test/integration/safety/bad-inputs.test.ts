import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from '@jest/globals';
import { buildProgram } from '../../../src/cli/program.js';
import { parseLocationPolicy } from '../../../src/settings/backup-settings.js';
import { parseBackupRun } from '../../../src/settings/backup-run.js';
import { ALL_INPUTS } from '../../../src/settings/input-catalog.js';
import { mapReader } from '../../../src/settings/input-reader.js';
import { parsePruneSettings, parseSyncSettings } from '../../../src/settings/lifecycle-settings.js';
import { parseRestoreSettings } from '../../../src/settings/restore-settings.js';
import { parseConnectionSettings, parseStoreSettings } from '../../../src/settings/settings.js';
import { parseVerifySettings } from '../../../src/settings/verify-settings.js';
import { parseCopySettings } from '../../../src/settings/copy-settings.js';
import { parseDiffSettings } from '../../../src/settings/diff-settings.js';
import { parseListSettings } from '../../../src/settings/list-delete-settings.js';
import { clusterFor, refs } from '../../support/cluster.js';
import { testEnvironment } from '../../support/environment.js';

// Every input a user can get wrong fails before anything is touched, with a message naming it: `--flag` on the
// CLI, the input's name in the action. The table must cover every input of the catalog (checked below).
type Mode = 'backup' | 'restore' | 'prune' | 'sync' | 'verify' | 'list' | 'copy' | 'diff';
const BAD: [input: string, value: string, mode: Mode][] = [
  ['context', 'no-such-context', 'backup'],
  ['location', 'ftp://host/dir', 'backup'],
  ['location', 's3://Bad_Bucket/prefix', 'backup'],
  ['location-name', 'Not A Name', 'backup'],
  ['storage-access-mode', 'ReadSometimes', 'backup'],
  ['s3-endpoint', 'minio:9000', 'backup'],
  ['s3-region', 'us east 1', 'backup'],
  ['s3-force-path-style', 'perhaps', 'backup'],
  ['s3-ca-cert', 'not a certificate', 'backup'],
  ['s3-insecure-skip-tls-verify', 'sure', 'backup'],
  ['s3-server-side-encryption', 'aws:kms:dsse', 'backup'],
  ['s3-kms-key-id', 'alias/backups', 'backup'],
  ['s3-sse-customer-key', 'c2hvcnQga2V5', 'restore'],
  ['include-namespaces', 'Bad Namespace', 'backup'],
  ['exclude-namespaces', 'ns/with/slash', 'backup'],
  ['include-resources', 'gizmos', 'backup'],
  ['exclude-resources', 'deployments..apps', 'backup'],
  ['include-cluster-resources', 'sometimes', 'backup'],
  ['selector', 'app in web', 'backup'],
  ['or-selector', 'a=b or c in', 'restore'],
  ['concurrency', '0', 'backup'],
  ['fail-on-partial', 'maybe', 'backup'],
  ['upload-local-backup', 'maybe', 'backup'],
  ['backup-name', 'Backup_1', 'backup'],
  ['schedule-name', 'Nightly!', 'backup'],
  ['ttl', '30d', 'backup'],
  ['all-api-versions', 'all', 'backup'],
  ['hooks', 'resources: [{name: r, pre: [{exec: {command: ls}}], bogus: 1}]', 'backup'],
  ['page-size', 'many', 'backup'],
  ['compression-level', '11', 'backup'],
  ['default-volumes-to-fs-backup', 'every', 'backup'],
  ['data-mover-image', 'https://hub/busybox', 'backup'],
  ['volume-policies', 'version: v1\nvolumePolicies: [{conditions: {volumeTypes: [configmap]}, action: {type: skip}}]', 'backup'],
  ['volume-policies', 'configmap:no-slash', 'backup'],
  ['snapshot-volumes', 'snap', 'backup'],
  ['csi-snapshot-timeout', '10 minutes', 'backup'],
  ['csi-snapshot-classes', 'ebs.csi.aws.com', 'backup'],
  ['signing-key', '-----BEGIN PUBLIC KEY-----\nMCowBQYDK2VwAyEAkSSG2aqQcge3CRLRQ8lNlfl0Qg8QcrDfG6pbb17zfWU=\n-----END PUBLIC KEY-----\n', 'backup'],
  ['cron', '61 * * * *', 'backup'],
  ['lease-ttl', '5s', 'backup'],
  ['lease-wait', 'forever', 'backup'],
  ['from-backup', 'Bad_Backup', 'restore'],
  ['from-schedule', 'Bad Schedule', 'restore'],
  ['restore-name', 'Restore!', 'restore'],
  ['include-names', 'just-a-name', 'restore'],
  ['namespace-mappings', 'a-b', 'restore'],
  ['storage-class-mappings', 'gp2:Fast_Class', 'restore'],
  ['resource-modifiers', 'version: v2\nresourceModifierRules: []', 'restore'],
  ['existing-resource-policy', 'overwrite', 'restore'],
  ['recreate-custom-resources', 'Widgets', 'restore'],
  ['preserve-nodeports', 'kept', 'restore'],
  ['preserve-owner-references', 'kept', 'restore'],
  ['restore-hooks', 'resources: [{postHooks: [{exec: {command: []}}]}]', 'restore'],
  ['dry-run', 'partly', 'restore'],
  ['max-archive-size', 'lots', 'restore'],
  ['restore-volumes', 'some', 'restore'],
  ['data-mover-image', 'Busy Box', 'restore'],
  ['keep-last', '-1', 'prune'],
  ['unfinished-grace', '1 day', 'prune'],
  ['velero-namespace', 'Velero', 'sync'],
  ['install-crds', 'please', 'sync'],
  ['verify-all', 'always', 'verify'],
  ['encryption-recipients', 'AGE-SECRET-KEY-1QQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQ', 'backup'],
  ['encryption-passphrase', 'too short', 'backup'],
  ['encryption-identity', 'age1qqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqq', 'restore'],
  ['verify-key', 'no-such-key.pem', 'restore'],
  ['wait-for-workloads', 'soon', 'restore'],
  ['workloads-timeout', '10 minutes', 'restore'],
  ['max-age', '26 hours', 'list'],
  ['to-location', 'ftp://host/dir', 'copy'],
  ['to-s3-endpoint', 'minio:9000', 'copy'],
  ['to-s3-region', 'us east 1', 'copy'],
  ['to-s3-force-path-style', 'perhaps', 'copy'],
  ['to-aws-profile', 'my profile', 'copy'],
  ['copy-all', 'everything', 'copy'],
  ['against-backup', 'Bad_Backup', 'diff'],
  ['fail-on-drift', 'maybe', 'diff'],
  ['verify-key', '-----BEGIN PRIVATE KEY-----\nMC4CAQAwBQYDK2VwBCIEINfbEaIkW9uOJxCuQok6ezn8ybo7DItFa3RZeBkvOPyQ\n-----END PRIVATE KEY-----\n', 'restore']
];
/** Switches take no value on the CLI (`--dry-run`): their wrong values exist only in the action, as do action-only inputs. */
const SWITCHES = new Set(ALL_INPUTS.filter((i) => i.flag || i.actionOnly).map((i) => i.name));

const env = testEnvironment();
const work = fs.mkdtempSync(path.join(os.tmpdir(), 'bad-inputs-'));
afterAll(() => fs.rmSync(work, { recursive: true, force: true }));

const COMMANDS: Record<Mode, string[]> = {
  backup: ['backup', 'create'],
  restore: ['restore', 'create', '--from-backup', 'some-backup'],
  prune: ['prune'],
  sync: ['sync'],
  verify: ['backup', 'verify', 'some-backup'],
  // The CLI lists with `backup get`; max-age, list's one input, is the action's alone.
  list: ['backup', 'get'],
  copy: ['backup', 'copy', 'some-backup'],
  diff: ['diff', 'some-backup']
};

/** Inputs the CLI spells its own way, as Velero does (`backup copy --to`, `diff --against`). */
const CLI_FLAGS: Record<string, string> = { 'to-location': '--to', 'against-backup': '--against' };

async function runCli(mode: Mode, input: string, value: string, location: string): Promise<unknown> {
  const io = { out: () => undefined, err: () => undefined, env: {}, cwd: work };
  // The names of what is created are the verbs' arguments, as in Velero (`backup create NAME`), not flags.
  const positional = input === 'backup-name' || input === 'restore-name';
  const flags = positional ? [value] : [CLI_FLAGS[input] ?? `--${input}`, value].filter((_, i) => !(SWITCHES.has(input) && i === 1));
  // A copy needs its destination; the table's own --to, when it is the input tried, comes last and wins.
  const destination = mode === 'copy' ? ['--to', path.join(work, `copy-${input}`)] : [];
  // A copy reads no cluster, so it takes no kubeconfig.
  const kubeconfig = mode === 'copy' ? [] : ['--kubeconfig', env.kubeconfig];
  const args = [...COMMANDS[mode], ...(positional ? flags : []), ...kubeconfig, '--location', location, ...destination, ...(positional ? [] : flags)];
  // --location given twice: the table's own value wins (commander keeps the last).
  return buildProgram(io)
    .parseAsync(args, { from: 'user' })
    .then(
      () => undefined,
      (err: unknown) => err
    );
}

/** What the action does with its inputs before connecting: the same parsers, errors in the input's own name. */
function parseAsAction(mode: Mode, inputs: Record<string, string>): void {
  const reader = mapReader({ location: path.join(work, 'action-location'), ...inputs });
  // verify reads the location only: the action looks for no kubeconfig then (action/main.ts).
  if (mode === 'verify') parseStoreSettings(reader, work);
  else parseConnectionSettings(reader, { workingDirectory: work, env: { KUBECONFIG: env.kubeconfig, exists: () => false } });
  parseLocationPolicy(reader);
  if (mode === 'backup') parseBackupRun(reader, undefined, new Date());
  if (mode === 'restore') parseRestoreSettings(mapReader({ 'from-backup': 'some-backup', ...inputs }));
  if (mode === 'prune') parsePruneSettings(reader);
  if (mode === 'sync') parseSyncSettings(reader);
  if (mode === 'verify') parseVerifySettings(mapReader({ 'from-backup': 'some-backup', ...inputs }));
  if (mode === 'list') parseListSettings(reader);
  if (mode === 'copy') parseCopySettings(mapReader({ 'from-backup': 'some-backup', 'to-location': path.join(work, 'copy-destination'), ...inputs }), work, parseStoreSettings(reader, work));
  if (mode === 'diff') parseDiffSettings(reader);
}

describe('every input a user can get wrong', () => {
  it('has a wrong value in this table', () => {
    expect(ALL_INPUTS.map((i) => i.name).filter((name) => !BAD.some(([input]) => input === name))).toEqual([]);
  });

  it.each(BAD.filter(([input]) => !SWITCHES.has(input)))('--%s %j fails on the CLI before anything is touched, naming the flag', async (input, value, mode) => {
    const location = path.join(work, `cli-${input}`);
    const err = await runCli(mode, input, value, input === 'location' ? value : location);
    expect(err).toBeInstanceOf(Error);
    expect((err as Error).message).toMatch(new RegExp(`^Input '${CLI_FLAGS[input] ?? `--${input}`}': `));
    expect(fs.existsSync(location)).toBe(false);
  });

  it.each(BAD.filter(([input]) => !['context', 'include-resources', 'exclude-resources'].includes(input)))(
    'input %s %j fails in the action before connecting, naming the input',
    (input, value, mode) => {
      expect(() => parseAsAction(mode, { [input]: value })).toThrow(new RegExp(`^Input '${input}': `));
    }
  );

  it('leaves the cluster untouched by a refused restore', async () => {
    const cluster = clusterFor(env.kubeconfig);
    try {
      const err = await runCli('restore', 'namespace-mappings', 'kube-system:bad_target', path.join(work, 'untouched'));
      expect((err as Error).message).toMatch(/^Input '--namespace-mappings': /);
      expect(await cluster.get(refs.namespaces, 'bad_target')).toBeUndefined();
    } finally {
      cluster.close();
    }
  });
});
