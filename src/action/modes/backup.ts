import { runBackup } from '../../backup/run.js';
import { backupOutputs, backupSummary } from '../../report/backup-report.js';
import { skippedBackupSummary } from '../../report/skipped-backup-report.js';
import { parseBackupRun } from '../../settings/backup-run.js';
import type { ModeContext } from './mode-context.js';

export async function backupMode(context: ModeContext): Promise<void> {
  const { settings, lease, schedule, slot } = parseBackupRun(context.reader, context.eventSchedule, new Date());
  if (schedule && slot) context.logger.info(`Cron slot ${slot.toISOString()} of '${schedule.cron}' (${schedule.source})`);
  const { cluster, store } = await context.connect();
  const result = await runBackup({ cluster, store, logger: context.logger, holder: context.holder, lease, signal: context.signal }, { settings, location: context.location, slot });
  for (const [name, value] of Object.entries(backupOutputs(result))) context.setOutput(name, value);
  if (result.skipped) {
    context.logger.info(`Nothing to do: ${result.skipped}`);
    await context.summary(skippedBackupSummary(result, slot));
    return;
  }
  const summary = backupSummary(result);
  await context.summary(summary);
  await context.artifact(`kube-backup-${result.name}`, { 'summary.md': summary, 'results.json': JSON.stringify(result.results.toJSON(), null, 2) });
  if (result.phase === 'Failed') context.fail(`Backup ${result.name} failed: ${result.failure}`);
  else if (result.phase === 'PartiallyFailed') {
    const message = `Backup ${result.name} is PartiallyFailed: ${result.errors} errors (see the job summary)`;
    if (settings.failOnPartial) context.fail(message);
    else context.warn(message);
  }
}
