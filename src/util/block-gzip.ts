import { Transform, type TransformCallback } from 'node:stream';
import { promisify } from 'node:util';
import { deflateRawSync, gzip, gzipSync } from 'node:zlib';

const gzipAsync = promisify(gzip);

export interface BlockGzipOptions {
  /** gzip level for blocks that compress (1-9). */
  level: number;
  /** Bytes per gzip member. */
  blockSize?: number;
  /** Blocks compressed at once, on libuv's thread pool. */
  concurrency?: number;
}

/** Below this much saving on a block's sample, the block is stored, not compressed: it is noise or already packed. */
const WORTHWHILE = 0.9;
const SAMPLE = 64 * 1024;

/**
 * gzip for bulk data (volume copies): the input is cut into blocks, each compressed as its own gzip member on the
 * thread pool, several at once, and written in order; the concatenation is one valid gzip stream (RFC 1952, read by
 * gunzip, Node's createGunzip and Go's gzip.Reader). A block whose sample does not compress (media, archives,
 * encrypted or random data) is stored at level 0, which costs a CRC instead of a full deflate: on a small runner,
 * compressing incompressible data would otherwise be the slowest step of a copy. Memory: about
 * blockSize × (concurrency + 1).
 */
export function createBlockGzip(options: BlockGzipOptions): Transform {
  const blockSize = options.blockSize ?? 4 * 1024 * 1024;
  const concurrency = options.concurrency ?? 2;
  let pending: Buffer[] = [];
  let pendingBytes = 0;
  let members = 0;
  const inFlight: Promise<Buffer>[] = [];

  const compress = (block: Buffer): Promise<Buffer> => {
    members++;
    const sample = block.subarray(0, SAMPLE);
    const level = deflateRawSync(sample, { level: 1 }).length > sample.length * WORTHWHILE ? 0 : options.level;
    const member = gzipAsync(block, { level });
    // Awaited in order later; until then a failure must not count as unhandled.
    member.catch(() => undefined);
    return member;
  };
  const take = (size: number): Buffer => {
    const all = pending.length === 1 ? pending[0]! : Buffer.concat(pending, pendingBytes);
    const block = all.subarray(0, size);
    const rest = all.subarray(size);
    pending = rest.length ? [rest] : [];
    pendingBytes = rest.length;
    return block;
  };

  return new Transform({
    async transform(chunk: Buffer, _encoding, done: TransformCallback) {
      try {
        pending.push(chunk);
        pendingBytes += chunk.length;
        while (pendingBytes >= blockSize) {
          inFlight.push(compress(take(blockSize)));
          if (inFlight.length >= concurrency) this.push(await inFlight.shift()!);
        }
        done();
      } catch (err) {
        done(err as Error);
      }
    },
    async flush(done: TransformCallback) {
      try {
        if (pendingBytes > 0) inFlight.push(compress(take(pendingBytes)));
        while (inFlight.length) this.push(await inFlight.shift()!);
        // An empty input is still a gzip stream (of nothing).
        if (members === 0) this.push(gzipSync(Buffer.alloc(0)));
        done();
      } catch (err) {
        done(err as Error);
      }
    }
  });
}
