import { Command, Option } from 'commander';
import { accessReportLines, checkAccess } from '../engine/check-access.js';
import { ACCESS_MODES, type AccessMode } from '../engine/required-access.js';
import { TOOL_VERSION } from '../util/version.js';
import { addBackupCommands } from './backup-commands.js';
import { addClientCommands } from './client-commands.js';
import { applyFlagDefaults } from './flag-defaults.js';
import { PROGRAM_HELP } from './help-text.js';
import { addDeleteCommands } from './delete-commands.js';
import { addDiffCommand } from './diff-command.js';
import { addLifecycleCommands } from './lifecycle-commands.js';
import { addRestoreCommands } from './restore-commands.js';
import { cliAction, withConnection, withConnectionFlags, type CliIo } from './program-support.js';

export type { CliIo } from './program-support.js';

export function buildProgram(io: CliIo): Command {
  const program = new Command('kube-backup')
    .description('Velero-compatible backup and restore of Kubernetes clusters')
    .version(TOOL_VERSION)
    .configureOutput({ writeOut: (s) => io.out(s.trimEnd()), writeErr: (s) => io.err(s.trimEnd()) })
    .exitOverride()
    .addHelpText('after', PROGRAM_HELP)
    // Before any command runs: flags not typed take their KUBE_BACKUP_* variable, then the config file.
    .hook('preAction', (_program, command) => applyFlagDefaults(command, io.env));

  addBackupCommands(program, io);
  addRestoreCommands(program, io);
  addDiffCommand(program, io);
  addDeleteCommands(program, io);
  addLifecycleCommands(program, io);
  addClientCommands(program, io);

  withConnectionFlags(program.command('check'))
    .description('check that the cluster and the backup location are reachable, and that the credentials hold the permissions the mode needs (exit 1 when any is missing)')
    .addOption(new Option('--mode <mode>', 'the mode whose permissions to test').choices(ACCESS_MODES).default('backup'))
    .addOption(new Option('--include-namespaces <names>', 'test only what a run limited to these namespaces (comma-separated names) needs'))
    .action(
      cliAction(io, (options: Record<string, unknown>) =>
        withConnection(io, options, () => async ({ cluster, store, serverVersion }) => {
          const discovery = await cluster.discover();
          io.out(`cluster:  ${cluster.server} (Kubernetes ${serverVersion}), ${discovery.resources.length} resource types`);
          for (const failure of discovery.failures) io.err(`warning: discovery of ${failure.groupVersion} failed: ${failure.message}`);
          io.out(`location: ${store.url}`);
          const mode = options.mode as AccessMode;
          const namespaces = String(options.includeNamespaces ?? '').split(',').map((n) => n.trim()).filter(Boolean);
          const report = await checkAccess(cluster, mode, namespaces);
          const lines = accessReportLines(report, mode);
          lines.out.forEach((l) => io.out(l));
          lines.err.forEach((l) => io.err(l));
          return report.missing.length ? 1 : 0;
        })
      )
    );

  return program;
}
