import type { KubeObject } from '../model/kube-object.js';
import { ItemReadError, type BackupCatalog, type CatalogItem } from '../persistence/archive-catalog.js';
import { checkItemIdentity } from '../persistence/item-identity.js';
import { MAX_PATH_SHOWN, printable } from '../util/printable.js';

/** A copy of an item restore can use: its object (namespace filled from the path when the JSON had none). */
export interface GoodItem {
  ok: true;
  object: KubeObject;
  path: string;
}

/** A copy it cannot: the archive entry and what is wrong with it (unreadable, not JSON, not where its path says). */
export interface BadItem {
  ok: false;
  path: string;
  problem: string;
}

/**
 * Every read of a backed-up item in a restore goes through here: the copy is parsed, shaped and checked against
 * its archive path (checkItemIdentity), so a damaged or lying item is a value to report, never an exception that
 * ends the run nor an object that would be written somewhere its path does not say.
 */
export async function readItem(catalog: BackupCatalog, item: CatalogItem, version?: string): Promise<GoodItem | BadItem> {
  let copy;
  try {
    copy = await catalog.readCopy(item, version);
  } catch (err) {
    if (err instanceof ItemReadError) return { ok: false, path: err.path, problem: err.problem };
    throw err;
  }
  const checked = checkItemIdentity(copy.object, item);
  if ('problem' in checked) return { ok: false, path: copy.path, problem: checked.problem };
  return { ok: true, object: checked.object, path: copy.path };
}

/** The reason a bad item is reported with: its archive entry first, then the problem. */
export function badItemReason(bad: BadItem): string {
  return entryReason(bad.path, bad.problem);
}

/** A problem of the item at archive entry `path`, as reported: the entry (escaped where it needs to be), then the problem. */
export function entryReason(path: string, problem: string): string {
  return `${printable(path, MAX_PATH_SHOWN)}: ${problem}`;
}
