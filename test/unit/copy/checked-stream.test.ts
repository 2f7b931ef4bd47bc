import { createHash } from 'node:crypto';
import { Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { describe, expect, it } from '@jest/globals';
import { CheckedStream, type ExpectedFile } from '../../../src/copy/checked-stream.js';
import { IntegrityError } from '../../../src/integrity/stored-manifest.js';

const DATA = Buffer.from('the bytes of a backup file, in three chunks');
const sha256 = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex');

/** Streams `bytes` in three chunks through a CheckedStream; what came out the other end. */
async function through(bytes: Buffer, expected: ExpectedFile): Promise<Buffer> {
  const out: Buffer[] = [];
  const third = Math.ceil(bytes.length / 3);
  const chunks = [bytes.subarray(0, third), bytes.subarray(third, 2 * third), bytes.subarray(2 * third)];
  await pipeline(Readable.from(chunks), new CheckedStream('backups/b/b-logs.gz', expected), new Writable({ write: (chunk: Buffer, _e, done) => (out.push(chunk), done()) }));
  return Buffer.concat(out);
}

describe('CheckedStream', () => {
  it('passes the bytes on when size and sha256 match, or the size alone when no sha256 is recorded', async () => {
    expect(await through(DATA, { size: DATA.length, sha256: sha256(DATA) })).toEqual(DATA);
    expect(await through(DATA, { size: DATA.length })).toEqual(DATA);
  });

  const flipped = Buffer.from(DATA);
  flipped[5] = flipped[5]! ^ 1;
  it.each<[string, Buffer, ExpectedFile, RegExp]>([
    ['a flipped byte', flipped, { size: DATA.length, sha256: sha256(DATA) }, /as read from the source, its sha256 is [0-9a-f]{64}, but the checksum manifest records/],
    ['a shorter file', DATA.subarray(1), { size: DATA.length, sha256: sha256(DATA) }, new RegExp(`it is ${DATA.length - 1} bytes, but the checksum manifest records ${DATA.length}`)],
    ['a longer file', Buffer.concat([DATA, Buffer.from('x')]), { size: DATA.length, sha256: sha256(DATA) }, new RegExp(`holds more than the ${DATA.length} bytes recorded`)],
    ['a size unlike its listing', DATA.subarray(2), { size: DATA.length }, /but its listing says/]
  ])('fails the stream on %s, naming the file', async (_, bytes, expected, problem) => {
    const failure = through(bytes, expected);
    await expect(failure).rejects.toBeInstanceOf(IntegrityError);
    await expect(failure).rejects.toMatchObject({ file: 'backups/b/b-logs.gz', problem: expect.stringMatching(problem) });
  });
});
