/**
 * Copies a stream's bytes into blocks of exactly `size` bytes (the last one may be shorter), each a buffer of its
 * own. Stream chunks are often small views into larger buffers (gzip hands out 16 KiB slices of 64 KiB ones):
 * an upload that holds a part's worth of them held four times the part. A block holds only its own bytes.
 */
export async function* inBlocks(chunks: AsyncIterable<Uint8Array | string>, size: number): AsyncGenerator<Buffer> {
  let block = Buffer.allocUnsafeSlow(size);
  let filled = 0;
  for await (const value of chunks) {
    let chunk = typeof value === 'string' ? Buffer.from(value) : Buffer.from(value.buffer, value.byteOffset, value.length);
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
