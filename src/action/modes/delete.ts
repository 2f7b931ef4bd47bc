import { runDelete } from '../../prune/run-delete.js';
import { deleteOutputs, deleteSummary } from '../../report/delete-report.js';
import { parseDeleteSettings } from '../../settings/list-delete-settings.js';
import type { ModeContext } from './mode-context.js';

/**
 * `mode: delete`: the backup named by backup-name, with its CSI snapshots, the restores made from it and its Backup
 * object, as prune deletes an expired one; for a workflow_dispatch user, who has no terminal to run the CLI from.
 */
export async function deleteMode(context: ModeContext): Promise<void> {
  const settings = parseDeleteSettings(context.reader);
  const { cluster, store } = await context.connect();
  const result = await runDelete({ cluster, store, logger: context.logger, holder: context.holder, signal: context.signal }, { settings, location: context.location });
  for (const [name, value] of Object.entries(deleteOutputs(result))) context.setOutput(name, value);
  await context.summary(deleteSummary(result));
  if (result.failures.length) context.fail(`Could not delete ${result.failures.map((f) => `${f.name}: ${f.message}`).join('; ')}`);
}
