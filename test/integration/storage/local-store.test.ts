import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { LocalObjectStore } from '../../../src/storage/local-store.js';
import { collect, failingStream, objectStoreContract } from './contract.js';

async function tempDirectory(): Promise<{ parent: string; cleanup: () => Promise<void> }> {
  const parent = await fs.mkdtemp(path.join(os.tmpdir(), 'kube-backup-store-'));
  return { parent, cleanup: () => fs.rm(parent, { recursive: true, force: true }) };
}

/** Every path under `dir`, relative to it, directories with a trailing '/'. */
async function tree(dir: string): Promise<string[]> {
  const entries = await fs.readdir(dir, { recursive: true, withFileTypes: true });
  return entries.map((e) => path.relative(dir, path.join(e.parentPath, e.name)) + (e.isDirectory() ? '/' : '')).sort();
}

objectStoreContract('local directory', async () => {
  const { parent, cleanup } = await tempDirectory();
  // A directory that does not exist yet: the first put creates it.
  return { store: new LocalObjectStore(path.join(parent, 'backups')), cleanup };
});

describe('LocalObjectStore', () => {
  let parent: string;
  let cleanup: () => Promise<void>;
  beforeAll(async () => {
    ({ parent, cleanup } = await tempDirectory());
  });
  afterAll(() => cleanup());

  const fresh = async (name: string): Promise<{ root: string; store: LocalObjectStore }> => {
    const root = path.join(parent, name);
    return { root, store: new LocalObjectStore(root) };
  };

  it('creates its directory on the first put, and points its url at it', async () => {
    const { root, store } = await fresh('created');
    expect(store.url).toBe(`file://${root}`);
    await expect(fs.stat(root)).rejects.toThrow();
    await store.put('a/b/c.txt', 'c');
    expect(await fs.readFile(path.join(root, 'a', 'b', 'c.txt'), 'utf8')).toBe('c');
  });

  it('verifies that its location can be a directory', async () => {
    const { root, store } = await fresh('verified');
    await expect(store.verifyAccess()).resolves.toBeUndefined();
    await fs.writeFile(root, 'a file');
    await expect(store.verifyAccess()).rejects.toThrow(`Input 'location': ${root} is not a directory. Point the location at a directory`);
    await expect(new LocalObjectStore(path.join(root, 'below')).verifyAccess()).rejects.toThrow(`${root}/below is below a file`);
  });

  it('leaves neither a file, a temporary file nor a directory behind when a streamed put fails', async () => {
    const { root, store } = await fresh('failed');
    await store.put('kept', 'kept');
    await expect(store.put('deep/dir/broken.bin', failingStream(3 * 1024 * 1024, new Error('disk source broke')))).rejects.toThrow(
      'disk source broke'
    );
    expect(await tree(root)).toEqual(['kept']);
  });

  it('never shows a partial object while a put is under way', async () => {
    const { root, store } = await fresh('partial');
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const slow = Readable.from(
      (async function* () {
        yield Buffer.from('first half,');
        await gate;
        yield Buffer.from('second half');
      })()
    );
    const putting = store.put('slow/object', slow);
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(await store.head('slow/object')).toBeUndefined();
    expect(await collect(store.list(''))).toEqual([]);
    expect(await collect(store.listFolders(''))).toEqual([]);
    expect((await tree(root)).some((p) => /^slow\/\.object\.tmp-[0-9a-f]{12}$/.test(p))).toBe(true);
    release();
    await putting;
    expect(await tree(root)).toEqual(['slow/', 'slow/object']);
  });

  it('refuses keys that would escape its directory', async () => {
    const { store } = await fresh('escape');
    for (const key of ['../outside', 'a/../../outside', '/etc/passwd', 'a//b', './a', 'a\\..\\b', '']) {
      await expect(store.put(key, 'x')).rejects.toThrow(/invalid object key/);
      await expect(store.get(key)).rejects.toThrow(/invalid object key/);
    }
    await expect(collect(store.list('../'))).rejects.toThrow(/invalid object prefix/);
    await expect(fs.stat(path.join(parent, 'outside'))).rejects.toThrow();
  });

  it('removes directories emptied by deleteMany, but not its own', async () => {
    const { root, store } = await fresh('prune');
    await store.put('x/y/z/1', '1');
    await store.put('x/y/2', '2');
    await store.put('x/other/3', '3');
    await store.deleteMany(['x/y/z/1', 'x/y/2']);
    expect(await tree(root)).toEqual(['x/', 'x/other/', 'x/other/3']);
    await store.deleteMany(['x/other/3']);
    expect(await tree(root)).toEqual([]);
  });

  it('ignores stray temporary files and empty directories when listing', async () => {
    const { root, store } = await fresh('stray');
    await store.put('b/real', 'r');
    await fs.writeFile(path.join(root, 'b', '.real.tmp-0123456789ab'), 'partial');
    await fs.mkdir(path.join(root, 'empty', 'deeper'), { recursive: true });
    expect((await collect(store.list(''))).map((o) => o.key)).toEqual(['b/real']);
    expect(await collect(store.listFolders(''))).toEqual(['b/']);
    await expect(store.put('b/.x.tmp-0123456789ab', 'x')).rejects.toThrow(/temporary/);
  });

  it("lists a killed process's temporary and lock files by the key they were for, and removes only those", async () => {
    const { root, store } = await fresh('debris');
    await store.put('backups/b/velero-backup.json', '{}');
    const old = new Date('2026-01-01T00:00:00Z');
    await fs.mkdir(path.join(root, 'backups', 'b', 'deep'), { recursive: true });
    await fs.writeFile(path.join(root, 'backups', 'b', '.b.tar.gz.tmp-0123456789ab'), Buffer.alloc(3000));
    await fs.writeFile(path.join(root, 'backups', 'b', 'deep', '.x.tmp-abcdefabcdef'), 'x');
    await fs.mkdir(path.join(root, 'metadata'));
    await fs.writeFile(path.join(root, 'metadata', '.kube-backup-lease.json.cas-lock'), '');
    await fs.utimes(path.join(root, 'backups', 'b', '.b.tar.gz.tmp-0123456789ab'), old, old);

    const listed = await collect(store.listUnfinished(''));
    expect(listed.map((w) => [w.key, w.id, w.kind, w.size]).sort()).toEqual(
      [
        ['backups/b/b.tar.gz', 'backups/b/.b.tar.gz.tmp-0123456789ab', 'temporary-file', 3000],
        ['backups/b/deep/x', 'backups/b/deep/.x.tmp-abcdefabcdef', 'temporary-file', 1],
        ['metadata/kube-backup-lease.json', 'metadata/.kube-backup-lease.json.cas-lock', 'lock-file', 0]
      ].sort()
    );
    expect(listed.find((w) => w.key === 'backups/b/b.tar.gz')!.lastModified.getTime()).toBe(old.getTime());
    expect((await collect(store.listUnfinished('backups/b/b.'))).map((w) => w.key)).toEqual(['backups/b/b.tar.gz']);

    // Never an object, whatever the caller hands in.
    const at = new Date();
    await expect(store.abortUnfinished([{ key: 'backups/b/velero-backup.json', id: 'backups/b/velero-backup.json', kind: 'temporary-file', lastModified: at }])).rejects.toThrow(/no unfinished write/);
    await expect(store.abortUnfinished([{ key: 'backups/b/other', id: 'backups/b/.b.tar.gz.tmp-0123456789ab', kind: 'temporary-file', lastModified: at }])).rejects.toThrow(/no unfinished write/);
    await expect(store.abortUnfinished([{ key: 'x', id: '../.x.tmp-0123456789ab', kind: 'temporary-file', lastModified: at }])).rejects.toThrow(/invalid object key/);

    await store.abortUnfinished(listed);
    expect(await tree(root)).toEqual(['backups/', 'backups/b/', 'backups/b/velero-backup.json']);
  });

  it('lets exactly one of several concurrent conditional puts win', async () => {
    const { store } = await fresh('race');
    const results = await Promise.allSettled(Array.from({ length: 10 }, (_, i) => store.put('lock', `writer ${i}`, { ifNoneMatch: true })));
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    expect(results.filter((r) => r.status === 'rejected').map((r) => (r as PromiseRejectedResult).reason.name)).toEqual(
      Array(9).fill('AlreadyExistsError')
    );
  });
});
