import os from 'node:os';
import type { Command } from 'commander';
import { restoreSummary } from '../report/restore-report.js';
import { markdownToText } from '../report/terminal-text.js';
import { runRestore } from '../restore/run.js';
import { parseLocationPolicy } from '../settings/backup-settings.js';
import { RESTORE_INPUTS } from '../settings/input-catalog.js';
import { parseRestoreSettings } from '../settings/restore-settings.js';
import { examples } from './help-text.js';
import { cliAction, exitStatusOf, withConnection, withConnectionFlags, withInputFlags, type CliIo } from './program-support.js';
import { addRestoreReadCommands } from './restore-read-commands.js';

/** `kube-backup restore create|get|describe|logs`, Velero's verbs. */
export function addRestoreCommands(program: Command, io: CliIo): Command {
  const restore = program.command('restore').description('restore backups into a cluster, and inspect the restores recorded in the location');
  const create = withInputFlags(
    withConnectionFlags(restore.command('create').argument('[name]', 'restore name (default: <backup>-YYYYMMDDhhmmss)')),
    RESTORE_INPUTS.filter((i) => i.name !== 'restore-name')
  );
  create
    .description('restore a backup (or plan it with --dry-run). Needs --from-backup or --from-schedule. Exits 0 Completed, 2 PartiallyFailed (1 with --fail-on-partial), 1 Failed or bad input')
    .addHelpText(
      'after',
      examples([
        'kube-backup restore create --from-backup nightly-1',
        'kube-backup restore create --from-backup latest --namespace-mappings shop:shop-dev --dry-run',
        'kube-backup restore create shop-copy --from-schedule nightly --include-namespaces shop --existing-resource-policy update --verbose'
      ])
    )
    .action(
      cliAction(io, (name: string | undefined, options: Record<string, unknown>) =>
        withConnection(
          io,
          { ...options, restoreName: name },
          ({ reader, logger, signal, finishProgress }) => {
            const location = parseLocationPolicy(reader);
            const settings = parseRestoreSettings(reader);
            return async ({ cluster, store }) => {
              const result = await runRestore({ cluster, store, logger, tempDirectory: os.tmpdir(), signal }, { settings, location });
              finishProgress();
              io.out(markdownToText(restoreSummary(result)));
              return exitStatusOf(result.phase, settings.failOnPartial);
            };
          },
          { progressBar: true }
        )
      )
    );
  addRestoreReadCommands(restore, io);
  return restore;
}
