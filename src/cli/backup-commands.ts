import type { Command } from 'commander';
import { runBackup } from '../backup/run.js';
import { connect } from '../engine/connect.js';
import { openObjectStore } from '../storage/open-store.js';
import { backupSummary } from '../report/backup-report.js';
import { parseLocationPolicy } from '../settings/backup-settings.js';
import { parseBackupRun } from '../settings/backup-run.js';
import { skippedBackupSummary } from '../report/skipped-backup-report.js';
import { BACKUP_INPUTS } from '../settings/input-catalog.js';
import { parseConnectionSettings, parseS3Options } from '../settings/settings.js';
import { parseLocation } from '../settings/location.js';
import { listStoredBackups, readStoredBackup, statusOf } from '../persistence/stored-backups.js';
import { InputError } from '../util/errors.js';
import { CLI_KUBECONFIG_NAMES, flagReader, processContext, withConnectionFlags, withInputFlags, withLocationFlags, type CliIo } from './program-support.js';
import { terminalLogger } from './terminal-logger.js';

/** `kube-backup backup create|get|describe`, Velero's verbs. */
export function addBackupCommands(program: Command, io: CliIo): void {
  // Made with program.command() so they inherit its output and exit handling.
  const backup = program.command('backup').description('create and inspect backups');

  const create = withInputFlags(
    withConnectionFlags(backup.command('create').argument('[name]', 'backup name (default: generated from the time)')),
    BACKUP_INPUTS.filter((i) => i.name !== 'backup-name')
  );
  create.description('back up the cluster to the location').action(async (name: string | undefined, options: Record<string, unknown>) => {
    const reader = flagReader({ ...options, backupName: name });
    const connection = parseConnectionSettings(reader, processContext(io), options.kubeconfig as string | undefined);
    const location = parseLocationPolicy(reader);
    const { settings, lease, slot } = parseBackupRun(reader, undefined, new Date());
    const ports = await connect(connection, CLI_KUBECONFIG_NAMES);
    try {
      const result = await runBackup({ cluster: ports.cluster, store: ports.store, logger: terminalLogger(io), lease }, { settings, location, slot });
      io.out(result.skipped ? skippedBackupSummary(result, slot) : backupSummary(result));
      if (result.phase === 'Failed' || (result.phase === 'PartiallyFailed' && settings.failOnPartial)) process.exitCode = 1;
    } finally {
      ports.cluster.close?.();
    }
  });

  withLocationFlags(backup.command('get'))
    .description('list the backups in the location')
    .action(async (options: Record<string, unknown>) => {
      const store = storeFromFlags(io, options);
      const rows: string[][] = [['NAME', 'STATUS', 'ERRORS', 'WARNINGS', 'CREATED', 'EXPIRES']];
      for await (const stored of listStoredBackups(store)) {
        if (stored.state !== 'complete') {
          rows.push([stored.name, stored.state === 'unfinished' ? 'Unfinished' : 'Corrupt', '', '', '', '']);
          continue;
        }
        const status = statusOf(stored.backup);
        rows.push([stored.name, status.phase ?? '', String(status.errors ?? 0), String(status.warnings ?? 0), status.startTimestamp ?? '', status.expiration ?? '']);
      }
      io.out(columns(rows));
    });

  withLocationFlags(backup.command('describe').argument('<name>', 'backup name'))
    .description('show a backup: its request, status and counts')
    .action(async (name: string, options: Record<string, unknown>) => {
      const store = storeFromFlags(io, options);
      const stored = await readStoredBackup(store, name);
      if (stored.state === 'unfinished') throw new InputError('name', `backup '${name}' is not in ${store.url} (or is unfinished)`, "List backups with 'kube-backup backup get'");
      if (stored.state === 'corrupt') throw new Error(`backup '${name}': ${stored.problem}`);
      io.out(JSON.stringify({ metadata: stored.backup.metadata, spec: stored.backup.spec, status: stored.backup.status }, null, 2));
    });
}

function storeFromFlags(io: CliIo, options: Record<string, unknown>) {
  const reader = flagReader(options);
  return openObjectStore(parseLocation(reader.get('location'), io.cwd, '--location'), parseS3Options(reader));
}

function columns(rows: string[][]): string {
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length)));
  return rows.map((r) => r.map((cell, i) => cell.padEnd(widths[i]!)).join('   ').trimEnd()).join('\n');
}
