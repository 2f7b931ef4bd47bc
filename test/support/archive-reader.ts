import { once } from 'node:events';
import { pipeline, type Readable } from 'node:stream';
import { createGunzip } from 'node:zlib';
import { Parser, type ReadEntry } from 'tar';
import { ArchiveCorruptError, asArchiveError } from '../../src/archive/archive-errors.js';
import { FORMAT_VERSION_PATH, normalizeEntryPath } from '../../src/archive/item-path.js';

export interface ArchiveEntry {
  path: string;
  size: number;
  content: Buffer;
}

/** What Velero's restore extracts; directories, links and the rest carry nothing for it and are skipped. */
const REGULAR_FILE_TYPES = new Set(['File', 'OldFile', 'ContiguousFile']);

/**
 * Test support: reads back what the archive writer produced, independently of the restore's index.
 * The regular files of a gzipped tarball, in archive order, each read whole (items are small; the archive never
 * is held). Pull-driven: the next gunzipped chunk is read only when the entries of the previous one have been
 * taken, so a slow consumer slows the download instead of filling memory. Breaking out of the loop destroys the
 * input. A Velero tarball's first entry is `metadata/version` (see readArchiveVersion).
 *
 * Rejects with ArchiveCorruptError on bytes that are not a complete gzipped tarball; errors of the input itself
 * pass through unchanged.
 */
export async function* readArchive(input: Readable): AsyncGenerator<ArchiveEntry> {
  // The callback only keeps pipeline's error from being unhandled: the same error reaches the loop below.
  const tarBytes = pipeline(input, createGunzip(), () => {});
  // strict: tar's warnings (bad checksum, truncated entry, not a tarball) become errors.
  const parser = new Parser({ strict: true });
  const ready: ArchiveEntry[] = [];
  let failure: Error | undefined;
  parser.on('error', (err: Error) => {
    failure ??= err;
  });
  parser.on('entry', (entry: ReadEntry) => {
    if (!REGULAR_FILE_TYPES.has(entry.type)) {
      entry.resume();
      return;
    }
    const chunks: Buffer[] = [];
    // 'end' before 'data': attaching 'data' resumes the entry, and an empty one ends at once.
    entry.on('end', () => {
      ready.push({ path: normalizeEntryPath(entry.path), size: entry.size, content: Buffer.concat(chunks) });
    });
    entry.on('data', (chunk: Buffer) => chunks.push(chunk));
  });
  let ended = false;
  parser.on('end', () => {
    ended = true;
  });

  try {
    for await (const chunk of tarBytes) {
      // The parser works synchronously on what it is given: the entries of this chunk are in `ready` now.
      parser.write(chunk as Buffer);
      if (failure) throw new ArchiveCorruptError(failure.message, { cause: failure });
      while (ready.length > 0) yield ready.shift()!;
    }
    parser.end();
    // It ends synchronously today; waiting when it has not keeps this correct should that change.
    if (!ended && !failure) await once(parser, 'end').catch(() => {});
    if (failure) throw new ArchiveCorruptError(failure.message, { cause: failure });
    while (ready.length > 0) yield ready.shift()!;
  } catch (err) {
    throw asArchiveError(err);
  } finally {
    // Stops the download when the consumer leaves early or an error ends the loop (no-op once ended).
    tarBytes.destroy();
  }
}

/** The format version a tarball declares in its first entry (`1.1.0`), or undefined when that entry is not there. */
export function readArchiveVersion(first: ArchiveEntry | undefined): string | undefined {
  return first?.path === FORMAT_VERSION_PATH ? first.content.toString('utf8').trim() : undefined;
}
