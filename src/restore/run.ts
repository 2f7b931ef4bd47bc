import os from 'node:os';
import path from 'node:path';
import pLimit from 'p-limit';
import { indexArchive } from '../archive/archive-index.js';
import type { Cluster } from '../kube/cluster.js';
import type { LocationPolicy } from '../settings/backup-settings.js';
import type { RestoreSettings } from '../settings/restore-settings.js';
import { backupKeys, restoreKeys } from '../storage/layout.js';
import type { ObjectStore } from '../storage/object-store.js';
import { InputError, errorMessage } from '../util/errors.js';
import { gzipJson, gzipText } from '../util/gzip.js';
import type { Logger } from '../util/logger.js';
import { RunLog } from '../util/run-log.js';
import { RunResults } from '../util/run-results.js';
import { hasTrueCondition, pollUntil } from '../util/poll.js';
import { applyObject, summarize, type ApplyOutcome, type Comparison } from './apply.js';
import { BackupCatalog, type CatalogItem } from '../persistence/archive-catalog.js';
import { chooseBackup } from '../persistence/choose-backup.js';
import { diffForUpdate, describeChange, isUnchanged } from '../compare/diff.js';
import { mergePatchFor } from '../compare/merge-patch.js';
import { mergeServiceAccount } from '../compare/service-account.js';
import { withRestoreInitContainers } from '../hooks/restore-init-containers.js';
import { restoreExecHooksFor, runRestoreExecHooks } from '../hooks/restore-exec-hooks.js';
import { planRestoreScope } from './plan/filters.js';
import { CRDS, restoreWaves } from './plan/order.js';
import { scopedResourcesFromCrds } from './plan/resources.js';
import { chooseVersion, noCommonVersionMessage } from './plan/versions.js';
import { restoreObject, type RestorePhase } from './restore-object.js';
import { selectItems } from './select.js';
import { RestoreTally, type ItemOutcome } from './tally.js';
import { TargetResources } from './target-resources.js';
import { namespaceForTarget, rewriteOwnerReferences, transformForRestore, volumesToRestore, type TransformContext } from './transform/index.js';
import type { KubeObject } from '../model/kube-object.js';
import { VELERO_NAMESPACE } from '../velero/vocabulary.js';
import { timestampSuffix } from '../velero/time.js';

export interface RestoreContext {
  cluster: Cluster;
  store: ObjectStore;
  logger: Logger;
  clock?: () => Date;
  /** Where the archive is spooled (RUNNER_TEMP on a runner); the OS temp dir by default. */
  tempDirectory?: string;
}

export interface RestoreRequest {
  settings: RestoreSettings;
  location: LocationPolicy;
}

export interface RestoreResult {
  name: string;
  backupName: string;
  phase: RestorePhase;
  dryRun: boolean;
  startedAt: Date;
  completedAt: Date;
  counts: RestoreTally['counts'];
  outcomes: ItemOutcome[];
  results: RunResults;
  /** Whether the restore's files were written to the location (not for dry runs or ReadOnly locations). */
  recorded: boolean;
  failure?: string;
}

const COMPARISON: Comparison = { isUnchanged, diff: diffForUpdate, mergePatch: (desired, live) => mergePatchFor(desired, live) ?? {} };

/** Service accounts are merged into the existing one (its token secrets kept), as Velero does. */
const SERVICE_ACCOUNT_COMPARISON: Comparison = {
  isUnchanged: (desired, live) => isUnchanged(mergeServiceAccount(desired, live), live),
  diff: (desired, live) => diffForUpdate(mergeServiceAccount(desired, live), live),
  mergePatch: (desired, live) => mergePatchFor(mergeServiceAccount(desired, live), live) ?? {}
};

/**
 * One restore: choose the backup, spool and verify its archive before the first write, select, then create in
 * Velero's order, one wave at a time, items of a wave in parallel. A dry run does everything but write: the API
 * server validates each create (`dryRun=All`) and the plan says what would happen to every object.
 */
