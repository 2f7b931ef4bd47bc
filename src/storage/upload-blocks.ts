import { Readable } from 'node:stream';

/**
 * Copies a stream's bytes into blocks of exactly `size` bytes (the last one may be shorter), each a buffer of its
 * own. Stream chunks are often small views into larger buffers (gzip hands out 16 KiB slices of 64 KiB ones):
 * an upload that holds a part's worth of them held four times the part. A block holds only its own bytes.
 */
export async function* inBlocks(chunks: AsyncIterable<Buffer | string>, size: number): AsyncGenerator<Buffer> {
  let block = Buffer.allocUnsafeSlow(size);
  let filled = 0;
  for await (const value of chunks) {
    let chunk = Buffer.isBuffer(value) ? value : Buffer.from(value);
    while (chunk.length) {
      const copied = chunk.copy(block, filled);
      filled += copied;
      chunk = chunk.subarray(copied);
      if (filled === size) {
        yield block;
        block = Buffer.allocUnsafeSlow(size);
        filled = 0;
      }
    }
  }
  // A copy, so a short stream (most files are) does not keep the whole block alive behind a small view.
  if (filled) yield Buffer.from(block.subarray(0, filled));
}

/**
 * Reads `chunks` until they end or pass `size` bytes. What ended comes back as one buffer; anything longer as a
 * stream of the bytes read so far followed by the rest, so nothing is consumed twice or lost.
 */
export async function splitFirstPart(chunks: AsyncIterable<Buffer | string>, size: number): Promise<{ whole: Buffer; stream?: undefined } | { whole?: undefined; stream: Readable }> {
  // One iterator for both phases: breaking out of a for-await would end the source.
  const source = chunks[Symbol.asyncIterator]();
  const head: Buffer[] = [];
  let length = 0;
  while (length <= size) {
    const next = await source.next();
    if (next.done) return { whole: Buffer.concat(head) };
    const chunk = Buffer.isBuffer(next.value) ? next.value : Buffer.from(next.value);
    head.push(chunk);
    length += chunk.length;
  }
  async function* all(): AsyncGenerator<Buffer> {
    // Taken out as they go: the head is not held until the whole upload is done.
    for (let chunk = head.shift(); chunk; chunk = head.shift()) yield chunk;
    for (let next = await source.next(); !next.done; next = await source.next()) {
      yield Buffer.isBuffer(next.value) ? next.value : Buffer.from(next.value);
    }
  }
  return { stream: Readable.from(all(), { objectMode: false }) };
}
