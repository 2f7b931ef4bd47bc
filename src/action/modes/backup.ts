import { runBackup } from '../../backup/run.js';
import { backupOutputs, backupSummary } from '../../report/backup-report.js';
import { parseBackupSettings } from '../../settings/backup-settings.js';
import type { ModeContext } from './mode-context.js';

export async function backupMode(context: ModeContext): Promise<void> {
  const settings = parseBackupSettings(context.reader);
  const { cluster, store } = await context.connect();
  const result = await runBackup({ cluster, store, logger: context.logger }, { settings, location: context.location });
  for (const [name, value] of Object.entries(backupOutputs(result))) context.setOutput(name, value);
  await context.summary(backupSummary(result));
  if (result.phase === 'Failed') context.fail(`Backup ${result.name} failed: ${result.failure}`);
  else if (result.phase === 'PartiallyFailed') {
    const message = `Backup ${result.name} is PartiallyFailed: ${result.errors} errors (see the job summary)`;
    if (settings.failOnPartial) context.fail(message);
    else context.warn(message);
  }
}
