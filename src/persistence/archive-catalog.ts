import { parseItemPath } from '../archive/item-path.js';
import type { ArchiveIndex, IndexEntry } from '../archive/archive-index.js';
import type { KubeObject } from '../model/kube-object.js';
import { errorMessage } from '../util/errors.js';
import { isJsonObject } from '../util/json.js';

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

/** One stored copy of an item cannot be used: which entry of the archive, and what is wrong with it. */
export class ItemReadError extends Error {
  constructor(
    /** The archive entry (`resources/<gr>/namespaces/<ns>/<name>.json`), or what the item lacks. */
    readonly path: string,
    readonly problem: string
  ) {
    super(`${path}: ${problem}`);
    this.name = 'ItemReadError';
  }
}

/** An item's object and the archive entry it was read from. */
export interface ItemCopy {
  object: KubeObject;
  path: string;
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
    return (await this.readCopy(item, version)).object;
  }

  /**
   * The object at `version` as read, with the entry it came from. Anything the archive holds may be damaged or
   * hostile: a copy that cannot be read, is not JSON, or is not an object with a metadata object is an
   * ItemReadError naming its entry, never a bare parse error. What its metadata says is the reader's to check.
   */
  async readCopy(item: CatalogItem, version?: string): Promise<ItemCopy> {
    const copy = (version && item.versions.find((v) => v.version === version)?.entry) || item.unversioned || item.versions.find((v) => v.preferred)?.entry;
    if (!copy) throw new ItemReadError(item.versions[0]?.entry.path ?? `${item.groupResource} ${itemId(item.namespace, item.name)}`, 'the archive has no readable copy of it (neither the plain nor the preferred-version one)');
    let bytes: Buffer;
    try {
      bytes = await this.index.read(copy);
    } catch (err) {
      throw new ItemReadError(copy.path, `cannot be read from the archive: ${errorMessage(err)}`);
    }
    const decoded = decodeItem(bytes);
    if ('problem' in decoded) throw new ItemReadError(copy.path, decoded.problem);
    return { object: decoded.object, path: copy.path };
  }

  close(): Promise<void> {
    return this.index.close();
  }
}

function itemId(namespace: string | undefined, name: string): string {
  return namespace ? `${namespace}/${name}` : name;
}

/**
 * An archive entry's bytes as a Kubernetes object (JSON, an object with a metadata object), or what they are not.
 * What its metadata says is the caller's to check (persistence/item-identity.ts).
 */
export function decodeItem(bytes: Buffer): { object: KubeObject } | { problem: string } {
  let value: unknown;
  try {
    value = JSON.parse(bytes.toString('utf8'));
  } catch (err) {
    return { problem: jsonSyntaxProblem(err) };
  }
  const problem = kubeObjectShapeProblem(value);
  return problem ? { problem } : { object: value as KubeObject };
}

/** Why a parsed JSON value is not a Kubernetes object (an object with a metadata object), or undefined. */
export function kubeObjectShapeProblem(value: unknown): string | undefined {
  if (!isJsonObject(value)) return `not a Kubernetes object: the JSON is ${value === null ? 'null' : Array.isArray(value) ? 'an array' : `a ${typeof value}`}, not an object`;
  if (!isJsonObject(value.metadata)) return `not a Kubernetes object: it has no metadata object`;
  return undefined;
}

/**
 * Where a JSON.parse failed, without V8's message: that quotes the text around the error, and an item may be a
 * Secret (messages never carry secret values).
 */
function jsonSyntaxProblem(err: unknown): string {
  const message = errorMessage(err);
  if (/end of JSON input/i.test(message)) return 'not valid JSON (it ends too early)';
  const position = /at position (\d+)/.exec(message)?.[1];
  return `not valid JSON (syntax error${position === undefined ? '' : ` at character ${position}`})`;
}
