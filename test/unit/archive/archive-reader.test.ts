import { describe, expect, it } from '@jest/globals';
import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { gunzipSync, gzipSync } from 'node:zlib';
import { readArchive, type ArchiveEntry } from '../../support/archive-reader.js';
import { ArchiveCorruptError } from '../../../src/archive/archive-errors.js';
import { buildArchive, countingReadable, exec, longNameTree, sleep, withTempDir } from './support.js';

async function readAll(input: Readable): Promise<ArchiveEntry[]> {
  const entries: ArchiveEntry[] = [];
  for await (const entry of readArchive(input)) entries.push(entry);
  return entries;
}

const smallArchive = () =>
  buildArchive(async (writer) => {
    for (let i = 0; i < 200; i++) await writer.addFile(`resources/pods/namespaces/ns/p${i}.json`, randomBytes(3000).toString('hex'));
  });

describe('readArchive', () => {
  it('reads an archive made by GNU tar: regular files only, GNU long names, ./ prefixes dropped', async () => {
    await withTempDir(async (dir) => {
      const { root } = await longNameTree(dir);
      for (const format of ['gnu', 'pax']) {
        const file = join(dir, `${format}.tar.gz`);
        await exec('tar', [`--format=${format}`, '-czf', file, '-C', root, '.']);
        const entries = await readAll(Readable.from([await readFile(file)]));
        expect(entries.map((e) => [e.path, e.content.toString()])).toEqual(
          expect.arrayContaining([
            ['metadata/version', '1.1.0\n'],
            [`resources/widgets.example.com/namespaces/${'n'.repeat(63)}/${'x'.repeat(150)}.json`, '{"kind":"Widget"}']
          ])
        );
        expect(entries).toHaveLength(2); // the directory entries GNU tar adds are skipped
      }
    });
  });

  it('does not run ahead of its consumer', async () => {
    // ~16 MB that does not compress: the reader must not pull it all while one entry is being handled.
    const tarball = await buildArchive(async (writer) => {
      for (let i = 0; i < 2000; i++) await writer.addFile(`f${i}`, randomBytes(8192));
    }, { compressionLevel: 1 });
    const input = countingReadable(tarball);
    const iterator = readArchive(input)[Symbol.asyncIterator]();
    expect((await iterator.next()).value?.path).toBe('metadata/version');
    await sleep(100);
    expect(input.pulled).toBeLessThan(1024 * 1024);
    let count = 1;
    while (!(await iterator.next()).done) count++;
    expect(count).toBe(2001);
    expect(input.pulled).toBe(tarball.length);
  });

  it('stops reading its input when the consumer stops early', async () => {
    const input = countingReadable(await smallArchive(), 4096);
    for await (const entry of readArchive(input)) {
      if (entry.path.endsWith('p3.json')) break;
    }
    await sleep(10);
    expect(input.destroyed).toBe(true);
  });

  it.each([
    ['a truncated gzip stream', async () => (await smallArchive()).subarray(0, 100_000)],
    ['bytes that are not gzip', async () => randomBytes(50_000)],
    ['an empty input', async () => Buffer.alloc(0)],
    ['gzip around bytes that are not tar', async () => gzipSync(randomBytes(50_000))],
    ['gzip around an empty stream', async () => gzipSync(Buffer.alloc(0))],
    ['gzip around a tar cut inside an entry', async () => gzipSync(gunzipSync(await smallArchive()).subarray(0, 10_000))]
  ])('rejects %s as corrupt or truncated', async (_, bytes) => {
    const input = Readable.from([await bytes()]);
    const reading = readAll(input);
    await expect(reading).rejects.toThrow(ArchiveCorruptError);
    await expect(reading).rejects.toThrow(/^the archive is corrupt or truncated: /);
  });

  it('passes errors of the input through unchanged', async () => {
    const tarball = await smallArchive();
    const input = new Readable({
      read() {
        this.push(tarball.subarray(0, 20_000));
        this.destroy(new Error('connection reset'));
      }
    });
    await expect(readAll(input)).rejects.toThrow(/^connection reset$/);
  });
});
