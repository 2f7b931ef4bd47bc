import pLimit from 'p-limit';
import type { Cluster, ListOptions } from '../kube/cluster.js';
import { isBuiltInGroup } from '../kube/api-groups.js';
import { KubeApiError } from '../kube/http.js';
import type { Logger } from '../util/logger.js';
import { errorMessage } from '../util/errors.js';
import { relatedClusterItems, type RelatedRefs } from './related.js';
import type { RunResults } from '../util/run-results.js';
import { type BackupScope } from './scope.js';
import type { KubeObject } from '../model/kube-object.js';
import { LABELS } from '../velero/vocabulary.js';
import { resourceRefOf, type ScopedResource } from '../kube/resources.js';
import type { ResourceRef } from '../model/resource-ref.js';
import { closeNames } from '../util/close-names.js';
import { missingNamespaceWarning, type MissingNamespace } from './backup-outcome.js';

/** Where collected items go. The collector walks; the sink writes (an archive, a counter in a benchmark). */
export interface ItemSink {
  /** Resolves when the item is accepted; awaiting it is what keeps memory bounded. */
  add(item: CollectedItem): Promise<void>;
}

export interface CollectedItem {
  scoped: ScopedResource;
  /** The version this copy of the object is at; the preferred one unless all-api-versions adds others. */
  version: string;
  preferred: boolean;
  object: KubeObject;
}

/** Runs each pod's hooks around its write (see pod-hook-runner.ts for the order and the guarantees). */
export interface PodHooks {
  /**
   * Pre hooks, then `write` unless they veto the pod, then post hooks. Resolves whether the pod was written; rejects
   * with write's failure (or `signal`'s reason) only after the post hooks that were due have run.
   */
  around(pod: KubeObject, write: () => Promise<void>, signal: AbortSignal): Promise<boolean>;
}

export interface CollectOptions {
  scope: BackupScope;
  labelSelector?: string;
  orLabelSelectors: string[];
  allApiVersions: boolean;
  pageSize: number;
  concurrency: number;
  hooks?: PodHooks;
  /** The run's failure outside the walk (the upload broke): once aborted, no further item is taken, no hook starts. */
  signal?: AbortSignal;
  logger: Logger;
  results: RunResults;
  /** Reported after each page, for progress lines. */
  onProgress?: (done: { items: number; resourcesDone: number; resourcesTotal: number }) => void;
}

/**
 * Walks the cluster for a backup: namespaces first, then every namespaced resource (in parallel, page by page),
 * then cluster-scoped resources whole or only the items related to what was taken. Nothing is held beyond the
 * pages in flight; list failures become item errors and the walk goes on.
 *
 * Any other failure (the sink refusing an item, the run's signal) fails the backup: from then on no walk takes
 * another item, so no pod's pre hooks start, and the walk only rejects once every walk in flight has stopped, so
 * the post hooks of pods already hooked have run (and are recorded) before the run writes its results.
 */
export interface CollectedTotals {
  items: number;
  /** Resource types walked, the walk of related cluster-scoped items counting as one: the progress lines' total. */
  resourcesTotal: number;
  /** Namespaces include-namespaces names literally that the cluster does not have (each also a warning). */
  missingNamespaces: MissingNamespace[];
}

