import type { KubeObject } from '../model/kube-object.js';
import type { BackupCatalog } from '../persistence/archive-catalog.js';
import { errorMessage } from '../util/errors.js';
import { badItemReason, readItem } from './item-reader.js';
import type { RestoreRun } from './restore-run.js';
import type { RestorePlan } from './steps/plan-restore.js';
import { namespaceForTarget } from './transform/index.js';
import { mappedNamespace } from './transform/namespace.js';

/** The target namespaces a restore found missing: made by this run, or (dry run) that it would make. */
export interface EnsuredNamespaces {
  /** Dry run: missing, so their items are reported as would-be created. */
  wouldCreate: ReadonlySet<string>;
  /** Created by this run, with the new uid: their Namespace items report `created`, as a dry run plans them. */
  created: ReadonlyMap<string, string | undefined>;
}

/**
 * Creates the target namespaces the selected items need and the target lacks, from their backed-up copies where
 * the backup has them. A dry run creates none: it returns them, so their items are reported as would-be created
 * (the API server cannot validate a write into a namespace that does not exist).
 */
export async function ensureTargetNamespaces(run: RestoreRun, plan: RestorePlan): Promise<EnsuredNamespaces> {
  const { cluster, settings, log } = run;
  const { catalog } = plan;
  const namespaces = new Map<string, string>();
  for (const list of plan.selection.items.values()) {
    // mappedNamespace, as the items' own mapping does: an indexing lookup would find Object's `constructor`.
    for (const item of list) if (item.namespace) namespaces.set(mappedNamespace(item.namespace, settings.namespaceMappings), item.namespace);
  }
  const missing = new Set<string>();
  const created = new Map<string, string | undefined>();
  const ref = plan.target.ref('namespaces', 'v1')!;
  // At the restore's concurrency, as its items are: one at a time, 20 namespaces were half a second of waiting.
  const ensure = async (targetName: string, sourceName: string): Promise<void> => {
    if (await cluster.get(ref, targetName)) return;
    if (settings.dryRun) {
      missing.add(targetName);
      return;
    }
    const namespace = namespaceForTarget(await backedUpNamespace(run, catalog, sourceName), targetName, { backupName: run.backupName, restoreName: run.name });
    try {
      const made = await cluster.create(ref, namespace);
      created.set(targetName, made.metadata.uid);
      log.info(`Created namespace ${targetName}${targetName !== sourceName ? ` for ${sourceName}` : ''}`);
    } catch (err) {
      if (/AlreadyExists/.test(errorMessage(err)) || (err as { statusCode?: number }).statusCode === 409) return;
      // Its items fail on their own, each reported; the other namespaces' items are restored.
      run.results.error(`cannot create namespace ${targetName}: ${errorMessage(err)}`, targetName);
      log.error(`Cannot create namespace ${targetName}: ${errorMessage(err)}`);
    }
  };
  await Promise.all([...namespaces].map(([targetName, sourceName]) => run.limit(() => ensure(targetName, sourceName))));
  return { wouldCreate: missing, created };
}

/**
 * The backed-up Namespace to copy labels, annotations and spec from; undefined when the backup has none or its item
 * cannot be used (then, as Velero's getNamespace does, a blank one is made, with a warning; the Namespace item
 * itself fails in its wave).
 */
async function backedUpNamespace(run: RestoreRun, catalog: BackupCatalog, name: string): Promise<KubeObject | undefined> {
  const item = catalog.find('namespaces', undefined, name);
  if (!item) return undefined;
  const read = await readItem(catalog, item);
  if (read.ok) return read.object;
  run.warn(`namespace ${name} is created blank: its backed-up item cannot be used (${badItemReason(read)})`);
  return undefined;
}
