import { readSync } from 'node:fs';
import { open, rm, type FileHandle } from 'node:fs/promises';
import { pipeline, type Readable } from 'node:stream';
import { createGunzip } from 'node:zlib';
import { ArchiveLimitError, asArchiveError } from './archive-errors.js';
import { DEFAULT_ARCHIVE_LIMITS, type ArchiveLimits } from './archive-limits.js';
import { formatBytes, formatExactBytes } from '../util/byte-size.js';
import { FORMAT_VERSION_PATH } from './item-path.js';
import { TarScanner, type IgnoredEntry, type TarEntryLocation } from './tar-scanner.js';

export type IndexEntry = TarEntryLocation;
export type { IgnoredEntry };

/**
 * A tarball spooled to disk once, uncompressed, with the place of every regular file in it: a restore reads the
 * items it wants, in the order it wants, by offset, and memory holds only the paths.
 */
export interface ArchiveIndex {
  /** Every regular file in archive order (a path written twice appears twice; the later one is what tar extracts). */
  readonly entries: readonly IndexEntry[];
  /** The trimmed content of `metadata/version` (`1.1.0`), undefined when the archive has none. */
  readonly formatVersion: string | undefined;
  read(entry: IndexEntry): Promise<Buffer>;
  /** Closes the spool file and deletes it. Safe to call twice. */
  close(): Promise<void>;
}

/** What indexArchive returns: the index, and what it left out of it. */
export interface SpooledArchiveIndex extends ArchiveIndex {
  /**
   * Entries left out (links, devices and other non-regular files; names that are absolute or climb with `..`),
   * the first MAX_IGNORED_LISTED of them.
   */
  readonly ignored: readonly IgnoredEntry[];
  /** How many entries were left out in all. */
  readonly ignoredCount: number;
}

/** Entries up to this size are read synchronously (see read). */
const SYNC_READ_MAX_BYTES = 256 * 1024;

/** Bigger reads from zlib than its 16 KiB default: a quarter of the spool-file writes. */
const GUNZIP_CHUNK_SIZE = 64 * 1024;

/**
 * Gunzips `input` into `spoolFile` (created or truncated, mode 0600: backups hold Secrets) while indexing it.
 * Nothing else is written: entry names never become files. On failure the spool file is deleted; bad bytes reject
 * with ArchiveCorruptError naming where reading stopped, an archive over `limits` with ArchiveLimitError as soon
 * as the cap is reached (the input is destroyed: nothing more is downloaded or inflated).
 */
export async function indexArchive(input: Readable, spoolFile: string, limits: ArchiveLimits = DEFAULT_ARCHIVE_LIMITS): Promise<SpooledArchiveIndex> {
  const handle = await open(spoolFile, 'w+', 0o600);
  const scanner = new TarScanner(limits);
  try {
    // The callback only keeps pipeline's error from being unhandled: the same error reaches the loop below.
    const tarBytes = pipeline(input, createGunzip({ chunkSize: GUNZIP_CHUNK_SIZE }), () => {});
    let position = 0;
    try {
      for await (const chunk of tarBytes) {
        const bytes = chunk as Buffer;
        const room = limits.maxArchiveSize - position;
        if (bytes.length > room) {
          // Scanned up to the cap (so the message names the entry it falls in), never written past it.
          scanner.push(bytes.subarray(0, room));
          throw new ArchiveLimitError(
            'archive',
            limits.maxArchiveSize,
            scanner.currentEntry,
            `the archive holds more than ${formatBytes(limits.maxArchiveSize)} uncompressed, the limit; reading stopped ${scanner.location}`
          );
        }
        scanner.push(bytes);
        // Awaiting each write is the backpressure: the download waits for the disk.
        await writeFully(handle, bytes, position);
        position += bytes.length;
      }
      scanner.end();
    } finally {
      // Stops the gunzip stream and, through the pipeline, the download (a no-op when both ended).
      tarBytes.destroy();
    }
    const index = new SpooledArchive(handle, spoolFile, scanner, limits.maxEntrySize);
    await index.loadFormatVersion();
    return index;
  } catch (err) {
    await handle.close().catch(() => {});
    await rm(spoolFile, { force: true });
    throw asArchiveError(err, scanner.location);
  }
}

class SpooledArchive implements SpooledArchiveIndex {
  readonly entries: readonly IndexEntry[];
  readonly ignored: readonly IgnoredEntry[];
  readonly ignoredCount: number;
  #formatVersion: string | undefined;
  #closed = false;

  constructor(
    private readonly handle: FileHandle,
    private readonly spoolFile: string,
    scanner: TarScanner,
    private readonly maxEntrySize: number
  ) {
    this.entries = scanner.entries;
    this.ignored = scanner.ignored;
    this.ignoredCount = scanner.ignoredCount;
  }

  get formatVersion(): string | undefined {
    return this.#formatVersion;
  }

  async loadFormatVersion(): Promise<void> {
    const entry = this.entries.find((e) => e.path === FORMAT_VERSION_PATH);
    if (entry) this.#formatVersion = (await this.read(entry)).toString('utf8').trim();
  }

  /** The entry's bytes; never more than the per-entry cap, whatever entry it is given. */
  async read(entry: IndexEntry): Promise<Buffer> {
    if (this.#closed) throw new Error('the archive index is closed');
    if (!Number.isSafeInteger(entry.size) || entry.size < 0 || entry.size > this.maxEntrySize) {
      throw new ArchiveLimitError('entry', this.maxEntrySize, entry.path, `entry '${entry.path}' is ${formatExactBytes(entry.size)}, over the limit of ${formatBytes(this.maxEntrySize)} for one entry`);
    }
    const buffer = Buffer.allocUnsafe(entry.size);
    let filled = 0;
    // Positional reads: concurrent reads of different entries do not disturb each other. A small entry (an item)
    // was written moments ago and sits in the page cache: a synchronous read of it is a memory copy, where the
    // promise read's round trip through the thread pool cost restores 2.5 s of main-thread time per 10,000 items.
    const read = entry.size <= SYNC_READ_MAX_BYTES ? (offset: number) => ({ bytesRead: readSync(this.handle.fd, buffer, offset, entry.size - offset, entry.offset + offset) }) : (offset: number) => this.handle.read(buffer, offset, entry.size - offset, entry.offset + offset);
    while (filled < entry.size) {
      const { bytesRead } = await read(filled);
      if (bytesRead === 0) throw new Error(`the spool file ends before entry ${entry.path} does`);
      filled += bytesRead;
    }
    return buffer;
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    try {
      await this.handle.close();
    } finally {
      await rm(this.spoolFile, { force: true });
    }
  }
}

async function writeFully(handle: FileHandle, bytes: Buffer, position: number): Promise<void> {
  let written = 0;
  while (written < bytes.length) {
    const result = await handle.write(bytes, written, bytes.length - written, position + written);
    written += result.bytesWritten;
  }
}
