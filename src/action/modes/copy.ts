import { destinationError } from '../../copy/destination-errors.js';
import { runCopy } from '../../copy/run-copy.js';
import { openStore } from '../../engine/connect.js';
import { copyOutputs, copySummary } from '../../report/copy-report.js';
import { parseCopySettings } from '../../settings/copy-settings.js';
import { parseStoreSettings } from '../../settings/settings.js';
import { verifyBackup } from '../../verify/verify-backup.js';
import { actionProcessContext } from '../inputs.js';
import type { ModeContext } from './mode-context.js';

/**
 * `mode: copy`: copies one backup (from-backup, a name or latest) or every one the destination lacks (copy-all) to
 * to-location, verified on both sides; no cluster.
 */
export async function copyMode(context: ModeContext): Promise<void> {
  const { workingDirectory } = actionProcessContext();
  const settings = parseCopySettings(context.reader, workingDirectory, parseStoreSettings(context.reader, workingDirectory));
  const source = await context.openStore();
  const destination = await openStore(settings.destination).catch((err: unknown) => {
    throw destinationError(err, settings.destination);
  });
  context.logger.info(`Copying to ${destination.url}`);
  const result = await runCopy(
    { source, destination, verify: (store, name, signal) => verifyBackup(store, name, { signal }), logger: context.logger, holder: context.holder, signal: context.signal },
    settings
  );
  for (const [name, value] of Object.entries(copyOutputs(result))) context.setOutput(name, value);
  await context.summary(copySummary(result));
  if (result.failed.length) context.fail(`${result.failed.length} backups were not copied: ${result.failed.map((f) => `${f.name} (${f.message})`).join(', ')} (see the job summary)`);
}
