import type { BackupCatalog, CatalogItem } from '../persistence/archive-catalog.js';
import { badItemReason, readItem } from './item-reader.js';
import { itemSelected, type RestoreScope } from './plan/filters.js';
import { CRDS, NEVER_RESTORED } from './plan/order.js';
import { relatedItems } from './plan/related.js';
import type { KubeObject } from '../model/kube-object.js';

/** An item the filters take that the archive holds in a form that cannot be restored: a failed item. */
export interface RejectedItem {
  item: CatalogItem;
  /** Its archive entry and the problem. */
  reason: string;
}

export interface Selection {
  /** Selected items by group-resource. */
  items: Map<string, CatalogItem[]>;
  total: number;
  /** Selected by their path, but unreadable or disagreeing with it: each is a failed item of the restore. */
  rejected: RejectedItem[];
  /** Unusable items the filters leave out: reported, never an error. */
  warnings: string[];
}

/**
 * Which items of the backup this restore takes: the filters, then, transitively, the items the selected ones
 * bring (a pod's claims, a claim's volume, a custom resource's CRD). Objects are read one at a time from the
 * spooled archive and dropped; only catalog entries are kept.
 *
 * An item that cannot be used (readItem) is judged by its archive path alone: its labels cannot be trusted, so the
 * label selectors do not apply to it. When the path filters take it, it is rejected (a failed item); otherwise it
 * is a warning. Either way the selection goes on.
 */
export async function selectItems(catalog: BackupCatalog, scope: RestoreScope): Promise<Selection> {
  const crdsInBackup = new Set(catalog.items(CRDS).map((item) => item.name));
  const pathScope = withoutLabelSelectors(scope);
  const chosen = new Set<CatalogItem>();
  const unusable = new Map<CatalogItem, string>();
  const rejected = new Map<CatalogItem, string>();
  const followUp: { item: CatalogItem; object: KubeObject }[] = [];

  for (const groupResource of catalog.groupResources()) {
    if (NEVER_RESTORED.includes(groupResource)) continue;
    for (const item of catalog.items(groupResource)) {
      const read = await readItem(catalog, item);
      const ref = { groupResource, namespace: item.namespace, name: item.name };
      if (!read.ok) {
        unusable.set(item, badItemReason(read));
        if (itemSelected(ref, pathScope).selected) rejected.set(item, badItemReason(read));
        continue;
      }
      if (!itemSelected({ ...ref, labels: read.object.metadata.labels }, scope).selected) continue;
      chosen.add(item);
      if (relatedItems(read.object, groupResource, crdsInBackup).length) followUp.push({ item, object: read.object });
    }
  }

  while (followUp.length) {
    const { item, object } = followUp.pop()!;
    for (const key of relatedItems(object, item.groupResource, crdsInBackup)) {
      const related = catalog.find(key.groupResource, key.namespace, key.name);
      if (!related || chosen.has(related) || rejected.has(related)) continue;
      if (!itemSelected({ groupResource: key.groupResource, namespace: key.namespace, name: key.name }, scope, { related: true }).selected) continue;
      const read = await readItem(catalog, related);
      if (!read.ok) {
        rejected.set(related, badItemReason(read));
        continue;
      }
      chosen.add(related);
      followUp.push({ item: related, object: read.object });
    }
  }

  const items = new Map<string, CatalogItem[]>();
  for (const item of chosen) {
    const list = items.get(item.groupResource) ?? [];
    list.push(item);
    items.set(item.groupResource, list);
  }
  const warnings = [...unusable].filter(([item]) => !rejected.has(item)).map(([, reason]) => `an item the filters leave out cannot be used: ${reason}`);
  return { items, total: chosen.size, rejected: [...rejected].map(([item, reason]) => ({ item, reason })), warnings };
}

/** The filters an item's path can be judged by: all but the label selectors. */
function withoutLabelSelectors(scope: RestoreScope): RestoreScope {
  const { labelSelector: _ignored, ...rest } = scope;
  return { ...rest, orLabelSelectors: [] };
}
