import fs from 'node:fs';
import path from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGunzip } from 'node:zlib';
import type { StreamStage } from '../encryption/age-cipher.js';
import { checksumProblem } from '../integrity/checksum-manifest.js';
import type { FileChecksum } from '../integrity/checksum-manifest.js';
import { DigestStream } from '../util/digest-stream.js';
import { errorMessage } from '../util/errors.js';

/**
 * A stored gzip file (a run's log, its results) line by line as it streams, decrypted first when `decrypt` is
 * given: a log of any length is printed with memory flat.
 */
export async function forEachGzipLine(source: Readable, decrypt: StreamStage | undefined, line: (text: string) => void): Promise<void> {
  const gunzip = createGunzip();
  const printLines = async (plain: AsyncIterable<Buffer>) => {
    let rest = '';
    for await (const chunk of plain) {
      const lines = (rest + chunk.toString('utf8')).split('\n');
      rest = lines.pop()!;
      for (const l of lines) line(l);
    }
    if (rest) line(rest);
  };
  await (decrypt ? pipeline(source, decrypt, gunzip, printLines) : pipeline(source, gunzip, printLines));
}

/** A stored gzip JSON file read whole: only for the small side files (results, resource list). */
export async function readGzipJson(source: Readable, decrypt: StreamStage | undefined): Promise<unknown> {
  const chunks: Buffer[] = [];
  const collect = async (plain: AsyncIterable<Buffer>) => {
    for await (const chunk of plain) chunks.push(chunk);
  };
  await (decrypt ? pipeline(source, decrypt, createGunzip(), collect) : pipeline(source, createGunzip(), collect));
  return JSON.parse(Buffer.concat(chunks).toString('utf8'));
}

/**
 * Streams a stored file to `target` through a temporary file beside it, renamed into place only when the stored
 * bytes match `recorded` (the checksum manifest's entry): a download never leaves a corrupt or partial file under
 * the name the user asked for.
 */
export async function downloadChecked(source: Readable, decrypt: StreamStage | undefined, target: string, recorded: FileChecksum | undefined): Promise<{ bytes: number }> {
  const temporary = path.join(path.dirname(target), `.${path.basename(target)}.${process.pid}.part`);
  const digest = new DigestStream();
  const out = fs.createWriteStream(temporary, { mode: 0o600 });
  try {
    await (decrypt ? pipeline(source, digest, decrypt, out) : pipeline(source, digest, out));
    const problem = recorded && checksumProblem(recorded, digest.digest());
    if (problem) throw new Error(`the stored tarball does not match the backup's checksum manifest (${problem}); nothing was written to ${target}`);
    fs.renameSync(temporary, target);
    return { bytes: fs.statSync(target).size };
  } catch (err) {
    fs.rmSync(temporary, { force: true });
    throw err instanceof Error ? err : new Error(errorMessage(err));
  }
}