export async function collectItems(cluster: Cluster, sink: ItemSink, options: CollectOptions): Promise<CollectedTotals> {
  const { scope, results, logger } = options;
  let items = 0;
  let resourcesDone = 0;
  const related: RelatedRefs = { persistentVolumes: new Set(), serviceAccounts: new Set(), customResourceGroups: new Set() };

  const accept = async (scoped: ScopedResource, object: KubeObject, version = scoped.resource.version, preferred = true) => {
    await sink.add({ scoped, version, preferred, object });
    if (preferred) items++;
  };

  // The first failure stops every walk; `stop` also carries the run's own (an upload that broke).
  const failure = new AbortController();
  const stop = options.signal ? AbortSignal.any([options.signal, failure.signal]) : failure.signal;

  const namespaces = await includedNamespaces(cluster, scope, options);
  logger.info(`Namespaces in scope: ${namespaces.names.length ? namespaces.names.join(', ') : '(none)'}`);
  for (const missing of namespaces.missing) {
    const warning = missingNamespaceWarning(missing, cluster.server);
    results.warning(warning, missing.name);
    logger.warn(warning);
  }
  if (scope.namespacesResource) {
    for (const ns of namespaces.objects) {
      stop.throwIfAborted();
      await accept(scope.namespacesResource, ns);
    }
  }

  const walks: ScopedResource[] = [...scope.namespaced, ...(scope.clusterScopeMode === 'all' ? scope.clusterScoped : [])];
  const total = walks.length + (scope.clusterScopeMode === 'related' ? 1 : 0);
  const limit = pLimit(options.concurrency);

  const walk = async (scoped: ScopedResource) => {
    const versions = options.allApiVersions ? [scoped.resource.version, ...scoped.otherVersions] : [scoped.resource.version];
    for (const [index, version] of versions.entries()) {
      const preferred = index === 0;
      const ref = resourceRefOf(scoped, version);
      const targets = scoped.resource.namespaced && !scope.allNamespaces ? namespaces.names : [undefined];
      for (const namespace of targets) {
        for await (const object of listSelected(cluster, ref, namespace, options)) {
          stop.throwIfAborted();
          if (!keep(object, scope, namespaces.excludedByLabel)) continue;
          const write = () => accept(scoped, object, version, preferred);
          const hooked = preferred && scoped.groupResource === 'pods' && options.hooks;
          const written = hooked ? await options.hooks!.around(object, write, stop) : (await write(), true);
          if (written && preferred) noteRelated(scoped, object, related);
        }
      }
    }
    resourcesDone++;
    options.onProgress?.({ items, resourcesDone, resourcesTotal: total });
  };
  const settled = await Promise.allSettled(
    walks.map((scoped) =>
      limit(async () => {
        if (stop.aborted) return; // queued behind the failure: never started
        try {
          await walk(scoped);
        } catch (err) {
          failure.abort(err);
          throw err;
        }
      })
    )
  );
  // The first failure, whichever walk (or the run) met it first; the others are its consequences.
  if (stop.aborted) throw stop.reason;
  for (const outcome of settled) if (outcome.status === 'rejected') throw outcome.reason;

  if (scope.clusterScopeMode === 'related') {
    for await (const { scoped, object } of relatedClusterItems(cluster, scope, related, results, logger)) {
      stop.throwIfAborted();
      await accept(scoped, object);
    }
    resourcesDone++;
    options.onProgress?.({ items, resourcesDone, resourcesTotal: total });
  }
  return { items, resourcesTotal: total, missingNamespaces: namespaces.missing };

  async function* listSelected(cluster: Cluster, ref: ResourceRef, namespace: string | undefined, options: CollectOptions): AsyncIterable<KubeObject> {
    const selectors = options.orLabelSelectors.length ? options.orLabelSelectors : [options.labelSelector];
    // With or-selectors an object can match several; take it once.
    const seen = selectors.length > 1 ? new Set<string>() : undefined;
    for (const labelSelector of selectors) {
      const listOptions: ListOptions = { namespace, labelSelector, limit: options.pageSize };
      try {
        for await (const object of cluster.list(ref, listOptions)) {
          if (seen) {
            const uid = object.metadata.uid ?? `${object.metadata.namespace}/${object.metadata.name}`;
            if (seen.has(uid)) continue;
            seen.add(uid);
          }
          yield object;
        }
      } catch (err) {
        const what = `${ref.resource}${ref.group ? `.${ref.group}` : ''}`;
        const message = `cannot list ${what}${namespace ? ` in namespace ${namespace}` : ''}: ${describeListError(err)}`;
        results.error(message, namespace);
        logger.error(message);
      }
    }
  }
}

