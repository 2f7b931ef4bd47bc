import fs from 'node:fs';
import path from 'node:path';
import type { Command } from 'commander';
import { readBackupManifest } from '../integrity/stored-manifest.js';
import { signatureText } from '../integrity/backup-signature.js';
import { parseLabelSelector, matchesLabelSelector } from '../kube/label-selector.js';
import type { KubeObject } from '../model/kube-object.js';
import { listBackups } from '../list/run-list.js';
import { BackupDecryption } from '../persistence/backup-encryption.js';
import { noSuchBackup } from '../persistence/choose-backup.js';
import { listStoredBackups, readStoredBackup, type StoredBackup } from '../persistence/stored-backups.js';
import { backupListTable } from '../report/backup-report.js';
import { describeBackupText, type DescribeDetails } from '../report/describe-text.js';
import { verificationLine } from '../report/verify-report.js';
import { parseDecryptionKeys } from '../settings/encryption-settings.js';
import { DECRYPTION_INPUTS, VERIFY_KEY_INPUT } from '../settings/input-catalog.js';
import { parseStoreSettings } from '../settings/settings.js';
import { readVerifyKeys } from '../settings/signature-keys.js';
import { backupKeys, RESOURCE_NAME, type BackupFileKind } from '../storage/layout.js';
import type { ObjectStore } from '../storage/object-store.js';
import { openObjectStore } from '../storage/open-store.js';
import { InputError } from '../util/errors.js';
import type { ResultBucket } from '../util/run-results.js';
import { verifyBackup } from '../verify/verify-backup.js';
import { examples } from './help-text.js';
import { listOf, outputFormatOf, structuredText, withOutputFlag } from './output-format.js';
import { cliAction, flagReader, withInputFlags, withLocationFlags, type CliIo } from './program-support.js';
import { downloadChecked, forEachGzipLine, readGzipJson } from './stored-files.js';

