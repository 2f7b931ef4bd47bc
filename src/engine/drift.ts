import { runDiff } from '../diff/run-diff.js';
import type { DriftResult } from '../diff/drift-result.js';
import { RestoreView, type RestoreViewContext } from '../restore/restore-view.js';
import type { DiffSettings } from '../settings/diff-settings.js';

/**
 * A drift report: the backup seen through restore (RestoreView: the same filters, mapping and transforms a restore
 * would apply) compared by the diff mode with the live cluster, or with a second backup seen the same way. Wired
 * here, above the modes, because the diff must not import restore and restore must not know the diff.
 */
export async function runDrift(context: RestoreViewContext, settings: DiffSettings): Promise<DriftResult> {
  const from = await RestoreView.open(context, settings.view);
  try {
    if (!settings.against) return await runDiff(context, from, from.liveSide(context.cluster));
    const against = await RestoreView.open(context, settings.view, settings.against, 'against-backup');
    try {
      return await runDiff(context, from, against.backupSide());
    } finally {
      await against.close();
    }
  } finally {
    await from.close();
  }
}
