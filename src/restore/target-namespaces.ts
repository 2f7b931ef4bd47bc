import { errorMessage } from '../util/errors.js';
import type { RestoreRun } from './restore-run.js';
import type { RestorePlan } from './steps/plan-restore.js';
import { namespaceForTarget } from './transform/index.js';

/**
 * Creates the target namespaces the selected items need and the target lacks, from their backed-up copies where
 * the backup has them. A dry run creates none: it returns them, so their items are reported as would-be created
 * (the API server cannot validate a write into a namespace that does not exist).
 */
export async function ensureTargetNamespaces(run: RestoreRun, plan: RestorePlan): Promise<ReadonlySet<string>> {
  const { cluster, settings, log } = run;
  const { catalog } = plan;
  const namespaces = new Map<string, string>();
  for (const list of plan.selection.items.values()) {
    for (const item of list) if (item.namespace) namespaces.set(settings.namespaceMappings[item.namespace] ?? item.namespace, item.namespace);
  }
  const missing = new Set<string>();
  const ref = plan.target.ref('namespaces', 'v1')!;
  for (const [targetName, sourceName] of namespaces) {
    if (await cluster.get(ref, targetName)) continue;
    if (settings.dryRun) {
      missing.add(targetName);
      continue;
    }
    const backedUp = catalog.find('namespaces', undefined, sourceName);
    const namespace = namespaceForTarget(backedUp && (await catalog.read(backedUp)), targetName, { backupName: run.backupName, restoreName: run.name });
    await cluster.create(ref, namespace).catch((err: unknown) => {
      if (!/AlreadyExists/.test(errorMessage(err)) && (err as { statusCode?: number }).statusCode !== 409) throw err;
    });
    log.info(`Created namespace ${targetName}${targetName !== sourceName ? ` for ${sourceName}` : ''}`);
  }
  return missing;
}
