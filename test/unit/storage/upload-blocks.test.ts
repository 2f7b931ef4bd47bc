import { Readable } from 'node:stream';
import { describe, expect, it } from '@jest/globals';
import { splitFirstPart } from '../../../src/storage/upload-blocks.js';
import { inBlocks } from '../../../src/util/byte-blocks.js';

async function readAll(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

const chunked = (...parts: string[]) => Readable.from(parts.map((p) => Buffer.from(p)));

describe('splitFirstPart', () => {
  it('returns a stream that fits in one part as a buffer', async () => {
    expect(await splitFirstPart(chunked('ab', 'cd'), 4)).toEqual({ whole: Buffer.from('abcd') });
    expect(await splitFirstPart(chunked(), 4)).toEqual({ whole: Buffer.alloc(0) });
  });

  it('returns a longer stream as a stream of every byte, in order', async () => {
    const split = await splitFirstPart(chunked('ab', 'cd', 'e', 'fgh'), 4);
    expect(split.whole).toBeUndefined();
    expect((await readAll(split.stream!)).toString()).toBe('abcdefgh');
  });

  it('passes on an error of the source, before or after the split', async () => {
    const broken = new Error('broken');
    const early = new Readable({ read() { this.destroy(broken); } });
    await expect(splitFirstPart(early, 4)).rejects.toBe(broken);

    let sent = false;
    const late = new Readable({
      read() {
        if (sent) return void this.destroy(broken);
        sent = true;
        this.push(Buffer.from('123456'));
      }
    });
    const split = await splitFirstPart(late, 4);
    await expect(readAll(split.stream!)).rejects.toBe(broken);
  });
});

describe('inBlocks', () => {
  async function blocksOf(chunks: (Buffer | string)[], size: number): Promise<Buffer[]> {
    const blocks: Buffer[] = [];
    for await (const block of inBlocks(Readable.from(chunks), size)) blocks.push(block);
    return blocks;
  }

  it('cuts the bytes into whole blocks of the size, the last one shorter, in order', async () => {
    const blocks = await blocksOf(['abc', Buffer.from('defgh'), 'ij', '', 'k'], 4);
    expect(blocks.map(String)).toEqual(['abcd', 'efgh', 'ijk']);
    expect(await blocksOf([], 4)).toEqual([]);
    expect((await blocksOf(['abcdefgh'], 4)).map(String)).toEqual(['abcd', 'efgh']);
  });

  it('copies views of larger buffers into blocks that hold only their own bytes', async () => {
    const KiB = 1024;
    const big = Buffer.alloc(256 * KiB, 'x');
    const views = [big.subarray(0, 100 * KiB), big.subarray(100 * KiB, 140 * KiB), big.subarray(140 * KiB, 150 * KiB)];
    const blocks = await blocksOf(views, 96 * KiB);
    expect(blocks.map((b) => b.length)).toEqual([96 * KiB, 54 * KiB]);
    // Each block's memory is its own bytes: not the source's buffer, and the short last one not a whole block.
    expect(blocks.map((b) => b.buffer.byteLength)).toEqual([96 * KiB, 54 * KiB]);
  });
});
