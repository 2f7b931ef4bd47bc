import { Readable } from 'node:stream';
import { compareKeys } from '../../../src/storage/keys.js';
import type { ObjectInfo, ObjectStore, PutOptions } from '../../../src/storage/object-store.js';
import { AlreadyExistsError, NotFoundError } from '../../../src/util/errors.js';

/** An in-memory ObjectStore with an atomic conditional put, for unit tests of the lease and the lifecycle engines. */
export class MemoryStore implements ObjectStore {
  readonly url = 'memory://test';
  readonly conditionalPut: 'atomic' | 'best-effort' = 'atomic';
  readonly objects = new Map<string, { data: Buffer; lastModified: Date }>();
  /** The time new objects get; tests move it. */
  now = () => new Date();

  async put(key: string, body: Readable | Buffer | string, options: PutOptions = {}): Promise<void> {
    const data = body instanceof Readable ? await collect(body) : Buffer.from(body);
    if (options.ifNoneMatch && this.objects.has(key)) throw new AlreadyExistsError(`object '${key}' already exists`);
    this.objects.set(key, { data, lastModified: this.now() });
  }

  async get(key: string): Promise<Readable> {
    const object = this.objects.get(key);
    if (!object) throw new NotFoundError(`object '${key}' not found`);
    return Readable.from([object.data]);
  }

  async head(key: string): Promise<ObjectInfo | undefined> {
    const object = this.objects.get(key);
    return object ? { key, size: object.data.length, lastModified: object.lastModified } : undefined;
  }

  async *list(prefix: string): AsyncIterable<ObjectInfo> {
    for (const key of [...this.objects.keys()].filter((k) => k.startsWith(prefix)).sort(compareKeys)) {
      const info = await this.head(key);
      if (info) yield info;
    }
  }

  async *listFolders(prefix: string): AsyncIterable<string> {
    const folders = new Set<string>();
    for (const key of this.objects.keys()) {
      if (!key.startsWith(prefix)) continue;
      const slash = key.indexOf('/', prefix.length);
      if (slash >= 0) folders.add(key.slice(0, slash + 1));
    }
    yield* [...folders].sort(compareKeys);
  }

  async deleteMany(keys: readonly string[]): Promise<void> {
    for (const key of keys) this.objects.delete(key);
  }

  text(key: string): string | undefined {
    return this.objects.get(key)?.data.toString('utf8');
  }

  keys(prefix = ''): string[] {
    return [...this.objects.keys()].filter((k) => k.startsWith(prefix)).sort(compareKeys);
  }
}

async function collect(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk as string));
  return Buffer.concat(chunks);
}
