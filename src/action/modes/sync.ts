import { runSync } from '../../sync/run-sync.js';
import { syncOutputs, syncSummary } from '../../report/sync-report.js';
import { parseSyncSettings } from '../../settings/lifecycle-settings.js';
import type { ModeContext } from './mode-context.js';

/** `mode: sync`: makes the cluster's Backup objects match the backups in the location. */
export async function syncMode(context: ModeContext): Promise<void> {
  const settings = parseSyncSettings(context.reader);
  const { cluster, store } = await context.connect();
  const result = await runSync({ cluster, store, logger: context.logger, holder: context.holder, signal: context.signal }, { settings, location: context.location });
  for (const [name, value] of Object.entries(syncOutputs(result))) context.setOutput(name, value);
  const summary = syncSummary(result);
  await context.summary(summary);
  await context.artifact(`kube-sync-${new Date().toISOString().replace(/[:.]/g, '-')}`, { 'summary.md': summary });
  if (result.skipped.length) context.warn(`${result.skipped.length} backups were not synced (see the job summary)`);
}
