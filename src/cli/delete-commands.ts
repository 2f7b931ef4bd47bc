import { createInterface } from 'node:readline/promises';
import type { Command } from 'commander';
import { openStore } from '../engine/connect.js';
import { localHost } from '../local-host.js';
import { runDelete, runRestoreDelete } from '../prune/run-delete.js';
import { deleteText, restoreDeleteText } from '../report/delete-report.js';
import { parseLocationPolicy } from '../settings/backup-settings.js';
import { LEASE_INPUTS, PRUNE_INPUTS } from '../settings/input-catalog.js';
import { parseDeleteSettings, parseRestoreDeleteSettings } from '../settings/list-delete-settings.js';
import { runHolder } from '../settings/run-identity.js';
import { parseStoreSettings } from '../settings/settings.js';
import { InputError } from '../util/errors.js';
import { cliAction, flagReader, withConnection, withConnectionFlags, withInputFlags, withLocationFlags, type CliIo } from './program-support.js';
import { terminalLogger } from './terminal-logger.js';

const CONFIRM_HELP = 'delete without asking; required when stdin is not a terminal';

/**
 * `backup delete NAME... [--confirm]` and `restore delete NAME... [--confirm]`, Velero's verbs: a backup goes with its
 * CSI snapshots, the restores made from it and its Backup object, as prune deletes an expired one. On a terminal
 * without --confirm the user is asked; elsewhere --confirm is required, so a script never deletes by accident.
 */
export function addDeleteCommands(program: Command, io: CliIo): void {
  const backup = subcommand(program, 'backup');
  const restore = subcommand(program, 'restore');

  withInputFlags(withConnectionFlags(backup.command('delete').argument('<names...>', 'the backups to delete')), [...PRUNE_INPUTS.filter((i) => i.name === 'velero-namespace'), ...LEASE_INPUTS])
    .option('--confirm', CONFIRM_HELP)
    .description('delete backups with their CSI snapshots, the restores made from them and their Backup objects')
    .action(
      cliAction(io, nameArguments('backup-name', async (names: string[], options: Record<string, unknown>) => {
        const flags = { ...options, backupName: names.join(',') };
        // Every flag is checked before anyone is asked, and before any connection.
        const reader = flagReader(flags, io.cwd);
        parseDeleteSettings(reader);
        parseLocationPolicy(reader);
        if (!(await confirmed(io, options, `backups ${names.join(', ')}, with their CSI snapshots, restores and Backup objects`))) return 1;
        return withConnection(io, flags, ({ reader: connected, logger, holder, signal }) => {
          const settings = parseDeleteSettings(connected);
          const location = parseLocationPolicy(connected);
          return async ({ cluster, store }) => {
            const result = await runDelete({ cluster, store, logger, holder, signal }, { settings, location });
            io.out(deleteText(result));
            return result.failures.length ? 1 : 0;
          };
        });
      }))
    );

  withInputFlags(withLocationFlags(restore.command('delete').argument('<names...>', 'the restores to delete')), LEASE_INPUTS)
    .option('--confirm', CONFIRM_HELP)
    .description("delete restores' records and logs from the location (restores/<name>/); what they created in a cluster stays")
    .action(
      cliAction(io, nameArguments('restore-name', async (names: string[], options: Record<string, unknown>) => {
        const reader = flagReader({ ...options, restoreName: names.join(',') }, io.cwd);
        const settings = parseRestoreDeleteSettings(reader);
        const location = parseLocationPolicy(reader);
        const storeSettings = parseStoreSettings(reader, io.cwd);
        if (!(await confirmed(io, options, `restores ${names.join(', ')}`))) return 1;
        const store = await openStore(storeSettings);
        const result = await runRestoreDelete({ store, logger: terminalLogger(io), holder: runHolder(io.env, localHost()), signal: io.signal }, { settings, location });
        io.out(restoreDeleteText(result));
      }))
    );
}

/** Whether to go ahead: --confirm, or a yes from the person at the terminal. Says why not when not. */
async function confirmed(io: CliIo, options: Record<string, unknown>, what: string): Promise<boolean> {
  if (options.confirm === true) return true;
  if (!io.ask) {
    io.err(`error: deleting ${what} needs --confirm when stdin is not a terminal; nothing was deleted`);
    return false;
  }
  const answer = await io.ask(`Are you sure you want to delete ${what} (y/N)? `);
  if (/^y(es)?$/i.test(answer.trim())) return true;
  io.err('Nothing was deleted.');
  return false;
}

/** One question on the terminal (stderr, so stdout stays the command's result). */
export async function askOnTerminal(question: string): Promise<string> {
  const prompt = createInterface({ input: process.stdin, output: process.stderr });
  try {
    return await prompt.question(question);
  } finally {
    prompt.close();
  }
}

/** The names are the verb's arguments here, not the `--backup-name` / `--restore-name` flags: errors say `name`. */
function nameArguments<A extends unknown[]>(input: string, handler: (...args: A) => Promise<number | void>): (...args: A) => Promise<number | void> {
  return async (...args: A) => {
    try {
      return await handler(...args);
    } catch (err) {
      throw err instanceof InputError ? err.relabel((name) => (name === input ? 'name' : name)) : err;
    }
  };
}

function subcommand(program: Command, name: string): Command {
  const found = program.commands.find((c) => c.name() === name);
  if (!found) throw new Error(`the '${name}' command must be added before its delete verb`);
  return found;
}
