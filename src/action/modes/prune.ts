import { runPrune } from '../../prune/run-prune.js';
import { pruneOutputs, pruneSummary } from '../../report/prune-report.js';
import { parsePruneSettings } from '../../settings/lifecycle-settings.js';
import type { ModeContext } from './mode-context.js';

/** `mode: prune`: deletes expired backups (and their restores and Backup objects) and stale unfinished folders. */
export async function pruneMode(context: ModeContext): Promise<void> {
  const settings = parsePruneSettings(context.reader);
  const { cluster, store } = await context.connect();
  const result = await runPrune({ cluster, store, logger: context.logger, holder: context.holder, signal: context.signal }, { settings, location: context.location });
  for (const [name, value] of Object.entries(pruneOutputs(result))) context.setOutput(name, value);
  const summary = pruneSummary(result);
  await context.summary(summary);
  await context.artifact(`kube-prune-${new Date().toISOString().replace(/[:.]/g, '-')}`, { 'summary.md': summary });
  if (result.failures.length) {
    context.fail(`Prune could not delete ${result.failures.length} backups (the next prune finishes them): ${result.failures.map((f) => `${f.name}: ${f.message}`).join('; ')}`);
  }
}
