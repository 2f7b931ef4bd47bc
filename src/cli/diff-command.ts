import os from 'node:os';
import type { Command } from 'commander';
import { runDrift } from '../engine/drift.js';
import { driftText } from '../report/diff-report.js';
import { DIFF_INPUTS } from '../settings/input-catalog.js';
import { parseDiffSettings } from '../settings/diff-settings.js';
import { InputError } from '../util/errors.js';
import { cliAction, flagLabel, withConnection, withConnectionFlags, withInputFlags, type CliIo } from './program-support.js';

const CLI_LABELS: Record<string, string> = { 'from-backup': 'backup', 'against-backup': '--against' };

/** The exit status of a drift found with --fail-on-drift: not 1, so a script tells drift from a failed run. */
export const DRIFT_EXIT_CODE = 2;

/** `kube-backup diff [backup] [--against other]`: what changed in the cluster since a backup, or between two. */
export function addDiffCommand(program: Command, io: CliIo): void {
  const command = withInputFlags(
    withConnectionFlags(program.command('diff').argument('[backup]', "the backup to compare (default: 'latest', the newest Completed one)")),
    DIFF_INPUTS.filter((i) => i.name !== 'from-backup' && i.name !== 'against-backup')
  );
  command
    .option('--against <backup>', "compare with this backup (a name or 'latest') instead of the live cluster")
    .description(
      'what was added, removed or changed in the cluster since a backup (or between two backups), compared as a restore would compare: ' +
        `exit 0 when nothing drifted or without --fail-on-drift, ${DRIFT_EXIT_CODE} when something drifted and --fail-on-drift is given, 1 when the diff itself failed`
    )
    .action(
      cliAction(io, (backup: string | undefined, options: Record<string, unknown>) => {
        const { against, ...flags } = options;
        return withConnection(io, { ...flags, fromBackup: backup, againstBackup: against }, ({ reader, logger, signal }) => {
          let settings;
          try {
            settings = parseDiffSettings(reader);
          } catch (err) {
            // The backup is the verb's argument and the other one its --against, not the action's inputs.
            throw err instanceof InputError ? err.relabel((input) => CLI_LABELS[input] ?? flagLabel(input)) : err;
          }
          return async ({ cluster, store }) => {
            const result = await runDrift({ cluster, store, logger, tempDirectory: os.tmpdir(), signal }, settings);
            io.out(driftText(result));
            return result.drifted && settings.failOnDrift ? DRIFT_EXIT_CODE : 0;
          };
        });
      })
    );
}
