import type { Cluster } from '../kube/cluster.js';
import type { KubeObject } from '../model/kube-object.js';
import type { CatalogItem } from '../persistence/archive-catalog.js';
import { BackupDecryption } from '../persistence/backup-encryption.js';
import { chooseBackup, type BackupChoice } from '../persistence/choose-backup.js';
import type { RestoreSettings } from '../settings/restore-settings.js';
import type { ObjectStore } from '../storage/object-store.js';
import type { Logger } from '../util/logger.js';
import { itemSelected } from './plan/filters.js';
import { restoreWaves } from './plan/order.js';
import { targetOf } from './item-identity.js';
import { prepareItem } from './restore-item.js';
import { RestoreRun } from './restore-run.js';
import { BackupIntegrity } from './steps/backup-integrity.js';
import { planRestore, type RestorePlan } from './steps/plan-restore.js';
import { SpooledBackup } from './steps/spooled-backup.js';
import { skipReason } from './transform/skip.js';

export interface RestoreViewContext {
  cluster: Cluster;
  store: ObjectStore;
  logger: Logger;
  /** Where the archive is spooled (a private directory is made in it and removed on close). */
  tempDirectory: string;
  clock?: () => Date;
  signal?: AbortSignal;
}

interface Identity {
  namespace?: string;
  name: string;
}

/**
 * A backup as a restore into `cluster` would see it, without writing anything: the same choice of backup,
 * integrity checks, spooled archive, filters, namespace mapping and transforms (prepareItem), for the drift report
 * (src/diff). It is one, so the two cannot disagree on what a restore would write; its methods are the shapes the
 * drift report's sides ask for (src/diff/sides.ts), and the wiring above the modes joins them.
 */
export class RestoreView {
  private readonly inverseMappings: Map<string, string>;

  private constructor(
    private readonly run: RestoreRun,
    private readonly plan: RestorePlan,
    private readonly spooled: SpooledBackup
  ) {
    this.inverseMappings = new Map(Object.entries(run.settings.namespaceMappings).map(([source, target]) => [target, source]));
  }

  /** Opens `choice` (default: the settings' from-backup), verified and spooled as a restore's would be. */
  static async open(context: RestoreViewContext, settings: RestoreSettings, choice: BackupChoice = settings.backup, input = 'from-backup'): Promise<RestoreView> {
    const { store } = context;
    const clock = context.clock ?? (() => new Date());
    const backup = await chooseBackup(store, choice, input);
    const decryption = BackupDecryption.for(backup.backup, backup.name, settings.decryption);
    const run = new RestoreRun({ cluster: context.cluster, settings, clock, logger: context.logger, backupName: backup.name, name: `${backup.name}-drift`, signal: context.signal, decryption });
    const integrity = await BackupIntegrity.check(store, backup, run.log, settings.verifyKeys);
    const spooled = await SpooledBackup.open(store, backup.name, context.tempDirectory, { limits: settings.archiveLimits, warn: (message) => run.warn(message), integrity, decryption });
    try {
      // No volume copies: the drift report compares objects, not the files in volumes.
      const plan = await planRestore(run, spooled.catalog, { claims: new Map(), podVolumes: new Map() });
      return new RestoreView(run, plan, spooled);
    } catch (err) {
      await spooled.close().catch(() => {});
      throw err;
    }
  }

  get backupName(): string {
    return this.run.backupName;
  }

  /** Every resource type the backup holds that the filters take and the target serves, in restore order. */
  resourceTypes(): string[] {
    const { catalog, scope, target } = this.plan;
    return restoreWaves(catalog.groupResources().filter((gr) => scope.includesResource(gr) && target.versions(gr).length > 0)).flat();
  }

  /** The selected items of a type under the names a restore would write them as. */
  *items(groupResource: string): Iterable<{ identity: Identity; read: () => Promise<ViewedObject> }> {
    for (const item of this.plan.selection.items.get(groupResource) ?? []) {
      yield { identity: targetOf(item, this.run.settings.namespaceMappings), read: () => this.read(item) };
    }
  }

