import { Command } from 'commander';
import { connect } from '../engine/connect.js';
import { parseConnectionSettings } from '../settings/settings.js';
import { TOOL_VERSION } from '../util/version.js';
import { addBackupCommands } from './backup-commands.js';
import { addLifecycleCommands } from './lifecycle-commands.js';
import { addRestoreCommands } from './restore-commands.js';
import { CLI_KUBECONFIG_NAMES, flagReader, processContext, withConnectionFlags, type CliIo } from './program-support.js';

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
    .action(async (options: Record<string, string | undefined>) => {
      const settings = parseConnectionSettings(flagReader(options), processContext(io), options.kubeconfig);
      const ports = await connect(settings, CLI_KUBECONFIG_NAMES);
      try {
        const discovery = await ports.cluster.discover();
        io.out(`cluster:  ${ports.cluster.server} (Kubernetes ${ports.serverVersion}), ${discovery.resources.length} resource types`);
        for (const failure of discovery.failures) io.err(`warning: discovery of ${failure.groupVersion} failed: ${failure.message}`);
        io.out(`location: ${ports.store.url}`);
      } finally {
        ports.cluster.close?.();
      }
    });

  return program;
}
