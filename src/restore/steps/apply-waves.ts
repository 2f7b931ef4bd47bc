import type { CatalogItem } from '../../persistence/archive-catalog.js';
import { errorMessage } from '../../util/errors.js';
import { waitForEstablishedCrds } from '../established-crds.js';
import { logOutcome } from '../outcome-log.js';
import { CRDS, restoreWaves } from '../plan/order.js';
import { restoreItem, type RestoredItem } from '../restore-item.js';
import { RestoreProgress } from '../restore-progress.js';
import type { RestoreRun } from '../restore-run.js';
import { ensureTargetNamespaces, type EnsuredNamespaces } from '../target-namespaces.js';
import { mappedNamespace } from '../transform/namespace.js';
import type { RestorePlan } from './plan-restore.js';

/** Work between waves: what a wave made ready that the next ones need (claims filled before pods start). */
export type AfterWave = (groupResources: readonly string[]) => Promise<void>;

/** Writes the selected items in Velero's order, one wave at a time, the items of a wave in parallel. */
export async function applyWaves(run: RestoreRun, plan: RestorePlan, afterWave?: AfterWave): Promise<void> {
  await new WaveApplier(run, plan, afterWave).apply();
}

class WaveApplier {
  private readonly progress: RestoreProgress;
  /** Namespaces missing from the target (made, or with dry-run to be made): known once ensured, after the CRDs' wave. */
  private namespaces: EnsuredNamespaces = { wouldCreate: new Set(), created: new Map() };
  private namespacesEnsured = false;

  constructor(
    private readonly run: RestoreRun,
    private readonly plan: RestorePlan,
    private readonly afterWave?: AfterWave
  ) {
    this.progress = new RestoreProgress(run.log, run.clock, plan.selection.total);
  }

  async apply(): Promise<void> {
    const { items, rejected } = this.plan.selection;
    // Items the filters take that the archive holds in a form that cannot be restored fail first, each alone.
    for (const { item, reason } of rejected) this.report({ outcome: { action: 'failed', groupResource: item.groupResource, namespace: this.targetNamespace(item.namespace), name: item.name, reason } });
    for (const wave of restoreWaves(items.keys())) {
      if (wave.includes(CRDS)) {
        await this.restoreAll(items.get(CRDS) ?? []);
        // Custom resources in later waves need their CRDs served, and discovery to say so.
        if (!this.run.settings.dryRun) await waitForEstablishedCrds(this.run, this.plan.target, items.get(CRDS) ?? []);
        await this.plan.target.refresh();
        continue;
      }
      if (!this.namespacesEnsured) {
        this.namespaces = await ensureTargetNamespaces(this.run, this.plan);
        this.namespacesEnsured = true;
      }
      await this.restoreAll(wave.flatMap((gr) => items.get(gr) ?? []));
      await this.afterWave?.(wave);
    }
  }

  private async restoreAll(items: readonly CatalogItem[]): Promise<void> {
    // Settled, not Promise.all: once cancelled, the items already being written finish and are counted before the
    // run goes on to close the spool and write its record; none lands in the cluster after that.
    const settled = await Promise.allSettled(
      items.map((item) =>
        this.run.limit(() => {
          this.run.signal?.throwIfAborted();
          return this.restore(item);
        })
      )
    );
    const stopped = settled.find((s) => s.status === 'rejected');
    if (stopped) throw stopped.reason;
  }

  /** An item's failure is its outcome, never the run's. */
  private async restore(item: CatalogItem): Promise<void> {
    const restored = await restoreItem(this.run, this.plan, this.namespaces, item).catch(
      (err: unknown): RestoredItem => ({
        outcome: { action: 'failed', groupResource: item.groupResource, namespace: this.targetNamespace(item.namespace), name: item.name, reason: errorMessage(err) }
      })
    );
    this.report(restored);
    this.progress.itemDone();
  }

  /** Outcomes name where an item goes (after namespace-mappings), as the plan a user reviews must. */
  private targetNamespace(namespace: string | undefined): string | undefined {
    return namespace && mappedNamespace(namespace, this.run.settings.namespaceMappings);
  }

  private report(restored: RestoredItem): void {
    this.run.tally.record(restored.outcome, restored.object);
    logOutcome(this.run.log, restored.outcome, this.run.settings.dryRun);
  }
}
