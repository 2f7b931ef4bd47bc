import { runList } from '../../list/run-list.js';
import { listOutputs, listSummary } from '../../report/list-report.js';
import { parseListSettings } from '../../settings/list-delete-settings.js';
import type { ModeContext } from './mode-context.js';

/**
 * `mode: list`: the location's backups (summary table, `backups` JSON output); with max-age, the freshness alarm:
 * the step fails when the newest Completed backup (of schedule-name) is older. Reads the location only.
 */
export async function listMode(context: ModeContext): Promise<void> {
  const settings = parseListSettings(context.reader);
  const store = await context.openStore();
  const result = await runList({ store, logger: context.logger, signal: context.signal }, settings);
  for (const [name, value] of Object.entries(listOutputs(result))) context.setOutput(name, value);
  await context.summary(listSummary(result));
  if (result.freshness && !result.freshness.fresh) {
    context.fail(`Stale backups in ${result.location}: ${result.freshness.message}. Is the backup workflow still running? GitHub disables scheduled workflows in repositories without activity for 60 days`);
  }
}
