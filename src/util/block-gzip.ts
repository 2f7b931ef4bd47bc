import { Transform, type TransformCallback } from 'node:stream';
import { promisify } from 'node:util';
import { crc32, deflateRawSync, gzip, gzipSync } from 'node:zlib';

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
/** The most one deflate stored block holds (its LEN field is 16 bits). */
const MAX_STORED = 65_535;
/** A gzip member header: deflate, no name or time, Unix (as zlib writes it). */
const GZIP_HEADER = Buffer.from([0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 3]);

/**
 * gzip for bulk data (volume copies): the input is cut into blocks, each compressed as its own gzip member on the
 * thread pool, several at once, and written in order; the concatenation is one valid gzip stream (RFC 1952, read by
 * gunzip, Node's createGunzip and Go's gzip.Reader). A block whose sample does not compress (media, archives,
 * encrypted or random data) is stored (see storedMember), which costs a CRC instead of a full deflate: on a small
 * runner, compressing incompressible data would otherwise be the slowest step of a copy. Memory: about
 * blockSize × (concurrency + 1).
 */
export function createBlockGzip(options: BlockGzipOptions): Transform {
  const blockSize = options.blockSize ?? 4 * 1024 * 1024;
  const concurrency = options.concurrency ?? 2;
  let pending: Buffer[] = [];
  let pendingBytes = 0;
  let members = 0;
  const inFlight: Promise<Buffer[]>[] = [];

  const compress = (block: Buffer): Promise<Buffer[]> => {
    members++;
    const sample = block.subarray(0, SAMPLE);
    if (deflateRawSync(sample, { level: 1 }).length > sample.length * WORTHWHILE) return Promise.resolve(storedMember(block));
    // One output buffer per member: zlib's default 16 KiB chunks would cost a main-thread callback each, and a
    // concat of them all, which profiling found to be a third of the copy's own CPU time.
    const member = gzipAsync(block, { level: options.level, chunkSize: block.length + (block.length >> 10) + 1024 }).then((bytes) => [bytes]);
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
          if (inFlight.length >= concurrency) for (const part of await inFlight.shift()!) this.push(part);
        }
        done();
      } catch (err) {
        done(err as Error);
      }
    },
    async flush(done: TransformCallback) {
      try {
        if (pendingBytes > 0) inFlight.push(compress(take(pendingBytes)));
        while (inFlight.length) for (const part of await inFlight.shift()!) this.push(part);
        // An empty input is still a gzip stream (of nothing).
        if (members === 0) this.push(gzipSync(Buffer.alloc(0)));
        done();
      } catch (err) {
        done(err as Error);
      }
    }
  });
}

/**
 * A gzip member holding `block` in deflate stored blocks (RFC 1951 3.2.4, RFC 1952), as zlib writes it at level 0,
 * but without passing the bytes through zlib: the block is framed by a 5-byte header per 64 KiB, and only its
 * CRC-32 is computed.
 */
function storedMember(block: Buffer): Buffer[] {
  const parts: Buffer[] = [GZIP_HEADER];
  for (let at = 0; at < block.length; at += MAX_STORED) {
    const piece = block.subarray(at, at + MAX_STORED);
    const header = Buffer.alloc(5);
    header[0] = at + MAX_STORED >= block.length ? 1 : 0; // BFINAL on the last; BTYPE 00 (stored), byte-aligned
    header.writeUInt16LE(piece.length, 1);
    header.writeUInt16LE(~piece.length & 0xffff, 3);
    parts.push(header, piece);
  }
  const trailer = Buffer.alloc(8);
  trailer.writeUInt32LE(crc32(block), 0);
  trailer.writeUInt32LE(block.length, 4);
  parts.push(trailer);
  // One buffer: a copy costs less than the thousands of tiny writes and hash updates its slices would make downstream.
  return [Buffer.concat(parts)];
}
