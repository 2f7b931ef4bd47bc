import { randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGunzip, gunzipSync } from 'node:zlib';
import { describe, expect, it } from '@jest/globals';
import { createBlockGzip } from '../../../src/util/block-gzip.js';

async function gzipped(input: Buffer, chunk: number, blockSize: number): Promise<Buffer> {
  const parts: Buffer[] = [];
  const chunks = Array.from({ length: Math.ceil(input.length / chunk) }, (_, i) => input.subarray(i * chunk, (i + 1) * chunk));
  await pipeline(Readable.from(chunks), createBlockGzip({ level: 6, blockSize, concurrency: 3 }), async function* (source) {
    for await (const part of source) parts.push(part as Buffer);
  });
  return Buffer.concat(parts);
}

async function streamGunzip(data: Buffer): Promise<Buffer> {
  const parts: Buffer[] = [];
  await pipeline(Readable.from([data]), createGunzip(), async function* (source) {
    for await (const part of source) parts.push(part as Buffer);
  });
  return Buffer.concat(parts);
}

describe('block gzip', () => {
  const text = Buffer.from('the same line again and again\n'.repeat(40_000));
  const noise = randomBytes(300_000);
  const mixed = Buffer.concat([text, noise, text]);

  it.each([
    ['compressible', text],
    ['random', noise],
    ['mixed', mixed],
    ['empty', Buffer.alloc(0)],
    ['one byte', Buffer.from('x')]
  ])('round-trips %s data through gunzip, in order, as one gzip stream of members', async (_what, input) => {
    const output = await gzipped(input, 7_001, 64 * 1024);
    expect(gunzipSync(output).equals(input)).toBe(true);
    expect((await streamGunzip(output)).equals(input)).toBe(true);
  });

  it('compresses what compresses and stores what does not', async () => {
    expect((await gzipped(text, 65_536, 256 * 1024)).length).toBeLessThan(text.length / 20);
    const stored = await gzipped(noise, 65_536, 64 * 1024);
    // Stored blocks cost a few bytes each of framing, never a deflate's worth of work for nothing.
    expect(stored.length).toBeGreaterThan(noise.length);
    expect(stored.length).toBeLessThan(noise.length * 1.01);
  });

  it.each([65_535, 65_536, 2 * 65_535, 2 * 65_535 + 1])('frames stored blocks exactly at deflate\'s 65,535-byte limit (block of %d bytes)', async (blockSize) => {
    const input = randomBytes(blockSize * 3 + 17);
    const output = await gzipped(input, 10_000, blockSize);
    expect(gunzipSync(output).equals(input)).toBe(true);
    expect((await streamGunzip(output)).equals(input)).toBe(true);
  });
});
