import { describe, expect, it } from '@jest/globals';
import { randomBytes } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable, type Transform } from 'node:stream';
import { gunzipSync } from 'node:zlib';
import { ArchiveWriter, WRITE_BATCH_BYTES } from '../../../src/archive/archive-writer.js';
import { END_OF_ARCHIVE, fileHeader, paddedSize } from '../../../src/archive/tar-blocks.js';
import { readArchive, readArchiveVersion, type ArchiveEntry } from '../../support/archive-reader.js';
import { buildArchive, collect, exec, sampleObject, sleep, withTempDir } from './support.js';

async function readAll(tarball: Buffer): Promise<ArchiveEntry[]> {
  const entries: ArchiveEntry[] = [];
  for await (const entry of readArchive(Readable.from([tarball]))) entries.push(entry);
  return entries;
}

const LONG_PATH = `resources/widgets.example.com/namespaces/ns/${'w'.repeat(300 - 'resources/widgets.example.com/namespaces/ns/.json'.length)}.json`;

describe('ArchiveWriter', () => {
  it('writes metadata/version first, then each item twice and other versions once', async () => {
    const deployment = sampleObject(1);
    const namespace = { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'ns' } };
    const tarball = await buildArchive(async (writer) => {
      await writer.addItem({ groupResource: 'deployments.apps', namespace: 'ns', name: 'web', version: 'v1', object: deployment });
      await writer.addItem({ groupResource: 'namespaces', name: 'ns', version: 'v1', object: namespace });
      await writer.addOtherVersionItem({
        groupResource: 'horizontalpodautoscalers.autoscaling',
        namespace: 'ns',
        name: 'h',
        version: 'v1',
        object: namespace
      });
      expect(writer.itemsWritten).toBe(2);
      expect(writer.filesWritten).toBe(6);
    });

    const entries = await readAll(tarball);
    expect(entries.map((e) => e.path)).toEqual([
      'metadata/version',
      'resources/deployments.apps/namespaces/ns/web.json',
      'resources/deployments.apps/v1-preferredversion/namespaces/ns/web.json',
      'resources/namespaces/cluster/ns.json',
      'resources/namespaces/v1-preferredversion/cluster/ns.json',
      'resources/horizontalpodautoscalers.autoscaling/v1/namespaces/ns/h.json'
    ]);
    expect(entries[0]!.content.toString()).toBe('1.1.0\n');
    expect(readArchiveVersion(entries[0])).toBe('1.1.0');
    expect(JSON.parse(entries[1]!.content.toString())).toEqual(deployment);
    expect(entries[2]!.content).toEqual(entries[1]!.content);
    expect(entries[1]!.content.toString()).toBe(JSON.stringify(deployment));
    expect(entries[1]!.size).toBe(entries[1]!.content.length);
  });

  it('writes byte for byte the tar of its entries, whatever their sizes, across many reused batches', async () => {
    // Sizes around the batch and block boundaries, entries larger than a batch, multi-byte text and a PAX path:
    // the batch buffers are reused, so any stale byte in a header or a padding would show here.
    const files: [string, Buffer | string][] = [];
    for (let i = 0; i < 400; i++) {
      const size = [0, 1, 511, 512, 513, 4000, WRITE_BATCH_BYTES - 512, WRITE_BATCH_BYTES, 3 * WRITE_BATCH_BYTES][i % 9]!;
      files.push([`f/${i}.bin`, i % 2 ? randomBytes(size) : 'é'.repeat(Math.floor(size / 2))]);
    }
    files.splice(200, 0, [LONG_PATH, 'x'.repeat(700)]);
    const mtime = new Date('2026-03-01T10:00:00Z');
    const writer = new ArchiveWriter({ mtime });
    const output = collect(writer.output);
    for (const [path, content] of files) await writer.addFile(path, content);
    await writer.finish();
    const tar = gunzipSync(await output);

    const expected = [fileHeader('metadata/version', 6, mtime), Buffer.from('1.1.0\n'), Buffer.alloc(506)];
    for (const [path, content] of files) {
      const data = Buffer.from(content);
      expected.push(fileHeader(path, data.length, mtime), data, Buffer.alloc(paddedSize(data.length) - data.length));
    }
    expected.push(END_OF_ARCHIVE);
    const want = Buffer.concat(expected);
    expect(tar.length).toBe(want.length);
    expect(tar.equals(want)).toBe(true);
    expect(writer.bytesWritten).toBe(want.length);
  });

  it('counts the uncompressed tar bytes: 512-byte headers, padded data, the end-of-archive blocks', async () => {
    const writer = new ArchiveWriter();
    const output = collect(writer.output);
    await writer.addFile('a', Buffer.alloc(513));
    await writer.addFile('b', '');
    await writer.finish();
    // version (512 + 512) + a (512 + 1024) + b (512) + end (1024)
    expect(writer.bytesWritten).toBe(4096);
    expect((await readAll(await output)).map((e) => [e.path, e.size])).toEqual([
      ['metadata/version', 6],
      ['a', 513],
      ['b', 0]
    ]);
  });

  it('is read by the system tar: regular files only, mode 0755, uid 0, the given mtime, long paths', async () => {
    const tarball = await buildArchive(
      async (writer) => {
        await writer.addItem({ groupResource: 'pods', namespace: 'ns', name: 'p', version: 'v1', object: sampleObject(2) });
        await writer.addFile(LONG_PATH, 'long');
        await writer.addFile('empty', '');
      },
      { mtime: new Date('2024-05-01T12:34:56.789Z') }
    );
    expect(LONG_PATH.length).toBe(300);

    await withTempDir(async (dir) => {
      const file = join(dir, 'backup.tar.gz');
      await writeFile(file, tarball);
      const env = { ...process.env, TZ: 'UTC', LC_ALL: 'C' };
      const { stdout } = await exec('tar', ['--full-time', '-tzvf', file], { env });
      const lines = stdout.trim().split('\n');
      expect(lines.map((line) => line.split(/\s+/).slice(5).join(' '))).toEqual([
        'metadata/version',
        'resources/pods/namespaces/ns/p.json',
        'resources/pods/v1-preferredversion/namespaces/ns/p.json',
        LONG_PATH,
        'empty'
      ]);
      for (const line of lines) {
        // Velero writes 0755 too, and its extractor makes folders with the file's mode (see tar-blocks.ts).
        expect(line).toMatch(/^-rwxr-xr-x 0\/0 +\d+ 2024-05-01 12:34:56 /);
      }
      const { stdout: version } = await exec('tar', ['-xzOf', file, 'metadata/version']);
      expect(version).toBe('1.1.0\n');
      const { stdout: long } = await exec('tar', ['-xzOf', file, LONG_PATH]);
      expect(long).toBe('long');
    });
  });

  it('keeps the two copies of an item together when adds run concurrently', async () => {
    const tarball = await buildArchive(async (writer) => {
      await Promise.all(
        Array.from({ length: 50 }, (_, i) =>
          writer.addItem({ groupResource: 'configmaps', namespace: 'ns', name: `c${i}`, version: 'v1', object: sampleObject(i) })
        )
      );
      expect(writer.itemsWritten).toBe(50);
    });
    const paths = (await readAll(tarball)).map((e) => e.path).slice(1);
    expect(paths).toHaveLength(100);
    for (let i = 0; i < paths.length; i += 2) {
      expect(paths[i + 1]).toBe(paths[i]!.replace('configmaps/', 'configmaps/v1-preferredversion/'));
    }
  });

  it('uses the compression level it is given', async () => {
    const fill = async (writer: ArchiveWriter) => {
      for (let i = 0; i < 300; i++) await writer.addFile(`f${i}.json`, JSON.stringify(sampleObject(i)));
    };
    const fastest = await buildArchive(fill, { compressionLevel: 1 });
    const smallest = await buildArchive(fill, { compressionLevel: 9 });
    const standard = await buildArchive(fill);
    // gzip's XFL header byte: 4 = fastest algorithm, 2 = maximum compression, 0 = the levels between (default 6).
    expect([fastest[8], smallest[8], standard[8]]).toEqual([4, 2, 0]);
    expect(smallest.length).toBeLessThan(fastest.length);
    expect(() => new ArchiveWriter({ compressionLevel: 0 })).toThrow('compression level');
    expect(() => new ArchiveWriter({ compressionLevel: 10 })).toThrow('compression level');
  });

  it('waits for a paused or slow consumer instead of buffering (20,000 entries of 2 KiB)', async () => {
    const writer = new ArchiveWriter({ compressionLevel: 1 });
    // The writer's only buffers are the two sides of its gzip stream.
    const gzip = writer.output as Transform;
    const buffered = () => gzip.writableLength + gzip.readableLength;
    // Distinct random hex per entry: 2 KiB that compresses only to about half (repeated content would vanish).
    const content = () => randomBytes(1024).toString('hex');
    const count = 20_000;
    let added = 0;
    let maxBuffered = 0;
    const adding = (async () => {
      for (let i = 0; i < count; i++) {
        await writer.addFile(`files/${i}`, content());
        added++;
        maxBuffered = Math.max(maxBuffered, buffered());
      }
      await writer.finish();
    })();

    // Nobody reads: the adds stop after a batch or two of entries (each ~2.5 KiB of tar).
    await sleep(200);
    expect(added * 2560).toBeLessThan(3 * WRITE_BATCH_BYTES);
    expect(buffered()).toBeLessThan(256 * 1024);

    // A slow reader: the adds follow its pace, the buffers stay small.
    let received = 0;
    for await (const chunk of writer.output) {
      received += (chunk as Buffer).length;
      await sleep(0);
    }
    await adding;
    expect(added).toBe(count);
    expect(writer.bytesWritten).toBeGreaterThan(count * 2048);
    expect(received).toBeGreaterThan(count * 1024);
    expect(maxBuffered).toBeLessThan(2 * 1024 * 1024);
  });

  it('abort fails the output and every later add', async () => {
    const writer = new ArchiveWriter();
    const output = collect(writer.output);
    await writer.addFile('a', 'a');
    writer.abort(new Error('listing failed'));
    await expect(output).rejects.toThrow('listing failed');
    await expect(writer.addFile('b', 'b')).rejects.toThrow('the archive stream was closed: listing failed');
    await expect(writer.finish()).rejects.toThrow('listing failed');
  });

  it('refuses adds after finish', async () => {
    const writer = new ArchiveWriter();
    const output = collect(writer.output);
    await writer.finish();
    await output;
    await expect(writer.addFile('late', 'x')).rejects.toThrow('already finished');
    await expect(writer.finish()).rejects.toThrow('already finished');
  });

  it('fails an add whose path is invalid without writing half of it', async () => {
    const tarball = await buildArchive(async (writer) => {
      await expect(
        writer.addItem({ groupResource: 'pods', namespace: 'ns', name: 'p', version: 'v1/x', object: sampleObject(0) })
      ).rejects.toThrow('invalid API version');
      await writer.addFile('after', 'ok');
    });
    expect((await readAll(tarball)).map((e) => e.path)).toEqual(['metadata/version', 'after']);
  });
});