function describeListError(err: unknown): string {
  if (err instanceof KubeApiError && err.statusCode === 403) return `forbidden (${err.message})`;
  return errorMessage(err);
}

/** Velero's per-item skips: objects being deleted, and objects (or namespaces) labelled exclude-from-backup. */
function keep(object: KubeObject, scope: BackupScope, excludedByLabel: Set<string>): boolean {
  const meta = object.metadata;
  if (meta.deletionTimestamp) return false;
  if (meta.labels?.[LABELS.excludeFromBackup] === 'true') return false;
  const namespace = meta.namespace;
  if (namespace && (!scope.includesNamespace(namespace) || excludedByLabel.has(namespace))) return false;
  return true;
}

function noteRelated(scoped: ScopedResource, object: KubeObject, related: RelatedRefs): void {
  const gr = scoped.groupResource;
  if (gr === 'persistentvolumeclaims') {
    const volume = (object.spec as { volumeName?: string } | undefined)?.volumeName;
    if (volume) related.persistentVolumes.add(volume);
  } else if (gr === 'serviceaccounts') {
    related.serviceAccounts.add(`${object.metadata.namespace}/${object.metadata.name}`);
  } else if (scoped.resource.group.includes('.') && !isBuiltInGroup(scoped.resource.group)) {
    // Built-in groups (rbac.authorization.k8s.io...) have no CRD to look up.
    related.customResourceGroups.add(gr);
  }
}

interface NamespaceSelection {
  names: string[];
  objects: KubeObject[];
  excludedByLabel: Set<string>;
  missing: MissingNamespace[];
}

/**
 * The namespaces a backup covers. Listing namespaces needs cluster-wide rights; a user limited to some namespaces
 * may still back them up by naming them: the names are then taken as given and the Namespace objects reported
 * as errors.
 */
async function includedNamespaces(cluster: Cluster, scope: BackupScope, options: CollectOptions): Promise<NamespaceSelection> {
  const ref: ResourceRef = { group: '', version: 'v1', resource: 'namespaces', namespaced: false };
  const selection: NamespaceSelection = { names: [], objects: [], excludedByLabel: new Set(), missing: [] };
  try {
    const existing: string[] = [];
    for await (const ns of cluster.list(ref, { limit: options.pageSize })) {
      const name = ns.metadata.name!;
      existing.push(name);
      if (!scope.includesNamespace(name)) continue;
      if (ns.metadata.labels?.[LABELS.excludeFromBackup] === 'true' || ns.metadata.deletionTimestamp) {
        selection.excludedByLabel.add(name);
        continue;
      }
      selection.names.push(name);
      selection.objects.push(ns);
    }
    // Names, not patterns: a literal name that matches nothing is a mistake (Velero backs up nothing, silently).
    const known = new Set(existing);
    for (const name of scope.literalNamespaces) {
      if (!known.has(name)) selection.missing.push({ name, close: closeNames(name, existing) });
    }
  } catch (err) {
    const literal = scope.literalNamespaces;
    if (!(err instanceof KubeApiError && err.statusCode === 403) || literal.length === 0) throw err;
    options.logger.warn(`Cannot list namespaces (forbidden); backing up the named ones: ${literal.join(', ')}`);
    for (const name of literal) {
      let unreadable = false;
      const ns = await cluster.get(ref, name).catch((e: unknown) => {
        unreadable = true;
        options.results.error(`cannot read namespace ${name}: ${describeListError(e)}`, name);
        return undefined;
      });
      if (!ns && !unreadable) {
        // Without the right to list namespaces, none are offered as close names.
        selection.missing.push({ name, close: [] });
        continue;
      }
      selection.names.push(name);
      if (ns) selection.objects.push(ns);
    }
  }
  return selection;
}
