import type { Readable } from 'node:stream';
import type { ObjectInfo, ObjectStore, PutOptions, VersionedText } from '../../src/storage/object-store.js';

/** A real store passed through unchanged: test doubles extend it and change the one call they fault. */
export class DelegatingStore implements ObjectStore {
  constructor(protected readonly real: ObjectStore) {}
  get url() {
    return this.real.url;
  }
  get conditionalPut() {
    return this.real.conditionalPut;
  }
  put(key: string, body: Readable | Buffer | string, options?: PutOptions): Promise<void> {
    return this.real.put(key, body, options);
  }
  get(key: string): Promise<Readable> {
    return this.real.get(key);
  }
  readVersioned(key: string): Promise<VersionedText | undefined> {
    if (!this.real.readVersioned) throw new Error(`${this.real.url} cannot read versions`);
    return this.real.readVersioned(key);
  }
  head(key: string): Promise<ObjectInfo | undefined> {
    return this.real.head(key);
  }
  list(prefix: string): AsyncIterable<ObjectInfo> {
    return this.real.list(prefix);
  }
  listFolders(prefix: string): AsyncIterable<string> {
    return this.real.listFolders(prefix);
  }
  deleteMany(keys: readonly string[]): Promise<void> {
    return this.real.deleteMany(keys);
  }
}
