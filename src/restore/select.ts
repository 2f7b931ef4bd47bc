import type { BackupCatalog, CatalogItem } from '../persistence/archive-catalog.js';
import { itemSelected, type RestoreScope } from './plan/filters.js';
import { CRDS, NEVER_RESTORED } from './plan/order.js';
import { relatedItems } from './plan/related.js';
import type { KubeObject } from '../model/kube-object.js';

export interface Selection {
  /** Selected items by group-resource. */
  items: Map<string, CatalogItem[]>;
  total: number;
}

/**
 * Which items of the backup this restore takes: the filters, then, transitively, the items the selected ones
 * bring (a pod's claims, a claim's volume, a custom resource's CRD). Objects are read one at a time from the
 * spooled archive and dropped; only catalog entries are kept.
 */
export async function selectItems(catalog: BackupCatalog, scope: RestoreScope): Promise<Selection> {
  const crdsInBackup = new Set(catalog.items(CRDS).map((item) => item.name));
  const chosen = new Set<CatalogItem>();
  const followUp: { item: CatalogItem; object: KubeObject }[] = [];

  for (const groupResource of catalog.groupResources()) {
    if (NEVER_RESTORED.includes(groupResource)) continue;
    for (const item of catalog.items(groupResource)) {
      const object = await catalog.read(item);
      const selection = itemSelected({ groupResource, namespace: item.namespace, name: item.name, labels: object.metadata.labels }, scope);
      if (!selection.selected) continue;
      chosen.add(item);
      if (relatedItems(object, groupResource, crdsInBackup).length) followUp.push({ item, object });
    }
  }

  while (followUp.length) {
    const { item, object } = followUp.pop()!;
    for (const key of relatedItems(object, item.groupResource, crdsInBackup)) {
      const related = catalog.find(key.groupResource, key.namespace, key.name);
      if (!related || chosen.has(related)) continue;
      if (!itemSelected({ groupResource: key.groupResource, namespace: key.namespace, name: key.name }, scope, { related: true }).selected) continue;
      chosen.add(related);
      followUp.push({ item: related, object: await catalog.read(related) });
    }
  }

  const items = new Map<string, CatalogItem[]>();
  for (const item of chosen) {
    const list = items.get(item.groupResource) ?? [];
    list.push(item);
    items.set(item.groupResource, list);
  }
  return { items, total: chosen.size };
}
