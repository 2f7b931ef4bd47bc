import type { TransformCallback } from 'node:stream';
import { checksumProblem } from '../integrity/checksum-manifest.js';
import { IntegrityError } from '../integrity/stored-manifest.js';
import { DigestStream } from '../util/digest-stream.js';

/** What a file must be: its size, and its sha256 when a checksum manifest records it. */
export interface ExpectedFile {
  size: number;
  sha256?: string;
}

/**
 * A pass-through that holds the bytes flowing through it to what the source's manifest records: it errors (an
 * IntegrityError naming the file) as soon as more bytes come than recorded, and at the end when the size or the
 * sha256 differ, before it ends. A store's put of it therefore fails instead of completing: a damaged source file is
 * never committed at the destination, and nothing is read twice.
 */
export class CheckedStream extends DigestStream {
  constructor(
    private readonly key: string,
    private readonly expected: ExpectedFile
  ) {
    super();
  }

  override _transform(chunk: Buffer, encoding: BufferEncoding, done: TransformCallback): void {
    if (this.bytes + chunk.length > this.expected.size) {
      done(this.mismatch(`it holds more than the ${this.expected.size} bytes recorded`));
      return;
    }
    super._transform(chunk, encoding, done);
  }

  override _flush(done: TransformCallback): void {
    super._flush((err) => {
      if (err) return done(err);
      const digest = this.digest();
      const problem = this.expected.sha256 === undefined ? (digest.bytes === this.expected.size ? undefined : `it is ${digest.bytes} bytes, but its listing says ${this.expected.size}`) : checksumProblem({ size: this.expected.size, sha256: this.expected.sha256 }, digest);
      done(problem ? this.mismatch(problem) : null);
    });
  }

  private mismatch(problem: string): IntegrityError {
    return new IntegrityError(this.key, `as read from the source, ${problem}; nothing of it is kept at the destination`);
  }
}
