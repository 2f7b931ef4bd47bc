import { createHash, randomBytes } from 'node:crypto';
import { PassThrough, Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { ObjectStore, UnfinishedWrite } from '../../../src/storage/object-store.js';
import { AlreadyExistsError, NotFoundError } from '../../../src/util/errors.js';

export interface StoreFixture {
  store: ObjectStore;
  cleanup: () => Promise<void>;
}

const MiB = 1024 * 1024;

/**
 * The behaviour every ObjectStore backend must share, run against each real backend. Each test works under its own
 * top-level folder so that tests do not see each other's objects.
 */
export function objectStoreContract(name: string, makeStore: () => Promise<StoreFixture>): void {
  describe(`ObjectStore contract: ${name}`, () => {
    let store: ObjectStore;
    let cleanup: (() => Promise<void>) | undefined;

    beforeAll(async () => {
      ({ store, cleanup } = await makeStore());
    });
    afterAll(async () => {
      await cleanup?.();
    });

    it('round-trips a buffer, a string and a stream', async () => {
      const buffer = randomBytes(1000);
      await store.put('roundtrip/buffer.bin', buffer);
      await store.put('roundtrip/string.txt', 'héllo wörld\n', { contentType: 'text/plain' });
      await store.put('roundtrip/stream.txt', Readable.from([Buffer.from('one,'), Buffer.from('two,'), Buffer.from('three')]));
      await store.put('roundtrip/empty', Buffer.alloc(0));

      expect(await readAll(await store.get('roundtrip/buffer.bin'))).toEqual(buffer);
      expect((await readAll(await store.get('roundtrip/string.txt'))).toString('utf8')).toBe('héllo wörld\n');
      expect((await readAll(await store.get('roundtrip/stream.txt'))).toString('utf8')).toBe('one,two,three');
      expect((await readAll(await store.get('roundtrip/empty'))).length).toBe(0);
    });

    it('overwrites an existing key with a plain put', async () => {
      await store.put('overwrite/k', 'first');
      await store.put('overwrite/k', 'second, longer');
      expect((await readAll(await store.get('overwrite/k'))).toString()).toBe('second, longer');
      expect((await store.head('overwrite/k'))?.size).toBe('second, longer'.length);
    });

    it('heads an existing object and answers undefined for a missing one', async () => {
      const before = Date.now();
      await store.put('head/present', Buffer.alloc(123, 7));
      const info = await store.head('head/present');
      expect(info).toMatchObject({ key: 'head/present', size: 123 });
      // Not toBeInstanceOf(Date): fs.stat's dates come from outside Jest's VM context.
      expect(Number.isNaN(info!.lastModified.getTime())).toBe(false);
      // Store clocks are coarse (seconds) and may drift a little from ours.
      expect(Math.abs(info!.lastModified.getTime() - before)).toBeLessThan(5 * 60_000);
      expect(await store.head('head/missing')).toBeUndefined();
      expect(await store.head('no-such-folder/missing')).toBeUndefined();
    });

    it('refuses to get a missing object with NotFoundError', async () => {
      await expect(store.get('get/missing')).rejects.toBeInstanceOf(NotFoundError);
      await expect(store.get('get/missing')).rejects.toThrow(/get\/missing/);
    });

    it('lists by prefix, in byte order of keys, with sizes', async () => {
      const objects: Record<string, number> = {
        'list/b.txt': 2,
        'list/a.txt': 1,
        'list/a/x': 3,
        'list/a-b': 4,
        'list/sub/deep/c': 5,
        'list/Z': 6,
        'listx/other': 7
      };
      for (const [key, size] of Object.entries(objects)) await store.put(key, Buffer.alloc(size, 1));

      const listed = await collect(store.list('list/'));
      // '-' (0x2d) < '.' (0x2e) < '/' (0x2f), and upper case before lower case.
      expect(listed.map((o) => o.key)).toEqual(['list/Z', 'list/a-b', 'list/a.txt', 'list/a/x', 'list/b.txt', 'list/sub/deep/c']);
      for (const info of listed) {
        expect(info.size).toBe(objects[info.key]);
        expect(Number.isNaN(info.lastModified.getTime())).toBe(false);
      }
      expect((await collect(store.list('list/a'))).map((o) => o.key)).toEqual(['list/a-b', 'list/a.txt', 'list/a/x']);
      expect((await collect(store.list('list'))).map((o) => o.key)).toContain('listx/other');
      expect(await collect(store.list('list/nothing/'))).toEqual([]);
      expect(await collect(store.list('no-such-folder/'))).toEqual([]);
    });

    it('lists the folders directly under a prefix', async () => {
      for (const key of ['folders/one/a', 'folders/one/b', 'folders/two/deep/c', 'folders/file', 'folders/three-x/d']) {
        await store.put(key, 'x');
      }
      expect(await collect(store.listFolders('folders/'))).toEqual(['folders/one/', 'folders/three-x/', 'folders/two/']);
      expect(await collect(store.listFolders('folders/t'))).toEqual(['folders/three-x/', 'folders/two/']);
      expect(await collect(store.listFolders('folders/two/'))).toEqual(['folders/two/deep/']);
      expect(await collect(store.listFolders('folders/one/'))).toEqual([]);
      expect(await collect(store.listFolders(''))).toEqual(expect.arrayContaining(['folders/']));
    });

    it('creates with a conditional put, and refuses one on an existing key', async () => {
      await store.put('conditional/new', 'first', { ifNoneMatch: true });
      await expect(store.put('conditional/new', 'second', { ifNoneMatch: true })).rejects.toBeInstanceOf(AlreadyExistsError);
      await expect(store.put('conditional/new', Readable.from([Buffer.from('third')]), { ifNoneMatch: true })).rejects.toBeInstanceOf(
        AlreadyExistsError
      );
      expect((await readAll(await store.get('conditional/new'))).toString()).toBe('first');

      await store.put('conditional/streamed', Readable.from([Buffer.from('streamed')]), { ifNoneMatch: true });
      expect((await readAll(await store.get('conditional/streamed'))).toString()).toBe('streamed');
    });

    it('deletes present and missing keys alike', async () => {
      await store.put('delete/a', 'a');
      await store.put('delete/sub/b', 'b');
      await store.put('delete/keep', 'keep');
      await store.deleteMany(['delete/a', 'delete/missing', 'delete/sub/b', 'no-such-folder/x']);
      await store.deleteMany([]);
      expect(await store.head('delete/a')).toBeUndefined();
      expect(await store.head('delete/sub/b')).toBeUndefined();
      expect((await collect(store.list('delete/'))).map((o) => o.key)).toEqual(['delete/keep']);
      expect(await collect(store.listFolders('delete/'))).toEqual([]);
    });

    it('handles keys with spaces, unicode and URL-special characters', async () => {
      const keys = ['odd/with space/ünïcödé 日本.txt', 'odd/emoji 🎉.bin', 'odd/plus+percent%25&amp=?#.txt', "odd/quote'\"<>.txt"];
      for (const key of keys) await store.put(key, `content of ${key}`);
      for (const key of keys) {
        expect((await readAll(await store.get(key))).toString('utf8')).toBe(`content of ${key}`);
        expect((await store.head(key))?.size).toBe(Buffer.byteLength(`content of ${key}`));
      }
      expect((await collect(store.list('odd/'))).map((o) => o.key).sort()).toEqual([...keys].sort());
      expect(await collect(store.listFolders('odd/'))).toEqual(['odd/with space/']);
      await store.deleteMany(keys);
      expect(await collect(store.list('odd/'))).toEqual([]);
    });

    it('streams 20 MiB of unknown length up in parts and back byte-exactly', async () => {
      const source = randomStream(20 * MiB);
      await store.put('large/random.bin', source.stream);
      expect((await store.head('large/random.bin'))?.size).toBe(20 * MiB);
      const back = createHash('sha256');
      let size = 0;
      for await (const chunk of await store.get('large/random.bin')) {
        back.update(chunk as Buffer);
        size += (chunk as Buffer).length;
      }
      expect(size).toBe(20 * MiB);
      expect(back.digest('hex')).toBe(source.sha256());
    });

    it.each([
      ['before the first part', 100 * 1024],
      ['after several parts', 20 * MiB]
    ])('leaves no object when the source stream fails %s', async (_when, failAfter) => {
      const key = `failed/${failAfter}.bin`;
      await expect(store.put(key, failingStream(failAfter, new Error('source broke')))).rejects.toThrow('source broke');
      expect(await store.head(key)).toBeUndefined();
      expect(await collect(store.list('failed/'))).toEqual([]);
      expect(await collect(store.listFolders(''))).not.toContain('failed/');
      // The put cleaned up after itself: no part and no temporary file is left for a prune to find.
      expect(await collect(store.listUnfinished!('failed/'))).toEqual([]);
    });

    it('rejects a put whose stream fails before the store starts reading it, without an unhandled error', async () => {
      // A producer may fail at once (a run cancelled just as its upload starts): the store must own the stream's
      // errors from the call on, or the error event finds no listener and takes the process down.
      for (const key of ['early/plain.bin', 'early/create-only.bin']) {
        const source = new PassThrough();
        const putting = store.put(key, source, key.includes('create') ? { ifNoneMatch: true } : {});
        source.destroy(new Error('cancelled before the first read'));
        await expect(putting).rejects.toThrow('cancelled before the first read');
        expect(await store.head(key)).toBeUndefined();
      }
      expect(await collect(store.listUnfinished!('early/'))).toEqual([]);
    });

    it('lists a put under way as unfinished, until aborted; never an object', async () => {
      expect(store.listUnfinished).toBeDefined();
      expect(store.abortUnfinished).toBeDefined();
      await store.put('unfinished/done.bin', Buffer.alloc(10, 1));
      // More than one S3 part, then the source stalls: an upload under way, as a killed run leaves it.
      let fail!: (err: Error) => void;
      const stalled = new Promise<never>((_, reject) => (fail = reject));
      const source = Readable.from(
        (async function* () {
          for (let i = 0; i < 9; i++) yield Buffer.alloc(MiB, i);
          await stalled;
        })()
      );
      const putting = store.put('unfinished/big.bin', source);
      putting.catch(() => undefined);
      const before = Date.now();

      let found: UnfinishedWrite[] = [];
      for (let i = 0; i < 100 && found.length === 0; i++) {
        found = await collect(store.listUnfinished!('unfinished/'));
        if (found.length === 0) await new Promise((resolve) => setTimeout(resolve, 100));
      }
      expect(found).toHaveLength(1);
      const [write] = found;
      expect(write).toMatchObject({ key: 'unfinished/big.bin', kind: expect.stringMatching(/^(multipart-upload|temporary-file)$/) });
      expect(typeof write!.id).toBe('string');
      expect(Math.abs(write!.lastModified.getTime() - before)).toBeLessThan(5 * 60_000);
      expect(write!.size).toBeGreaterThanOrEqual(0);
      expect((await collect(store.list('unfinished/'))).map((o) => o.key)).toEqual(['unfinished/done.bin']);
      expect(await store.head('unfinished/big.bin')).toBeUndefined();
      // By the key it writes: under its prefixes, not under others.
      expect((await collect(store.listUnfinished!('unfinished/big'))).map((w) => w.key)).toEqual(['unfinished/big.bin']);
      expect((await collect(store.listUnfinished!(''))).map((w) => w.key)).toContain('unfinished/big.bin');
      expect(await collect(store.listUnfinished!('unfinished/done'))).toEqual([]);
      expect(await collect(store.listUnfinished!('other/'))).toEqual([]);

      await store.abortUnfinished!([write!]);
      expect(await collect(store.listUnfinished!('unfinished/'))).toEqual([]);
      await store.abortUnfinished!([write!]); // already gone: not an error
      fail(new Error('source gave up'));
      await expect(putting).rejects.toThrow();
      expect(await store.head('unfinished/big.bin')).toBeUndefined();
      expect((await collect(store.list('unfinished/'))).map((o) => o.key)).toEqual(['unfinished/done.bin']);
      expect(await collect(store.listUnfinished!('unfinished/'))).toEqual([]);
      expect((await readAll(await store.get('unfinished/done.bin'))).length).toBe(10);
    });

    it('lists more than 1,000 keys completely, and deletes them in one call', async () => {
      const keys = Array.from({ length: 1100 }, (_, i) => `many/${String(i).padStart(4, '0')}`);
      await mapLimit(keys, 32, (key) => store.put(key, key));
      const listed = await collect(store.list('many/'));
      expect(listed.map((o) => o.key)).toEqual(keys);
      expect(listed.every((o) => o.size === 9)).toBe(true);

      await store.deleteMany(keys);
      expect(await collect(store.list('many/'))).toEqual([]);
    });
  });
}

export async function readAll(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk as string));
  return Buffer.concat(chunks);
}

