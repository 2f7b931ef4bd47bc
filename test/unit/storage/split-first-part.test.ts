import { Readable } from 'node:stream';
import { describe, expect, it } from '@jest/globals';
import { splitFirstPart } from '../../../src/storage/s3-store.js';

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
