import { Readable } from 'node:stream';
import { describe, expect, it } from '@jest/globals';
import { inBlocks, splitFirstPart } from '../../../src/storage/upload-blocks.js';

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
    const big = Buffer.alloc(65536, 'x');
    const views = [big.subarray(0, 100), big.subarray(100, 300), big.subarray(300, 310)];
    const blocks = await blocksOf(views, 256);
    expect(blocks.map((b) => b.length)).toEqual([256, 54]);
    for (const block of blocks) {
      expect(block.buffer).not.toBe(big.buffer);
      expect(block.buffer.byteLength).toBe(256);
    }
  });
});
