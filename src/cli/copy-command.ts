import { Option, type Command } from 'commander';
import { destinationError } from '../copy/destination-errors.js';
import { runCopy } from '../copy/run-copy.js';
import { openStore } from '../engine/connect.js';
import { localHost } from '../local-host.js';
import { copyText } from '../report/copy-report.js';
import { parseCopySettings } from '../settings/copy-settings.js';
import { COPY_INPUTS, LEASE_INPUTS } from '../settings/input-catalog.js';
import { mapReader } from '../settings/input-reader.js';
import { runHolder } from '../settings/run-identity.js';
import { parseStoreSettings } from '../settings/settings.js';
import { InputError } from '../util/errors.js';
import { verifyBackup } from '../verify/verify-backup.js';
import { examples } from './help-text.js';
import { cliAction, flagLabel, flagReader, withInputFlags, withLocationFlags, withVerbosityFlags, type CliIo } from './program-support.js';
import { terminalLogger, verbosityOf } from './terminal-logger.js';

/** The CLI's own spelling of the copy inputs: the name is the verb's argument, `--to` and `--all` its switches. */
const CLI_LABELS: Record<string, string> = { 'from-backup': 'name', 'to-location': '--to', 'copy-all': '--all' };

/** `kube-backup backup copy [name] --to <location> [--all]`: mode copy on the command line. Needs no cluster. */
export function addCopyCommand(backup: Command, io: CliIo): void {
  const copy = backup.command('copy').argument('[name]', "backup name, or 'latest' for the newest Completed one");
  copy.addOption(new Option('--to <location>', 'the second location: s3://bucket/prefix, file:///dir or a directory').makeOptionMandatory());
  copy.option('--all', 'copy every complete backup the second location does not hold yet');
  withVerbosityFlags(withInputFlags(withLocationFlags(copy), [...COPY_INPUTS.filter((i) => i.name !== 'to-location' && i.name !== 'copy-all'), ...LEASE_INPUTS]))
    .description('copy backups to a second location, streaming, every file checked against the checksum manifest, velero-backup.json last, then verified there; CSI snapshots stay with the first location. Exits 1 when one is not copied')
    .addHelpText('after', examples(['kube-backup backup copy latest --location s3://acme-backups/prod --to s3://acme-dr/prod --to-s3-region eu-west-1', 'kube-backup backup copy --all --location ./kube-backups --to s3://acme-dr/prod --to-aws-profile dr']))
    .action(
      cliAction(io, async (name: string | undefined, options: Record<string, unknown>) => {
        const { to, all, ...rest } = options;
        let settings;
        let source;
        try {
          const flags = flagReader(rest, io.cwd);
          source = parseStoreSettings(flags, io.cwd);
          const own = { 'from-backup': name, 'to-location': typeof to === 'string' ? to : undefined, 'copy-all': all === true ? 'true' : undefined };
          settings = parseCopySettings({ get: (input) => (input in own ? mapReader(own).get(input) : flags.get(input)) }, io.cwd, source);
        } catch (err) {
          throw err instanceof InputError ? err.relabel((input) => CLI_LABELS[input] ?? flagLabel(input)) : err;
        }
        const destinationSettings = settings.destination;
        const [from, destination] = await Promise.all([
          openStore(source),
          openStore(destinationSettings).catch((err: unknown) => {
            throw destinationError(err, destinationSettings);
          })
        ]);
        const result = await runCopy(
          { source: from, destination, verify: (store, backup, signal) => verifyBackup(store, backup, { signal }), logger: terminalLogger(io, verbosityOf(options)), holder: runHolder(io.env, localHost()), signal: io.signal },
          settings
        );
        io.out(copyText(result));
        return result.failed.length ? 1 : 0;
      })
    );
}
