import { Readable } from 'node:stream';

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
