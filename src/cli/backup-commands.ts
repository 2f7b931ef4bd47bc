import type { Command } from 'commander';
import { runBackup } from '../backup/run.js';
import { backupSummary } from '../report/backup-report.js';
import { skippedBackupSummary } from '../report/skipped-backup-report.js';
import { markdownToText } from '../report/terminal-text.js';
import { parseLocationPolicy } from '../settings/backup-settings.js';
import { parseBackupRun } from '../settings/backup-run.js';
import { BACKUP_INPUTS, DECRYPTION_INPUTS, VERIFY_KEY_INPUT } from '../settings/input-catalog.js';
import { parseStoreSettings } from '../settings/settings.js';
import { parseVerifySettings } from '../settings/verify-settings.js';
import { mapReader } from '../settings/input-reader.js';
import { openStore } from '../engine/connect.js';
import { verifyText } from '../report/verify-report.js';
import { runVerify } from '../verify/run-verify.js';
import { InputError } from '../util/errors.js';
import { addBackupReadCommands } from './backup-read-commands.js';
import { addCopyCommand } from './copy-command.js';
import { examples } from './help-text.js';
import { cliAction, exitStatusOf, flagLabel, flagReader, withConnection, withConnectionFlags, withInputFlags, withLocationFlags, withVerbosityFlags, type CliIo } from './program-support.js';
import { terminalLogger, verbosityOf } from './terminal-logger.js';

/** `kube-backup backup create|get|describe|logs|download|verify`: Velero's verbs, and verify. */
export function addBackupCommands(program: Command, io: CliIo): Command {
  // Made with program.command() so they inherit its output and exit handling.
  const backup = program.command('backup').description('create and inspect backups');

  const create = withInputFlags(
    withConnectionFlags(backup.command('create').argument('[name]', 'backup name (default: generated from the time)')),
    BACKUP_INPUTS.filter((i) => i.name !== 'backup-name')
  );
  create
    .description('back up the cluster to the location. Exits 0 Completed, 2 PartiallyFailed (1 with --fail-on-partial), 1 Failed or bad input')
    .addHelpText(
      'after',
      examples([
        'kube-backup backup create nightly-1 --include-namespaces shop',
        'kube-backup backup create --location s3://acme-backups/prod --s3-endpoint https://minio.example:9000 --s3-ca-cert ca.pem',
        'kube-backup backup create --selector app=shop --ttl 168h0m0s --quiet'
      ])
    )
    .action(
      cliAction(io, (name: string | undefined, options: Record<string, unknown>) =>
        withConnection(
          io,
          { ...options, backupName: name },
          ({ reader, logger, holder, signal, finishProgress }) => {
            const location = parseLocationPolicy(reader);
            const { settings, lease, slot } = parseBackupRun(reader, undefined, new Date());
            return async ({ cluster, store }) => {
              const result = await runBackup({ cluster, store, logger, holder, lease, signal }, { settings, location, slot });
              finishProgress();
              io.out(markdownToText(result.skipped ? skippedBackupSummary(result, slot) : backupSummary(result)));
              return result.skipped ? 0 : exitStatusOf(result.phase, settings.failOnPartial);
            };
          },
          { progressBar: true }
        )
      )
    );

  addBackupReadCommands(backup, io);
  addCopyCommand(backup, io);

  withVerbosityFlags(withInputFlags(withLocationFlags(backup.command('verify').argument('[name]', "backup name, or 'latest' for the newest Completed one")), [VERIFY_KEY_INPUT, ...DECRYPTION_INPUTS]))
    .option('--all', 'verify every complete backup in the location')
    .description('check backups: every file against the checksum manifest, the tarball and its items readable; exits 1 when one fails. Needs no cluster')
    .addHelpText('after', examples(['kube-backup backup verify latest', 'kube-backup backup verify --all --verify-key signing.pub']))
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
        const result = await runVerify({ store, logger: terminalLogger(io, verbosityOf(options)), signal: io.signal }, settings);
        io.out(verifyText(result));
        return result.failed ? 1 : 0;
      })
    );
  return backup;
}
