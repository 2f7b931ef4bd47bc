import type { Command } from 'commander';
import { runBackup } from '../backup/run.js';
import { listStoredBackups, readStoredBackup } from '../persistence/stored-backups.js';
import { backupListTable, backupSummary } from '../report/backup-report.js';
import { skippedBackupSummary } from '../report/skipped-backup-report.js';
import { parseLocationPolicy } from '../settings/backup-settings.js';
import { parseBackupRun } from '../settings/backup-run.js';
import { BACKUP_INPUTS } from '../settings/input-catalog.js';
import { parseLocation } from '../settings/location.js';
import { parseS3Options } from '../settings/settings.js';
import { openObjectStore } from '../storage/open-store.js';
import { InputError } from '../util/errors.js';
import { cliAction, flagReader, withConnection, withConnectionFlags, withInputFlags, withLocationFlags, type CliIo } from './program-support.js';

/** `kube-backup backup create|get|describe`, Velero's verbs. */
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

  withLocationFlags(backup.command('describe').argument('<name>', 'backup name'))
    .description('show a backup: its request, status and counts')
    .action(
      cliAction(io, async (name: string, options: Record<string, unknown>) => {
        const store = storeFromFlags(io, options);
        const stored = await readStoredBackup(store, name);
        if (stored.state === 'unfinished') throw new InputError('name', `backup '${name}' is not in ${store.url} (or is unfinished)`, "List backups with 'kube-backup backup get'");
        if (stored.state === 'corrupt') throw new Error(`backup '${name}': ${stored.problem}`);
        io.out(JSON.stringify({ metadata: stored.backup.metadata, spec: stored.backup.spec, status: stored.backup.status }, null, 2));
      })
    );
}

function storeFromFlags(io: CliIo, options: Record<string, unknown>) {
  const reader = flagReader(options);
  return openObjectStore(parseLocation(reader.get('location'), io.cwd), parseS3Options(reader));
}
