import type { Command } from 'commander';
import { pruneSummary } from '../report/prune-report.js';
import { syncSummary } from '../report/sync-report.js';
import { markdownToText } from '../report/terminal-text.js';
import { runPrune } from '../prune/run-prune.js';
import { parseLocationPolicy } from '../settings/backup-settings.js';
import { LEASE_INPUTS, PRUNE_INPUTS, SYNC_INPUTS } from '../settings/input-catalog.js';
import { parsePruneSettings, parseSyncSettings } from '../settings/lifecycle-settings.js';
import { runSync } from '../sync/run-sync.js';
import { examples } from './help-text.js';
import { cliAction, withConnection, withConnectionFlags, withInputFlags, type CliIo } from './program-support.js';

/** `kube-backup prune` and `kube-backup sync`: the location's lifecycle, as the action's prune and sync modes. */
export function addLifecycleCommands(program: Command, io: CliIo): void {
  withInputFlags(withConnectionFlags(program.command('prune')), [...PRUNE_INPUTS, ...LEASE_INPUTS])
    .description('delete expired backups, the restores made from them and their Backup objects, and stale unfinished backup folders. Exits 0 when all went, 2 when some could not be deleted, 1 when none could or on bad input')
    .addHelpText('after', examples(['kube-backup prune --dry-run', 'kube-backup prune --keep-last 7 --velero-namespace velero']))
    .action(
      cliAction(io, (options: Record<string, unknown>) =>
        withConnection(io, options, ({ reader, logger, holder, signal }) => {
          const location = parseLocationPolicy(reader);
          const settings = parsePruneSettings(reader);
          return async ({ cluster, store }) => {
            const result = await runPrune({ cluster, store, logger, holder, signal }, { settings, location });
            io.out(markdownToText(pruneSummary(result)));
            if (!result.failures.length) return 0;
            // Velero's PartiallyFailed: some backups went, others stay for the next prune.
            return result.deleted.length ? 2 : 1;
          };
        })
      )
    );

  withInputFlags(withConnectionFlags(program.command('sync')), [...SYNC_INPUTS, ...LEASE_INPUTS])
    .description("create the cluster's Backup objects for the backups in the location, and delete those whose backup is gone. Exits 2 when some backups could not be synced")
    .addHelpText('after', examples(['kube-backup sync --install-crds', 'kube-backup sync --kubeconfig new-cluster.yaml --velero-namespace velero']))
    .action(
      cliAction(io, (options: Record<string, unknown>) =>
        withConnection(io, options, ({ reader, logger, holder, signal }) => {
          const location = parseLocationPolicy(reader);
          const settings = parseSyncSettings(reader);
          return async ({ cluster, store }) => {
            const result = await runSync({ cluster, store, logger, holder, signal }, { settings, location });
            io.out(markdownToText(syncSummary(result)));
            return result.skipped.length ? 2 : 0;
          };
        })
      )
    );
}
