import { createHash } from 'node:crypto';
import { Transform } from 'node:stream';

/** What passed through a DigestStream: the byte count and the sha256 (hex), known once the stream has ended. */
export interface Digest {
  bytes: number;
  sha256: string;
}

/**
 * A pass-through that counts and hashes what flows through it, so a copy is checked while it streams and never
 * read twice.
 */
export class DigestStream extends Transform {
  private readonly hash = createHash('sha256');
  private count = 0;
  private result: Digest | undefined;

  override _transform(chunk: Buffer, _encoding: BufferEncoding, done: (error?: Error | null, data?: Buffer) => void): void {
    this.hash.update(chunk);
    this.count += chunk.length;
    done(null, chunk);
  }

  override _flush(done: (error?: Error | null) => void): void {
    this.result = { bytes: this.count, sha256: this.hash.digest('hex') };
    done();
  }

  /** Bytes seen so far (for progress lines). */
  get bytes(): number {
    return this.count;
  }

  /** Whether the stream has ended, so its digest is known. */
  get finished(): boolean {
    return this.result !== undefined;
  }

  /** The digest of the whole stream; throws before the stream has ended (a digest of part of it would lie). */
  digest(): Digest {
    if (!this.result) throw new Error('the stream has not ended: its digest is not known');
    return this.result;
  }
}

/** The digest of bytes already in memory (the small side files a backup builds whole). */
export function digestOf(bytes: Buffer): Digest {
  return { bytes: bytes.length, sha256: createHash('sha256').update(bytes).digest('hex') };
}
