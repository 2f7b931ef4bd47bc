import type { Command } from 'commander';
import { connect } from '../engine/connect.js';
import { restoreSummary } from '../report/restore-report.js';
import { runRestore } from '../restore/run.js';
import { parseLocationPolicy } from '../settings/backup-settings.js';
import { RESTORE_INPUTS } from '../settings/input-catalog.js';
import { parseRestoreSettings } from '../settings/restore-settings.js';
import { parseConnectionSettings } from '../settings/settings.js';
import { CLI_KUBECONFIG_NAMES, flagReader, processContext, withConnectionFlags, withInputFlags, type CliIo } from './program-support.js';
import { terminalLogger } from './terminal-logger.js';

/** `kube-backup restore create [NAME] --from-backup NAME`, Velero's verb. */
export function addRestoreCommands(program: Command, io: CliIo): void {
  const restore = program.command('restore').description('restore backups into a cluster');
  const create = withInputFlags(
    withConnectionFlags(restore.command('create').argument('[name]', 'restore name (default: <backup>-YYYYMMDDhhmmss)')),
    RESTORE_INPUTS.filter((i) => i.name !== 'restore-name')
  );
  create.description('restore a backup (or plan it with --dry-run)').action(async (name: string | undefined, options: Record<string, unknown>) => {
    const reader = flagReader({ ...options, restoreName: name });
    const connection = parseConnectionSettings(reader, processContext(io), options.kubeconfig as string | undefined);
    const location = parseLocationPolicy(reader);
    const settings = parseRestoreSettings(reader);
    const ports = await connect(connection, CLI_KUBECONFIG_NAMES);
    try {
      const result = await runRestore({ cluster: ports.cluster, store: ports.store, logger: terminalLogger(io) }, { settings, location });
      io.out(restoreSummary(result));
      if (result.phase === 'Failed' || (result.phase === 'PartiallyFailed' && settings.failOnPartial)) process.exitCode = 1;
    } finally {
      ports.cluster.close?.();
    }
  });
}