export async function collect<T>(items: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const item of items) out.push(item);
  return out;
}

/** `size` random bytes produced lazily (so the store cannot know the length), hashed as they go out. */
export function randomStream(size: number): { stream: Readable; sha256: () => string } {
  const hash = createHash('sha256');
  let left = size;
  const stream = new Readable({
    read() {
      if (left === 0) {
        this.push(null);
        return;
      }
      const chunk = randomBytes(Math.min(left, 256 * 1024));
      left -= chunk.length;
      hash.update(chunk);
      this.push(chunk);
    }
  });
  return { stream, sha256: () => hash.digest('hex') };
}

/** Produces `failAfter` bytes, then fails with `error`. */
export function failingStream(failAfter: number, error: Error): Readable {
  let sent = 0;
  return new Readable({
    read() {
      if (sent >= failAfter) {
        this.destroy(error);
        return;
      }
      const chunk = Buffer.alloc(Math.min(failAfter - sent, 256 * 1024), 0x61);
      sent += chunk.length;
      this.push(chunk);
    }
  });
}

/** Runs `fn` over `items`, at most `limit` at a time. */
export async function mapLimit<T>(items: readonly T[], limit: number, fn: (item: T) => Promise<unknown>): Promise<void> {
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) await fn(items[next++]!);
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
}
