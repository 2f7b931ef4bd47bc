import { runRestore } from '../../restore/run.js';
import { restoreOutputs, restoreSummary } from '../../report/restore-report.js';
import { parseRestoreSettings } from '../../settings/restore-settings.js';
import type { ModeContext } from './mode-context.js';

export async function restoreMode(context: ModeContext): Promise<void> {
  const settings = parseRestoreSettings(context.reader);
  const { cluster, store } = await context.connect();
  const result = await runRestore({ cluster, store, logger: context.logger, tempDirectory: process.env.RUNNER_TEMP }, { settings, location: context.location });
  for (const [name, value] of Object.entries(restoreOutputs(result))) context.setOutput(name, value);
  await context.summary(restoreSummary(result));
  if (result.phase === 'Failed') context.fail(`Restore ${result.name} failed: ${result.failure}`);
  else if (result.phase === 'PartiallyFailed') {
    const message = `Restore ${result.name} is PartiallyFailed: ${result.counts.failed} items failed (see the job summary)`;
    if (settings.failOnPartial) context.fail(message);
    else context.warn(message);
  }
}
