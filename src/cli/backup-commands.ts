import type { Command } from 'commander';
import { runBackup } from '../backup/run.js';
import { listStoredBackups, readStoredBackup } from '../persistence/stored-backups.js';
import { backupListTable, backupSummary } from '../report/backup-report.js';
import { skippedBackupSummary } from '../report/skipped-backup-report.js';
import { parseLocationPolicy } from '../settings/backup-settings.js';
import { parseBackupRun } from '../settings/backup-run.js';
import { BACKUP_INPUTS, DECRYPTION_INPUTS, VERIFY_KEY_INPUT } from '../settings/input-catalog.js';
import { parseDecryptionKeys } from '../settings/encryption-settings.js';
import { readVerifyKeys } from '../settings/signature-keys.js';
import { parseStoreSettings } from '../settings/settings.js';
import { parseVerifySettings } from '../settings/verify-settings.js';
import { mapReader } from '../settings/input-reader.js';
import { openStore } from '../engine/connect.js';
import { openObjectStore } from '../storage/open-store.js';
import { verificationLine, verifyText } from '../report/verify-report.js';
import { signatureText } from '../integrity/backup-signature.js';
import { runVerify } from '../verify/run-verify.js';
import { verifyBackup } from '../verify/verify-backup.js';
import { InputError } from '../util/errors.js';
import { cliAction, flagLabel, flagReader, withConnection, withConnectionFlags, withInputFlags, withLocationFlags, type CliIo } from './program-support.js';
import { terminalLogger } from './terminal-logger.js';

/** `kube-backup backup create|get|describe|verify`: Velero's verbs, and verify. */
export function addBackupCommands(program: Command, io: CliIo): void {
  // Made with program.command() so they inherit its output and exit handling.
  const backup = program.command('backup').description('create and inspect backups');

  const create = withInputFlags(
    withConnectionFlags(backup.command('create').argument('[name]', 'backup name (default: generated from the time)')),
    BACKUP_INPUTS.filter((i) => i.name !== 'backup-name')
  );
  create.description('back up the cluster to the location').action(
    cliAction(io, (name: string | undefined, options: Record<string, unknown>) =>
      withConnection(io, { ...options, backupName: name }, ({ reader, logger, holder, signal }) => {
        const location = parseLocationPolicy(reader);
        const { settings, lease, slot } = parseBackupRun(reader, undefined, new Date());
        return async ({ cluster, store }) => {
          const result = await runBackup({ cluster, store, logger, holder, lease, signal }, { settings, location, slot });
          io.out(result.skipped ? skippedBackupSummary(result, slot) : backupSummary(result));
          return result.phase === 'Failed' || (result.phase === 'PartiallyFailed' && settings.failOnPartial) ? 1 : 0;
        };
      })
    )
  );

  withLocationFlags(backup.command('get'))
    .description('list the backups in the location')
    .action(
      cliAction(io, async (options: Record<string, unknown>) => {
        const store = storeFromFlags(io, options);
        const backups = [];
        for await (const stored of listStoredBackups(store)) backups.push(stored);
        io.out(backupListTable(backups));
      })
    );

  withInputFlags(withLocationFlags(backup.command('describe').argument('<name>', 'backup name')), [VERIFY_KEY_INPUT, ...DECRYPTION_INPUTS])
    .description('show a backup: its request, status and counts, and its verification (every file read and checked, as backup verify does)')
    .action(
      cliAction(io, async (name: string, options: Record<string, unknown>) => {
        const flags = flagReader(options, io.cwd);
        const verifyKeys = readVerifyKeys(flags);
        const store = storeFromFlags(io, options);
        const stored = await readStoredBackup(store, name);
        if (stored.state === 'unfinished') throw new InputError('name', `backup '${name}' is not in ${store.url} (or is unfinished)`, "List backups with 'kube-backup backup get'");
        if (stored.state === 'corrupt') throw new Error(`backup '${name}': ${stored.problem}`);
        // The real check, not just whether a manifest exists: a manifest says nothing about the files it lists.
        const verification = await verifyBackup(store, name, { signal: io.signal, verifyKeys, decryption: parseDecryptionKeys(flags) });
        const { signature } = verification;
        // Said only of a signed backup (or one a verify-key required to be): unsigned is what most are.
        const signed = signature && signature.state !== 'unsigned' ? { signature: signatureText(signature) } : {};
        io.out(JSON.stringify({ metadata: stored.backup.metadata, spec: stored.backup.spec, status: stored.backup.status, verification: { state: verification.state, problems: verification.problems, ...signed } }, null, 2));
        io.err(`verification: ${verificationLine(verification)}`);
      })
    );

  withInputFlags(withLocationFlags(backup.command('verify').argument('[name]', "backup name, or 'latest' for the newest Completed one")), [VERIFY_KEY_INPUT, ...DECRYPTION_INPUTS])
    .option('--all', 'verify every complete backup in the location')
    .description('check backups: every file against the checksum manifest, the tarball and its items readable; exits 1 when one fails. Needs no cluster')
    .action(
      cliAction(io, async (name: string | undefined, options: Record<string, unknown>) => {
        let settings;
        let flags;
        try {
          flags = flagReader(options, io.cwd);
          const keys = Object.fromEntries(['verify-key', ...DECRYPTION_INPUTS.map((i) => i.name)].map((input) => [input, flags!.get(input)]));
          settings = parseVerifySettings(mapReader({ 'from-backup': name, 'verify-all': options.all === true ? 'true' : undefined, ...keys }));
        } catch (err) {
          // The name is the verb's argument and --all its own switch here, not the action's inputs.
          throw err instanceof InputError ? err.relabel((input) => (input === 'from-backup' ? 'name' : input === 'verify-all' ? '--all' : flagLabel(input))) : err;
        }
        const store = await openStore(parseStoreSettings(flags, io.cwd));
        const result = await runVerify({ store, logger: terminalLogger(io), signal: io.signal }, settings);
        io.out(verifyText(result));
        return result.failed ? 1 : 0;
      })
    );
}

function storeFromFlags(io: CliIo, options: Record<string, unknown>) {
  const { location, s3 } = parseStoreSettings(flagReader(options, io.cwd), io.cwd);
  return openObjectStore(location, s3);
}
