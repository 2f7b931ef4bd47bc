import { parseItemPath } from '../archive/item-path.js';
import type { ArchiveIndex, IndexEntry } from '../archive/archive-index.js';
import type { KubeObject } from '../model/kube-object.js';

/** One backed-up object: where each stored copy of it sits in the spooled archive. */
export interface CatalogItem {
  groupResource: string;
  namespace?: string;
  name: string;
  /** The plain `resources/<gr>/...` copy: what Velero's own restore reads. */
  unversioned?: IndexEntry;
  /** `<v>-preferredversion` and, with all-api-versions, other `<v>` copies. */
  versions: { version: string; preferred: boolean; entry: IndexEntry }[];
}

/**
 * The items of a backup, by group-resource, without their content: memory holds paths and offsets only, and
 * each object is read from the spool file when its turn comes.
 */
export class BackupCatalog {
  private readonly byResource = new Map<string, Map<string, CatalogItem>>();

  constructor(private readonly index: ArchiveIndex) {
    for (const entry of index.entries) {
      const parsed = parseItemPath(entry.path);
      if (!parsed) continue;
      let items = this.byResource.get(parsed.groupResource);
      if (!items) this.byResource.set(parsed.groupResource, (items = new Map()));
      const key = itemId(parsed.namespace, parsed.name);
      let item = items.get(key);
      if (!item) items.set(key, (item = { groupResource: parsed.groupResource, namespace: parsed.namespace, name: parsed.name, versions: [] }));
      // A path stored twice is extracted as its later copy by tar; do the same.
      if (!parsed.versionDir) item.unversioned = entry;
      else {
        item.versions = item.versions.filter((v) => v.version !== parsed.versionDir!.version);
        item.versions.push({ version: parsed.versionDir.version, preferred: parsed.versionDir.preferred, entry });
      }
    }
  }

  get formatVersion(): string | undefined {
    return this.index.formatVersion;
  }

  groupResources(): string[] {
    return [...this.byResource.keys()].sort();
  }

  items(groupResource: string): CatalogItem[] {
    return [...(this.byResource.get(groupResource)?.values() ?? [])];
  }

  find(groupResource: string, namespace: string | undefined, name: string): CatalogItem | undefined {
    return this.byResource.get(groupResource)?.get(itemId(namespace, name));
  }

  /** The object at `version` (a versioned copy), or the unversioned copy when version is undefined or absent. */
  async read(item: CatalogItem, version?: string): Promise<KubeObject> {
    const copy = (version && item.versions.find((v) => v.version === version)?.entry) || item.unversioned || item.versions.find((v) => v.preferred)?.entry;
    if (!copy) throw new Error(`the archive has no readable copy of ${item.groupResource} ${itemId(item.namespace, item.name)}`);
    return JSON.parse((await this.index.read(copy)).toString('utf8')) as KubeObject;
  }

  close(): Promise<void> {
    return this.index.close();
  }
}

function itemId(namespace: string | undefined, name: string): string {
  return namespace ? `${namespace}/${name}` : name;
}
