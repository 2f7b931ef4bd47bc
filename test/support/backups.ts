import { gunzipSync } from 'node:zlib';
import { readArchive } from './archive-reader.js';
import { parseItemPath } from '../../src/archive/item-path.js';
import { backupKeys } from '../../src/storage/layout.js';
import type { ObjectStore } from '../../src/storage/object-store.js';
import type { KubeObject } from '../../src/model/kube-object.js';
import { readText } from '../../src/storage/object-store.js';

export interface StoredArchive {
  /** Every entry path, in archive order. */
  paths: string[];
  /** Unversioned items as `groupResource|namespace|name` (namespace '' for cluster-scoped). */
  items: Set<string>;
  objects: Map<string, KubeObject>;
}

export function itemKey(groupResource: string, namespace: string | undefined, name: string): string {
  return `${groupResource}|${namespace ?? ''}|${name}`;
}

/** Reads a stored backup's tarball back with the project's reader. */
export async function readStoredArchive(store: ObjectStore, name: string): Promise<StoredArchive> {
  const archive: StoredArchive = { paths: [], items: new Set(), objects: new Map() };
  for await (const entry of readArchive(await store.get(backupKeys(name).tarball))) {
    archive.paths.push(entry.path);
    const parsed = parseItemPath(entry.path);
    if (!parsed || parsed.versionDir) continue;
    const key = itemKey(parsed.groupResource, parsed.namespace, parsed.name);
    archive.items.add(key);
    archive.objects.set(key, JSON.parse(entry.content.toString('utf8')) as KubeObject);
  }
  return archive;
}

export async function readJson<T>(store: ObjectStore, key: string): Promise<T> {
  return JSON.parse(await readText(store, key)) as T;
}

export async function readGzJson<T>(store: ObjectStore, key: string): Promise<T> {
  return JSON.parse(await readGzText(store, key)) as T;
}

export async function readGzText(store: ObjectStore, key: string): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of await store.get(key)) chunks.push(chunk as Buffer);
  return gunzipSync(Buffer.concat(chunks)).toString('utf8');
}

/** Items of one namespace, or of the cluster scope. */
export function itemsIn(archive: StoredArchive, namespace: string | null): string[] {
  return [...archive.items].filter((key) => (namespace === null ? key.split('|')[1] === '' : key.split('|')[1] === namespace)).sort();
}