export async function runRestore(context: RestoreContext, request: RestoreRequest): Promise<RestoreResult> {
  const { cluster, store } = context;
  const clock = context.clock ?? (() => new Date());
  const { settings } = request;
  const startedAt = clock();

  const chosen = await chooseBackup(store, settings.backup);
  const record = !settings.dryRun && request.location.accessMode === 'ReadWrite';
  const name = await restoreName(store, settings.restoreName, `${chosen.name}-${timestampSuffix(startedAt)}`, record);
  const hooks = settings.restoreHooks;
  const log = new RunLog(context.logger, `restore=${VELERO_NAMESPACE}/${name}`, clock);
  const results = new RunResults();
  const tally = new RestoreTally(results);
  log.info(`${settings.dryRun ? 'Planning (dry run) restore' : 'Starting restore'} ${name} of backup ${chosen.name} from ${store.url} into ${cluster.server}`);

  const spool = path.join(context.tempDirectory ?? os.tmpdir(), `kube-backup-${name}-${process.pid}.tar`);
  let catalog: BackupCatalog | undefined;
  let phase: RestorePhase = 'Completed';
  let failure: string | undefined;
  try {
    // Reading the whole archive before any write is the verification: a truncated or corrupt tarball fails here.
    catalog = new BackupCatalog(await indexArchive(await store.get(backupKeys(chosen.name).tarball), spool));
    log.info(`Archive of ${chosen.name} verified: format ${catalog.formatVersion ?? 'unknown'}, ${catalog.groupResources().length} resource types`);
    await restoreFromCatalog(catalog);
  } catch (err) {
    phase = 'Failed';
    failure = errorMessage(err);
    if (err instanceof InputError) throw err;
    results.error(`restore failed: ${failure}`, undefined, 'velero');
    log.error(`Restore failed: ${failure}`);
  } finally {
    await catalog?.close();
  }
  if (phase !== 'Failed' && results.errorTotal > 0) phase = 'PartiallyFailed';

  const completedAt = clock();
  const { counts } = tally;
  log.info(`Restore ${name} ${phase}: ${counts.created} created, ${counts.updated} updated, ${counts.unchanged} unchanged, ${counts.skipped} skipped, ${counts.failed} failed`);
  if (record) {
    const keys = restoreKeys(name);
    await store.put(keys.logs, gzipText(log.text()));
    await store.put(keys.results, gzipJson(results.toJSON()));
    await store.put(keys.resourceList, gzipJson(tally.resourceListJson()));
    const restore = restoreObject(name, chosen.name, settings, { phase, started: startedAt, completed: completedAt, total: tally.restored + counts.failed, restored: tally.restored, errors: results.errorTotal, warnings: results.warningTotal });
    await store.put(keys.metadata, `${JSON.stringify(restore, null, 2)}\n`, { contentType: 'application/json' });
  }
  return { name, backupName: chosen.name, phase, dryRun: settings.dryRun, startedAt, completedAt, counts, outcomes: tally.outcomes, results, recorded: record, failure };

  async function restoreFromCatalog(catalog: BackupCatalog): Promise<void> {
    const target = await TargetResources.discover(cluster);
    for (const warning of target.failures) {
      results.warning(warning);
      log.warn(warning);
    }
    const crds = await Promise.all(catalog.items(CRDS).map((item) => catalog.read(item)));
    const scope = planRestoreScope(settings.filters, [...target.all(), ...scopedResourcesFromCrds(crds)], catalog.groupResources());
    for (const warning of scope.warnings) {
      results.warning(warning);
      log.warn(warning);
    }
    const selection = await selectItems(catalog, scope);
    log.info(`Selected ${selection.total} items of ${selection.items.size} resource types`);

    const pvs = await Promise.all((selection.items.get('persistentvolumes') ?? []).map((item) => catalog.read(item)));
    const existingVolumes = await existingPersistentVolumes();
    const transformContext: TransformContext = {
      backupName: chosen.name,
      restoreName: name,
      namespaceMappings: settings.namespaceMappings,
      storageClassMappings: settings.storageClassMappings,
      preserveNodePorts: settings.preserveNodePorts,
      preserveOwnerReferences: settings.preserveOwnerReferences,
      restoredVolumes: new Set([...volumesToRestore(pvs), ...existingVolumes]),
      resourceModifiers: settings.resourceModifiers
    };

    const owners = new OwnerRegistry();
    const pendingOwnerRefs: { desired: KubeObject; groupResource: string; version: string }[] = [];
    const restoredPods: KubeObject[] = [];
    const missingNamespaces = new Set<string>();
    const limit = pLimit(settings.concurrency);
    let namespacesEnsured = false;
    let done = 0;
    let lastProgress = clock().getTime();

    for (const wave of restoreWaves(selection.items.keys())) {
      if (wave.includes(CRDS)) {
        await Promise.all((selection.items.get(CRDS) ?? []).map((item) => limit(() => restoreItem(item))));
        if (!settings.dryRun) await waitForEstablishedCrds();
        await target.refresh();
        continue;
      }
      if (!namespacesEnsured) {
        await ensureTargetNamespaces(selection.items, catalog);
        namespacesEnsured = true;
      }
      const items = wave.flatMap((gr) => selection.items.get(gr) ?? []);
      await Promise.all(items.map((item) => limit(() => restoreItem(item))));
    }

    if (pendingOwnerRefs.length) await restoreOwnerReferences();
    if (!settings.dryRun) await runExecHooks();

    async function restoreItem(item: CatalogItem): Promise<void> {
      const outcome = await restoreOne(item).catch((err: unknown): { outcome: ItemOutcome; object?: KubeObject } => ({
        outcome: { action: 'failed', groupResource: item.groupResource, namespace: item.namespace, name: item.name, reason: errorMessage(err) }
      }));
      tally.record(outcome.outcome, outcome.object);
      logOutcome(outcome.outcome);
      done++;
      if (clock().getTime() - lastProgress > 5000) {
        lastProgress = clock().getTime();
        log.info(`Progress: ${done}/${selection.total} items`);
      }
    }

    async function restoreOne(item: CatalogItem): Promise<{ outcome: ItemOutcome; object?: KubeObject }> {
      const base = { groupResource: item.groupResource, namespace: item.namespace, name: item.name };
      const served = target.versions(item.groupResource);
      if (!served.length) return { outcome: { ...base, action: 'failed', reason: `the target cluster does not serve ${item.groupResource}` } };
      const backedUp = item.versions.length ? item.versions : [{ version: versionOf(await catalog.read(item)), preferred: true }];
      const version = chooseVersion(backedUp, served);
      if (!version) return { outcome: { ...base, action: 'failed', reason: noCommonVersionMessage(item.groupResource, backedUp, served) } };
      const original = await catalog.read(item, item.versions.length ? version.version : undefined);
      const transformed = transformForRestore(original, item.groupResource, transformContext);
      if ('skip' in transformed) return { outcome: { ...base, action: 'skipped', reason: transformed.skip }, object: original };
      if ('fail' in transformed) return { outcome: { ...base, action: 'failed', reason: transformed.fail }, object: original };
      let desired = transformed.object;
      const targetNamespace = desired.metadata.namespace;
      const outcomeBase = { ...base, namespace: targetNamespace };
      if (item.groupResource === 'pods') {
        const injected = withRestoreInitContainers(desired, hooks);
        desired = injected.pod;
        for (const problem of injected.problems) results.warning(`pod ${targetNamespace}/${item.name}: ${problem}`, targetNamespace);
      }
      if (settings.preserveOwnerReferences && desired.metadata.ownerReferences?.length) {
        // Created without them and patched once every owner exists: a reference to a uid the target does not
        // have would make its garbage collector delete the object.
        pendingOwnerRefs.push({ desired, groupResource: item.groupResource, version: version.version });
        desired = { ...desired, metadata: { ...desired.metadata, ownerReferences: undefined } };
      }
      if (settings.dryRun && targetNamespace && missingNamespaces.has(targetNamespace)) {
        return { outcome: { ...outcomeBase, action: 'created', reason: `namespace ${targetNamespace} would be created first, so the API server could not validate this one` }, object: desired };
      }
      const ref = target.ref(item.groupResource, version.version)!;
      const comparison = item.groupResource === 'serviceaccounts' ? SERVICE_ACCOUNT_COMPARISON : COMPARISON;
      const applied: ApplyOutcome = await applyObject(cluster, ref, desired, { policy: settings.existingResourcePolicy, dryRun: settings.dryRun, comparison, clock });
      if (applied.uid) owners.add(desired, applied.uid);
      if (item.groupResource === 'pods' && (applied.action === 'created' || applied.action === 'recreated')) restoredPods.push(desired);
      const notes = transformed.notes.length ? transformed.notes.join('; ') : undefined;
      return { outcome: { ...outcomeBase, action: applied.action, reason: applied.message ?? notes, changes: applied.changes }, object: desired };
    }

    async function ensureTargetNamespaces(items: Map<string, CatalogItem[]>, catalog: BackupCatalog): Promise<void> {
      const namespaces = new Map<string, string>();
      for (const list of items.values()) {
        for (const item of list) if (item.namespace) namespaces.set(settings.namespaceMappings[item.namespace] ?? item.namespace, item.namespace);
      }
      const ref = target.ref('namespaces', 'v1')!;
      for (const [targetName, sourceName] of namespaces) {
        if (missingNamespaces.has(targetName) || (await cluster.get(ref, targetName))) continue;
        if (settings.dryRun) {
          missingNamespaces.add(targetName);
          continue;
        }
        const backedUp = catalog.find('namespaces', undefined, sourceName);
        const namespace = namespaceForTarget(backedUp && (await catalog.read(backedUp)), targetName, { backupName: chosen.name, restoreName: name });
        await cluster.create(ref, namespace).catch((err: unknown) => {
          if (!/AlreadyExists/.test(errorMessage(err)) && (err as { statusCode?: number }).statusCode !== 409) throw err;
        });
        log.info(`Created namespace ${targetName}${targetName !== sourceName ? ` for ${sourceName}` : ''}`);
      }
    }

    async function waitForEstablishedCrds(): Promise<void> {
      const ref = target.ref(CRDS, 'v1') ?? target.ref(CRDS, 'v1beta1');
      if (!ref) return;
      for (const item of selection.items.get(CRDS) ?? []) {
        const established = async () => {
          const crd = await cluster.get(ref, item.name);
          return !crd || hasTrueCondition(crd, 'Established');
        };
        if (!(await pollUntil(established, { timeoutMs: 60_000, clock }))) results.warning(`CRD ${item.name} was not Established within 60s; its custom resources may fail`);
      }
    }

    async function existingPersistentVolumes(): Promise<string[]> {
      const ref = target.ref('persistentvolumes', 'v1');
      if (!ref || !selection.items.has('persistentvolumeclaims')) return [];
      const names: string[] = [];
      try {
        for await (const pv of cluster.list(ref)) names.push(pv.metadata.name!);
      } catch (err) {
        log.warn(`Cannot list the target's persistent volumes (${errorMessage(err)}); claims naming a volume not in the backup get a new one`);
      }
      return names;
    }

    async function restoreOwnerReferences(): Promise<void> {
      await Promise.all(
        pendingOwnerRefs.map(({ desired, groupResource, version }) =>
          limit(async () => {
            const { object, dropped } = rewriteOwnerReferences(desired, owners.lookup);
            const where = `${groupResource} ${desired.metadata.namespace ? `${desired.metadata.namespace}/` : ''}${desired.metadata.name}`;
            for (const ref of dropped) log.info(`${where}: ownerReference to ${ref.kind} ${ref.name} dropped (owner not restored by this run)`);
            if (!object.metadata.ownerReferences || settings.dryRun) return;
            try {
              await cluster.patch(target.ref(groupResource, version)!, desired.metadata.name!, { metadata: { ownerReferences: object.metadata.ownerReferences } }, 'merge', { namespace: desired.metadata.namespace });
            } catch (err) {
              results.warning(`${where}: cannot set its ownerReferences: ${errorMessage(err)}`, desired.metadata.namespace);
            }
          })
        )
      );
    }

    async function runExecHooks(): Promise<void> {
      const planned = restoredPods.map((pod) => ({ pod, hooks: restoreExecHooksFor(pod, hooks) })).filter((p) => p.hooks.length);
      await Promise.all(
        planned.map(({ pod, hooks: podHooks }) =>
          limit(async () => {
            const outcome = await runRestoreExecHooks(cluster, pod, podHooks, log);
            for (const message of outcome.errors) results.error(message, pod.metadata.namespace);
            for (const message of outcome.warnings) results.warning(message, pod.metadata.namespace);
          })
        )
      );
    }

    function logOutcome(outcome: ItemOutcome): void {
      const what = `${outcome.groupResource} ${outcome.namespace ? `${outcome.namespace}/` : ''}${outcome.name}`;
      const verb = settings.dryRun ? planVerb(outcome.action) : outcome.action;
      const line = `${verb}: ${what}${outcome.reason ? ` (${outcome.reason})` : ''}`;
      if (outcome.action === 'failed') log.error(line);
      else log.info(line);
      if (settings.dryRun && outcome.changes?.length && outcome.action !== 'unchanged') {
        for (const change of outcome.changes) log.info(`    ${describeChange(change)}`);
      } else if (outcome.action === 'conflict' && outcome.changes) {
        log.debug(`    differs in ${summarize(outcome.changes)}`);
      }
    }
  }
}