  private async read(item: CatalogItem): Promise<ViewedObject> {
    const prepared = await prepareItem(this.run, this.plan, item);
    if (prepared.ok) return { ok: true, desired: prepared.desired, version: prepared.version };
    return { ok: false, action: prepared.outcome.action === 'skipped' ? 'skipped' : 'failed', reason: prepared.outcome.reason ?? 'not restorable' };
  }

  warnings(): string[] {
    const { velero = [], cluster = [], namespaces = {} } = this.run.results.warnings;
    return [...velero, ...cluster, ...Object.values(namespaces).flat()];
  }

  /**
   * The live cluster as this restore's target: every object of the type a restore with these filters would take
   * had the backup held it (its namespace mapped back to the backup's), minus what restore skips (token secrets,
   * finished pods…); cluster-scoped objects only when all cluster resources are in scope, or when the backup holds them.
   */
  liveSide(cluster: Cluster): ActualSideShape {
    const { target } = this.plan;
    return {
      description: `cluster ${cluster.server}`,
      objects: (groupResource, isExpected) => this.liveObjects(cluster, groupResource, isExpected),
      readAt: async (groupResource, identity, version) => {
        const ref = target.ref(groupResource, version);
        return ref ? cluster.get(ref, identity.name, identity.namespace) : undefined;
      }
    };
  }

  private async *liveObjects(cluster: Cluster, groupResource: string, isExpected: (identity: Identity) => boolean): AsyncIterable<{ object: KubeObject; version: string }> {
    const { target } = this.plan;
    const version = target.versions(groupResource)[0];
    const ref = version === undefined ? undefined : target.ref(groupResource, version);
    if (!ref || version === undefined) return;
    for await (const object of cluster.list(ref)) {
      const identity = { namespace: object.metadata.namespace || undefined, name: object.metadata.name ?? '' };
      if (isExpected(identity) || this.liveInScope(groupResource, object)) yield { object, version };
    }
  }

  private liveInScope(groupResource: string, object: KubeObject): boolean {
    const name = object.metadata.name ?? '';
    const namespace = object.metadata.namespace || undefined;
    const sourceName = groupResource === 'namespaces' ? this.sourceNamespace(name) : name;
    const sourceNamespace = namespace === undefined ? undefined : this.sourceNamespace(namespace);
    if (sourceName === undefined || (namespace !== undefined && sourceNamespace === undefined)) return false;
    const selected = itemSelected({ groupResource, namespace: sourceNamespace, name: sourceName, labels: object.metadata.labels }, this.plan.scope);
    return selected.selected && skipReason(object, groupResource) === undefined;
  }

  /** The backup's namespace a target namespace stands for; undefined when a mapping moved that name elsewhere. */
  private sourceNamespace(target: string): string | undefined {
    const mapped = this.inverseMappings.get(target);
    if (mapped !== undefined) return mapped;
    return target in this.run.settings.namespaceMappings ? undefined : target;
  }

  /** This backup as the compared side: each selected item as a restore would write it. */
  backupSide(): ActualSideShape {
    return {
      description: `backup ${this.backupName}`,
      objects: (groupResource) => this.backupObjects(groupResource),
      // A backup's item is read at the version restore chose for it, which is the one the other side asks for.
      readAt: async (groupResource, identity) => {
        for (const item of this.items(groupResource)) {
          if (item.identity.name !== identity.name || item.identity.namespace !== identity.namespace) continue;
          const read = await item.read();
          return read.ok ? read.desired : undefined;
        }
        return undefined;
      }
    };
  }

  private async *backupObjects(groupResource: string): AsyncIterable<{ object: KubeObject; version: string }> {
    for (const item of this.items(groupResource)) {
      const read = await item.read();
      if (read.ok) yield { object: read.desired, version: read.version };
    }
  }

  async close(): Promise<void> {
    await this.spooled.close();
  }
}

type ViewedObject = { ok: true; desired: KubeObject; version: string } | { ok: false; action: 'skipped' | 'failed'; reason: string };

/** The drift report's ActualSide (src/diff/sides.ts), spelled out here as restore cannot import a sibling mode. */
interface ActualSideShape {
  readonly description: string;
  objects(groupResource: string, isExpected: (identity: Identity) => boolean): AsyncIterable<{ object: KubeObject; version: string }>;
  readAt(groupResource: string, identity: Identity, version: string): Promise<KubeObject | undefined>;
}
