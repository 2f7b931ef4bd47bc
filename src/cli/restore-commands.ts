import os from 'node:os';
import type { Command } from 'commander';
import { restoreSummary } from '../report/restore-report.js';
import { runRestore } from '../restore/run.js';
import { parseLocationPolicy } from '../settings/backup-settings.js';
import { RESTORE_INPUTS } from '../settings/input-catalog.js';
import { parseRestoreSettings } from '../settings/restore-settings.js';
import { cliAction, withConnection, withConnectionFlags, withInputFlags, type CliIo } from './program-support.js';

/** `kube-backup restore create [NAME] --from-backup NAME`, Velero's verb. */
export function addRestoreCommands(program: Command, io: CliIo): void {
  const restore = program.command('restore').description('restore backups into a cluster');
  const create = withInputFlags(
    withConnectionFlags(restore.command('create').argument('[name]', 'restore name (default: <backup>-YYYYMMDDhhmmss)')),
    RESTORE_INPUTS.filter((i) => i.name !== 'restore-name')
  );
  create.description('restore a backup (or plan it with --dry-run)').action(
    cliAction(io, (name: string | undefined, options: Record<string, unknown>) =>
      withConnection(io, { ...options, restoreName: name }, ({ reader, logger, signal }) => {
        const location = parseLocationPolicy(reader);
        const settings = parseRestoreSettings(reader);
        return async ({ cluster, store }) => {
          const result = await runRestore({ cluster, store, logger, tempDirectory: os.tmpdir(), signal }, { settings, location });
          io.out(restoreSummary(result));
          return result.phase === 'Failed' || (result.phase === 'PartiallyFailed' && settings.failOnPartial) ? 1 : 0;
        };
      })
    )
  );
}