/**
 * The restore's name. A name the user gave must be free; a default one (`<backup>-<stamp>`) that is taken, by
 * a second restore of the same backup within the same second, gets a counter instead.
 */
async function restoreName(store: ObjectStore, explicit: string | undefined, fallback: string, record: boolean): Promise<string> {
  const taken = async (name: string) => record && (await store.head(restoreKeys(name).metadata)) !== undefined;
  if (explicit) {
    if (await taken(explicit)) throw new InputError('restore-name', `a restore named '${explicit}' already exists in ${store.url}`, 'Choose another restore-name');
    return explicit;
  }
  for (let n = 0; ; n++) {
    const candidate = n === 0 ? fallback : `${fallback}-${n}`;
    if (!(await taken(candidate))) return candidate;
  }
}

function planVerb(action: ItemOutcome['action']): string {
  const verbs: Record<ItemOutcome['action'], string> = { created: 'create', updated: 'update', recreated: 'recreate', unchanged: 'unchanged', conflict: 'conflict', failed: 'fail', skipped: 'skip' };
  return verbs[action];
}

function versionOf(object: KubeObject): string {
  const apiVersion = object.apiVersion ?? 'v1';
  return apiVersion.slice(apiVersion.indexOf('/') + 1);
}

/** New uids of the objects this restore created, by what an ownerReference names: group, kind, namespace, name. */
class OwnerRegistry {
  private readonly uids = new Map<string, string>();

  add(object: KubeObject, uid: string): void {
    this.uids.set(this.key(object.apiVersion ?? '', object.kind ?? '', object.metadata.namespace, object.metadata.name ?? ''), uid);
  }

  readonly lookup = (apiVersion: string, kind: string, namespace: string | undefined, name: string): string | undefined =>
    this.uids.get(this.key(apiVersion, kind, namespace, name)) ?? this.uids.get(this.key(apiVersion, kind, undefined, name));

  private key(apiVersion: string, kind: string, namespace: string | undefined, name: string): string {
    const group = apiVersion.includes('/') ? apiVersion.slice(0, apiVersion.indexOf('/')) : '';
    return `${group}|${kind}|${namespace ?? ''}|${name}`;
  }
}

