import type { Command } from 'commander';
import { connect } from '../engine/connect.js';
import { pruneSummary } from '../report/prune-report.js';
import { runPrune } from '../prune/run-prune.js';
import { parseLocationPolicy } from '../settings/backup-settings.js';
import { LEASE_INPUTS, parsePruneSettings, parseSyncSettings, PRUNE_INPUTS, SYNC_INPUTS } from '../settings/lifecycle-settings.js';
import { parseConnectionSettings } from '../settings/settings.js';
import { runSync } from '../sync/run-sync.js';
import { syncSummary } from '../report/sync-report.js';
import { CLI_KUBECONFIG_NAMES, flagReader, processContext, withConnectionFlags, withInputFlags, type CliIo } from './program-support.js';
import { terminalLogger } from './terminal-logger.js';

/** `kube-backup prune` and `kube-backup sync`: the location's lifecycle, as the action's prune and sync modes. */
export function addLifecycleCommands(program: Command, io: CliIo): void {
  withInputFlags(withConnectionFlags(program.command('prune')), [...PRUNE_INPUTS, ...LEASE_INPUTS])
    .description('delete expired backups, the restores made from them and their Backup objects, and stale unfinished backup folders')
    .action(async (options: Record<string, unknown>) => {
      const { reader, connection } = connectionFlags(io, options);
      const location = parseLocationPolicy(reader);
      const settings = parsePruneSettings(reader);
      const ports = await connect(connection, CLI_KUBECONFIG_NAMES);
      try {
        const result = await runPrune({ cluster: ports.cluster, store: ports.store, logger: terminalLogger(io) }, { settings, location });
        io.out(pruneSummary(result));
        if (result.failures.length) process.exitCode = 1;
      } finally {
        ports.cluster.close?.();
      }
    });

  withInputFlags(withConnectionFlags(program.command('sync')), [...SYNC_INPUTS, ...LEASE_INPUTS])
    .description("create the cluster's Backup objects for the backups in the location, and delete those whose backup is gone")
    .action(async (options: Record<string, unknown>) => {
      const { reader, connection } = connectionFlags(io, options);
      const location = parseLocationPolicy(reader);
      const settings = parseSyncSettings(reader);
      const ports = await connect(connection, CLI_KUBECONFIG_NAMES);
      try {
        const result = await runSync({ cluster: ports.cluster, store: ports.store, logger: terminalLogger(io) }, { settings, location });
        io.out(syncSummary(result));
      } finally {
        ports.cluster.close?.();
      }
    });
}

/** The flags as inputs, and the connection (`--kubeconfig` is a path, passed as such). */
function connectionFlags(io: CliIo, options: Record<string, unknown>) {
  const reader = flagReader(options);
  return { reader, connection: parseConnectionSettings(reader, processContext(io), options.kubeconfig as string | undefined) };
}

