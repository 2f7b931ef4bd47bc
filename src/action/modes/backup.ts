import path from 'node:path';
import { runBackup } from '../../backup/run.js';
import { localBackupNotice } from '../../report/local-location-notice.js';
import { backupKeys } from '../../storage/layout.js';
import { backupOutputs, backupSummary } from '../../report/backup-report.js';
import { skippedBackupSummary } from '../../report/skipped-backup-report.js';
import { parseBackupRun } from '../../settings/backup-run.js';
import type { ModeContext } from './mode-context.js';

export async function backupMode(context: ModeContext): Promise<void> {
  const runSettings = parseBackupRun(context.reader, context.eventSchedule, new Date());
  const { settings, lease, schedule, slot } = runSettings;
  if (schedule && slot) context.logger.info(`Cron slot ${slot.toISOString()} of '${schedule.cron}' (${schedule.source})`);
  const { cluster, store } = await context.connect();
  const result = await runBackup({ cluster, store, logger: context.logger, holder: context.holder, lease, signal: context.signal }, { settings, location: context.location, slot });
  for (const [name, value] of Object.entries(backupOutputs(result))) context.setOutput(name, value);
  if (result.skipped) {
    context.logger.info(`Nothing to do: ${result.skipped}`);
    await context.summary(skippedBackupSummary(result, slot));
    return;
  }
  const location = context.connection?.location;
  // Only a committed backup is worth keeping; a Failed one has no velero-backup.json.
  const folder = location?.kind === 'local' && result.phase !== 'Failed' ? path.join(location.directory, backupKeys(result.name).folder) : undefined;
  const artifactName = `kube-backup-${result.name}-files`;
  const uploaded = folder && runSettings.uploadLocalBackup ? await context.uploadDirectory(artifactName, folder) : false;
  const notice = location && localBackupNotice({ location, runnerEnvironment: context.runnerEnvironment, upload: runSettings.uploadLocalBackup && folder !== undefined, artifact: uploaded ? artifactName : undefined });
  if (notice?.startsWith('> [!WARNING]')) context.warn(notice.replace(/^> (\[!WARNING\]\n> )?/gm, ''));
  const summary = notice ? `${backupSummary(result)}\n${notice}\n` : backupSummary(result);
  await context.summary(summary);
  await context.artifact(`kube-backup-${result.name}`, { 'summary.md': summary, 'results.json': JSON.stringify(result.results.toJSON(), null, 2) });
  if (result.phase === 'Failed') context.fail(`Backup ${result.name} failed: ${result.failure}`);
  else if (result.phase === 'PartiallyFailed') {
    const message = `Backup ${result.name} is PartiallyFailed: ${result.errors} errors (see the job summary)`;
    if (settings.failOnPartial) context.fail(message);
    else context.warn(message);
  }
}
