import { pipeline, type Readable } from 'node:stream';
import { createGunzip } from 'node:zlib';
import { ArchiveLimitError, asArchiveError } from './archive-errors.js';
import { DEFAULT_ARCHIVE_LIMITS, type ArchiveLimits } from './archive-limits.js';
import { formatBytes } from '../util/byte-size.js';
import { FORMAT_VERSION_PATH } from './item-path.js';
import { TarScanner, type IgnoredEntry, type TarEntryLocation } from './tar-scanner.js';

/** What a streaming scan of a tarball found, besides what it handed to onFile. */
export interface ArchiveScan {
  /** Regular files read (both copies of each item, metadata/version included). */
  files: number;
  /** The trimmed content of `metadata/version`, undefined when the archive has none. */
  formatVersion: string | undefined;
  /** Entries left out (links, devices, unsafe names), the first few of them; ignoredCount counts them all. */
  ignored: readonly IgnoredEntry[];
  ignoredCount: number;
}

/**
 * Reads a gzipped tarball to its end as it streams, handing each regular file's data to `onFile`; nothing is
 * spooled and nothing is kept but the current entry (at most limits.maxEntrySize), so memory stays flat whatever
 * the archive's size. The same reading rules as indexArchive (a restore's): bad bytes reject with
 * ArchiveCorruptError naming where reading stopped, more than limits.maxArchiveSize of tar with ArchiveLimitError.
 */
export async function scanArchive(input: Readable, onFile: (entry: TarEntryLocation, data: Buffer) => void, limits: ArchiveLimits = DEFAULT_ARCHIVE_LIMITS): Promise<ArchiveScan> {
  let files = 0;
  let formatVersion: string | undefined;
  const scanner = new TarScanner(limits, {
    index: false,
    onFile: (entry, data) => {
      files++;
      if (entry.path === FORMAT_VERSION_PATH) formatVersion = data.toString('utf8').trim();
      onFile(entry, data);
    }
  });
  // The callback only keeps pipeline's error from being unhandled: the same error reaches the loop below.
  const tarBytes = pipeline(input, createGunzip(), () => {});
  let position = 0;
  try {
    for await (const chunk of tarBytes) {
      const bytes = chunk as Buffer;
      if (position + bytes.length > limits.maxArchiveSize) {
        scanner.push(bytes.subarray(0, limits.maxArchiveSize - position));
        throw new ArchiveLimitError('archive', limits.maxArchiveSize, scanner.currentEntry, `the archive holds more than ${formatBytes(limits.maxArchiveSize)} uncompressed; reading stopped ${scanner.location}`);
      }
      scanner.push(bytes);
      position += bytes.length;
    }
    scanner.end();
  } catch (err) {
    throw asArchiveError(err, scanner.location);
  } finally {
    tarBytes.destroy();
  }
  return { files, formatVersion, ignored: scanner.ignored, ignoredCount: scanner.ignoredCount };
}
