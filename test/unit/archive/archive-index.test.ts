import { describe, expect, it } from '@jest/globals';
import { randomBytes } from 'node:crypto';
import { access, readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { gunzipSync, gzipSync } from 'node:zlib';
import { indexArchive } from '../../../src/archive/archive-index.js';
import { readArchive, type ArchiveEntry } from '../../support/archive-reader.js';
import { ArchiveCorruptError } from '../../../src/archive/archive-errors.js';
import { buildArchive, exec, longNameTree, sampleObject, withTempDir } from './support.js';

async function readAll(tarball: Buffer): Promise<ArchiveEntry[]> {
  const entries: ArchiveEntry[] = [];
  for await (const entry of readArchive(Readable.from([tarball]))) entries.push(entry);
  return entries;
}

const exists = (path: string) =>
  access(path).then(
    () => true,
    () => false
  );

/** Indexes `tarball` and checks every entry read back by offset against what the streaming reader saw. */
async function expectIndexMatchesStream(tarball: Buffer, spoolFile: string): Promise<ArchiveEntry[]> {
  const streamed = await readAll(tarball);
  const index = await indexArchive(Readable.from([tarball]), spoolFile);
  try {
    expect(index.entries.map((e) => [e.path, e.size])).toEqual(streamed.map((e) => [e.path, e.size]));
    // Out of order and concurrently, as a restore reads them.
    const reversed = [...index.entries].reverse();
    const contents = await Promise.all(reversed.map((entry) => index.read(entry)));
    contents.reverse().forEach((content, i) => expect(content.equals(streamed[i]!.content)).toBe(true));
    // The spool file is the uncompressed tar, and holds Secrets: owner only.
    expect((await readFile(spoolFile)).equals(gunzipSync(tarball))).toBe(true);
    expect((await stat(spoolFile)).mode & 0o777).toBe(0o600);
  } finally {
    await index.close();
  }
  return streamed;
}

describe('indexArchive', () => {
  it('finds every entry by offset: PAX long paths, empty and 3 MB entries, items', async () => {
    const longPath = `resources/widgets.example.com/namespaces/ns/${'w'.repeat(251)}.json`;
    // Fits ustar's prefix and name fields without PAX: 'resources/…/namespaces/<63>' + '/' + '<90>.json'.
    const prefixPath = `resources/widgets.example.com/namespaces/${'n'.repeat(63)}/${'x'.repeat(90)}.json`;
    const big = randomBytes(3 * 1024 * 1024);
    const tarball = await buildArchive(async (writer) => {
      for (let i = 0; i < 300; i++) {
        await writer.addItem({ groupResource: 'configmaps', namespace: 'ns', name: `c${i}`, version: 'v1', object: sampleObject(i) });
      }
      await writer.addFile(longPath, 'long');
      await writer.addFile(prefixPath, 'prefix');
      await writer.addFile('empty', '');
      await writer.addFile('big', big);
      await writer.addFile('after-big', 'tail');
    });
    await withTempDir(async (dir) => {
      const spool = join(dir, 'spool.tar');
      const streamed = await expectIndexMatchesStream(tarball, spool);
      expect(longPath.length).toBe(300);
      expect(streamed.map((e) => e.path)).toEqual(expect.arrayContaining([longPath, prefixPath, 'empty', 'big', 'after-big']));
      expect(streamed.find((e) => e.path === 'big')!.content.equals(big)).toBe(true);
    });
  });

  it('reads the format version and deletes the spool file on close', async () => {
    const tarball = await buildArchive(async () => {});
    await withTempDir(async (dir) => {
      const spool = join(dir, 'spool.tar');
      const index = await indexArchive(Readable.from([tarball]), spool);
      expect(index.formatVersion).toBe('1.1.0');
      expect(index.entries).toEqual([{ path: 'metadata/version', offset: 512, size: 6 }]);
      expect(await exists(spool)).toBe(true);
      await index.close();
      await index.close();
      expect(await exists(spool)).toBe(false);
      await expect(index.read(index.entries[0]!)).rejects.toThrow('closed');
    });
  });

  it('indexes archives made by GNU tar in its gnu and pax formats (long names, directory entries)', async () => {
    await withTempDir(async (dir) => {
      const { root, longFile } = await longNameTree(dir);
      await writeFile(join(root, 'resources', 'empty.json'), '');
      for (const format of ['gnu', 'pax', 'ustar']) {
        if (format === 'ustar') await writeFile(longFile, ''); // ustar: paths < 256
        const file = join(dir, `${format}.tar.gz`);
        const args = format === 'ustar' ? ['-C', root, 'metadata', 'resources/empty.json'] : ['-C', root, '.'];
        await exec('tar', [`--format=${format}`, '-czf', file, ...args]);
        const streamed = await expectIndexMatchesStream(await readFile(file), join(dir, `${format}.spool`));
        expect(streamed.map((e) => e.path)).toContain('metadata/version');
      }
    });
  });

  it('accepts a tar without its end-of-archive blocks, as Go does', async () => {
    const tar = gunzipSync(await buildArchive(async (writer) => writer.addFile('a', 'a')));
    const unterminated = gzipSync(tar.subarray(0, tar.length - 1024));
    await withTempDir(async (dir) => {
      const index = await indexArchive(Readable.from([unterminated]), join(dir, 'spool'));
      expect(index.entries.map((e) => e.path)).toEqual(['metadata/version', 'a']);
      await index.close();
    });
  });

  it.each([
    ['a truncated gzip stream', async () => (await buildArchive(fillRandom)).subarray(0, 50_000)],
    ['bytes that are not gzip', async () => randomBytes(50_000)],
    ['gzip around bytes that are not tar', async () => gzipSync(randomBytes(50_000))],
    ['gzip around an empty stream', async () => gzipSync(Buffer.alloc(0))],
    ['gzip around a tar cut inside an entry', async () => gzipSync(gunzipSync(await buildArchive(fillRandom)).subarray(0, 10_000))]
  ])('rejects %s and removes the spool file', async (_, bytes) => {
    const input = await bytes();
    await withTempDir(async (dir) => {
      const spool = join(dir, 'spool');
      const indexing = indexArchive(Readable.from([input]), spool);
      await expect(indexing).rejects.toThrow(ArchiveCorruptError);
      await expect(indexing).rejects.toThrow(/^the archive is corrupt or truncated: /);
      expect(await exists(spool)).toBe(false);
    });
  });
});

async function fillRandom(writer: { addFile(path: string, content: Buffer): Promise<void> }): Promise<void> {
  for (let i = 0; i < 50; i++) await writer.addFile(`f${i}`, randomBytes(3000));
}
