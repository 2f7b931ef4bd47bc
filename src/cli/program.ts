import { Command } from 'commander';
import { TOOL_VERSION } from '../util/version.js';
import { addBackupCommands } from './backup-commands.js';
import { addLifecycleCommands } from './lifecycle-commands.js';
import { addRestoreCommands } from './restore-commands.js';
import { cliAction, withConnection, withConnectionFlags, type CliIo } from './program-support.js';

export type { CliIo } from './program-support.js';

export function buildProgram(io: CliIo): Command {
  const program = new Command('kube-backup')
    .description('Velero-compatible backup and restore of Kubernetes clusters')
    .version(TOOL_VERSION)
    .configureOutput({ writeOut: (s) => io.out(s.trimEnd()), writeErr: (s) => io.err(s.trimEnd()) })
    .exitOverride();

  addBackupCommands(program, io);
  addRestoreCommands(program, io);
  addLifecycleCommands(program, io);

  withConnectionFlags(program.command('check'))
    .description('check that the cluster and the backup location are reachable with the given credentials')
    .action(
      cliAction(io, (options: Record<string, unknown>) =>
        withConnection(io, options, () => async ({ cluster, store, serverVersion }) => {
          const discovery = await cluster.discover();
          io.out(`cluster:  ${cluster.server} (Kubernetes ${serverVersion}), ${discovery.resources.length} resource types`);
          for (const failure of discovery.failures) io.err(`warning: discovery of ${failure.groupVersion} failed: ${failure.message}`);
          io.out(`location: ${store.url}`);
        })
      )
    );

  return program;
}
