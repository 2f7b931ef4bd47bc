import { describe, expect, it } from '@jest/globals';
import { Readable } from 'node:stream';
import { gzipSync } from 'node:zlib';
import { scanArchive } from '../../../src/archive/archive-scan.js';
import { archiveLimits } from '../../../src/archive/archive-limits.js';
import { readArchive } from '../../support/archive-reader.js';
import { buildArchive, sampleObject } from './support.js';

/** A stream of `bytes` in chunks of `size`, so entries and headers straddle chunk boundaries. */
function chunked(bytes: Buffer, size: number): Readable {
  return Readable.from(Array.from({ length: Math.ceil(bytes.length / size) }, (_, i) => bytes.subarray(i * size, (i + 1) * size)));
}

describe('scanArchive', () => {
  it('hands every regular file to onFile whole, as the streaming reader sees it, whatever the chunking', async () => {
    const tarball = await buildArchive(async (writer) => {
      for (let i = 0; i < 40; i++) await writer.addItem({ groupResource: 'configmaps', namespace: `team-${i % 3}`, name: `app-config-${i}`, version: 'v1', object: sampleObject(i) });
      await writer.addFile('empty/file', '');
      // Over 255 characters: the writer gives it a PAX header, which the scanner must apply to the next entry.
      await writer.addFile(`resources/widgets.example.com/namespaces/${'n'.repeat(63)}/${'x'.repeat(200)}.json`, '{"kind":"Widget"}');
    });
    const expected: [string, string][] = [];
    for await (const entry of readArchive(Readable.from([tarball]))) expected.push([entry.path, entry.content.toString('base64')]);
    for (const size of [7, 511, 513, 65536]) {
      const seen: [string, string][] = [];
      const scan = await scanArchive(chunked(tarball, size), (entry, data) => seen.push([entry.path, data.toString('base64')]));
      expect(seen).toEqual(expected);
      expect(scan).toMatchObject({ files: expected.length, formatVersion: '1.1.0', ignoredCount: 0 });
    }
  });

  it('stops at the archive cap, as a restore does', async () => {
    const tarball = gzipSync(Buffer.alloc(4 * 1024 * 1024));
    await expect(scanArchive(Readable.from([tarball]), () => undefined, { ...archiveLimits(), maxArchiveSize: 1024 * 1024 })).rejects.toThrow(/more than 1 MiB uncompressed/);
  });
});