/** `backup get|describe|logs|download`: Velero's read verbs, needing the location only (no cluster). */
export function addBackupReadCommands(backup: Command, io: CliIo): void {
  withOutputFlag(withLocationFlags(backup.command('get').argument('[names...]', 'only these backups')))
    .option('-l, --selector <selector>', "only backups whose labels match (kubectl syntax: 'velero.io/schedule-name=nightly')")
    .description('list the backups in the location')
    .addHelpText('after', examples(['kube-backup backup get', 'kube-backup backup get -l velero.io/schedule-name=nightly', 'kube-backup backup get nightly-20260101020000 -o yaml']))
    .action(
      cliAction(io, async (names: string[], options: Record<string, unknown>) => {
        const selector = typeof options.selector === 'string' ? parseLabelSelector(options.selector, 'selector') : undefined;
        const format = outputFormatOf(options);
        const store = storeFromFlags(io, options);
        // The Backup objects are read only when they are printed or a selector needs their labels.
        let matched: StoredBackup[] | undefined;
        if (format !== 'table' || selector) {
          matched = [];
          const source = names.length ? readEach(store, names) : listStoredBackups(store);
          for await (const stored of source) {
            if (!selector || (stored.state === 'complete' && matchesLabelSelector(selector, stored.backup.metadata.labels))) matched.push(stored);
          }
        }
        if (format === 'table') {
          const shown = matched ? new Set(matched.map((b) => b.name)) : names.length ? new Set(names) : undefined;
          const rows = (await listBackups(store, io.signal)).filter((b) => !shown || shown.has(b.name));
          io.out(rows.length ? backupListTable(rows, new Date()) : `No backups found in ${store.url}${selector ? ` matching '${String(options.selector)}'` : ''}.`);
          return;
        }
        for (const stored of matched!) if (stored.state !== 'complete') io.err(`warning: backup '${stored.name}' is ${stored.state === 'unfinished' ? 'not there, or unfinished (no velero-backup.json)' : `corrupt: ${stored.problem}`}; not listed`);
        const objects = matched!.flatMap((stored) => (stored.state === 'complete' ? [stored.backup] : []));
        io.out(structuredText(names.length === 1 && objects.length === 1 ? objects[0] : listOf(objects), format));
      })
    );

  withOutputFlag(withInputFlags(withLocationFlags(backup.command('describe').argument('<name>', 'backup name (required)')), [VERIFY_KEY_INPUT, ...DECRYPTION_INPUTS]))
    .option('--details', 'also list every object in the backup, and each error and warning')
    .description('show a backup: its request, status and counts, and its verification (every file read and checked, as backup verify does)')
    .addHelpText('after', examples(['kube-backup backup describe nightly-1', 'kube-backup backup describe nightly-1 --details', 'kube-backup backup describe nightly-1 -o json --encryption-identity ~/.age/key.txt']))
    .action(
      cliAction(io, async (name: string, options: Record<string, unknown>) => {
        const flags = flagReader(options, io.cwd);
        const verifyKeys = readVerifyKeys(flags);
        const keys = parseDecryptionKeys(flags);
        const store = storeFromFlags(io, options);
        const backup = await completeBackup(store, name);
        // The real check, not just whether a manifest exists: a manifest says nothing about the files it lists.
        const verification = await verifyBackup(store, name, { signal: io.signal, verifyKeys, decryption: keys });
        const details = options.details === true ? await readDetails(store, name, BackupDecryption.for(backup, name, keys, 'hashes-only')) : undefined;
        const format = outputFormatOf(options);
        if (format === 'table') {
          io.out(describeBackupText(backup, { verification: verificationLine(verification), details }));
          return;
        }
        const { signature } = verification;
        // Said only of a signed backup (or one a verify-key required to be): unsigned is what most are.
        const signed = signature && signature.state !== 'unsigned' ? { signature: signatureText(signature) } : {};
        const detailFields = details ? { resourceList: details.resourceList, results: details.results, ...(details.unavailable ? { detailsUnavailable: details.unavailable } : {}) } : {};
        io.out(structuredText({ ...backup, verification: { state: verification.state, problems: verification.problems, ...signed }, ...detailFields }, format));
      })
    );

  withInputFlags(withLocationFlags(backup.command('logs').argument('<name>', 'backup name (required)')), DECRYPTION_INPUTS)
    .description("print a backup's log, as the run wrote it (decrypted with --encryption-identity when the backup is encrypted)")
    .addHelpText('after', examples(['kube-backup backup logs nightly-1', 'kube-backup backup logs nightly-1 | grep level=error']))
    .action(
      cliAction(io, async (name: string, options: Record<string, unknown>) => {
        const store = storeFromFlags(io, options);
        const backup = await completeBackup(store, name);
        const decryption = BackupDecryption.for(backup, name, parseDecryptionKeys(flagReader(options, io.cwd)));
        const key = backupKeys(name).logs;
        await forEachGzipLine(await store.get(key), decryption.stage('logs', key), io.out);
      })
    );

  withInputFlags(withLocationFlags(backup.command('download').argument('<name>', 'backup name (required)')), DECRYPTION_INPUTS)
    .option('-o, --output <file>', 'where to write the tarball (default: <name>-data.tar.gz in the working directory)')
    .option('--force', 'replace the file when it exists')
    .description("download a backup's contents tarball (every object, as JSON files), as velero backup download does: streamed, checked against the checksum manifest, decrypted when the backup is encrypted")
    .addHelpText('after', examples(['kube-backup backup download nightly-1', 'kube-backup backup download nightly-1 -o /tmp/nightly.tar.gz --encryption-identity ~/.age/key.txt', 'tar -tzf nightly-1-data.tar.gz | head']))
    .action(
      cliAction(io, async (name: string, options: Record<string, unknown>) => {
        const target = path.resolve(io.cwd, typeof options.output === 'string' ? options.output : `${name}-data.tar.gz`);
        if (fs.existsSync(target) && options.force !== true) throw new InputError('output', `'${target}' exists`, 'Pass --force to replace it, or another file with -o');
        const store = storeFromFlags(io, options);
        const backup = await completeBackup(store, name);
        const decryption = BackupDecryption.for(backup, name, parseDecryptionKeys(flagReader(options, io.cwd)));
        const manifest = await readBackupManifest(store, name, backup);
        const key = backupKeys(name).tarball;
        const { bytes } = await downloadChecked(await store.get(key), decryption.stage('tarball', key), target, manifest?.entry(key));
        io.out(`Backup ${name} downloaded to ${target} (${bytes} bytes${manifest ? ', checked against its checksum manifest' : ''}${decryption.isEncrypted ? ', decrypted' : ''}).`);
      })
    );
}

/** The Backup of a complete backup; an input error naming the argument when there is none. */
async function completeBackup(store: ObjectStore, name: string): Promise<KubeObject> {
  if (!RESOURCE_NAME.test(name)) throw new InputError('name', `'${name}' is not a backup name`, 'Backup names are lower-case letters, digits, - and .');
  const stored = await readStoredBackup(store, name);
  if (stored.state === 'unfinished') throw await noSuchBackup(store, name, 'name');
  if (stored.state === 'corrupt') throw new Error(`backup '${name}': ${stored.problem}`);
  return stored.backup;
}

/** The resource list and results for --details; an encrypted backup without its key says so instead. */
async function readDetails(store: ObjectStore, name: string, decryption: BackupDecryption): Promise<DescribeDetails> {
  const keys = backupKeys(name);
  const read = async (kind: BackupFileKind, key: string) => {
    if ((await store.head(key)) === undefined) return undefined;
    return readGzipJson(await store.get(key), decryption.stage(kind, key));
  };
  if (decryption.unreadable('resourceList')) return { unavailable: 'encrypted: pass --encryption-identity (or --encryption-passphrase) to list its contents' };
  return {
    resourceList: (await read('resourceList', keys.resourceList)) as Record<string, string[]> | undefined,
    results: (await read('results', keys.results)) as { errors?: ResultBucket; warnings?: ResultBucket } | undefined
  };
}

async function* readEach(store: ObjectStore, names: string[]): AsyncIterable<StoredBackup> {
  for (const name of new Set(names)) yield await readStoredBackup(store, name);
}

export function storeFromFlags(io: CliIo, options: Record<string, unknown>): ObjectStore {
  const { location, s3 } = parseStoreSettings(flagReader(options, io.cwd), io.cwd);
  return openObjectStore(location, s3);
}
