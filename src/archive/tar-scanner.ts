import { Header, Pax, type HeaderData } from 'tar';
import { ArchiveCorruptError, ArchiveLimitError } from './archive-errors.js';
import { DEFAULT_ARCHIVE_LIMITS, indexEntryMemory, type ArchiveLimits } from './archive-limits.js';
import { formatBytes, formatExactBytes } from '../util/byte-size.js';
import { entryPathProblem, normalizeEntryPath } from './item-path.js';
import { BLOCK_SIZE, paddedSize } from './tar-blocks.js';

/** Where one regular file's data sits in the uncompressed tar stream. */
export interface TarEntryLocation {
  path: string;
  /** Byte offset of the first data byte (just after the entry's header block). */
  offset: number;
  size: number;
}

/** An entry left out of the index, as named in the archive, and why (`a symbolic link to '/etc/passwd'`). */
export interface IgnoredEntry {
  path: string;
  reason: string;
}

const REGULAR_FILE_TYPES = new Set(['File', 'OldFile', 'ContiguousFile']);
/**
 * Types that have no data whatever their size field says: Go's archive/tar (isHeaderOnlyType), which Velero reads
 * with, skips no data after them, so neither does this scanner. Otherwise a link declaring a size could hide the
 * entries that follow it from one reader and show them to the other.
 */
const HEADER_ONLY_TYPES = new Set(['Link', 'SymbolicLink', 'CharacterDevice', 'BlockDevice', 'Directory', 'FIFO']);
/** Headers that describe the next entry (PAX, GNU long names) and are not entries themselves. */
const EXTENSION_TYPES = new Set([
  'ExtendedHeader',
  'OldExtendedHeader',
  'GlobalExtendedHeader',
  'NextFileHasLongPath',
  'OldGnuLongPath',
  'NextFileHasLongLinkpath'
]);
/** Extended headers hold a few paths; a bigger one is damage or abuse, not something to buffer. */
const MAX_EXTENSION_SIZE = 1024 * 1024;
/** Ignored entries listed by name; the others are only counted, so an archive of a million links costs nothing. */
export const MAX_IGNORED_LISTED = 50;

const SPECIAL_FILES: Record<string, string> = {
  CharacterDevice: 'a character device',
  BlockDevice: 'a block device',
  FIFO: 'a FIFO'
};

/** What a scan does besides finding offsets. */
export interface TarScanOptions {
  /**
   * Called with each regular file's whole data (never more than maxEntrySize bytes) as soon as it has passed: a
   * check that reads every entry as the archive streams by, with no spool.
   */
  onFile?: (entry: TarEntryLocation, data: Buffer) => void;
  /** Whether to keep `entries` (default true). A streaming check keeps none, so its memory does not grow with the archive. */
  index?: boolean;
}

/** A regular file whose data is being gathered for onFile. */
interface PendingFile {
  entry: TarEntryLocation;
  chunks: Buffer[];
  remaining: number;
}

interface PendingExtension {
  type: string;
  size: number;
  chunks: Buffer[];
  received: number;
}

/**
 * Finds the data offset of every regular file in an uncompressed tar stream fed to it chunk by chunk. node-tar
 * decodes each header block (ustar fields, checksum, PAX and GNU long-name overrides); the positions are counted
 * here: a header is one 512-byte block, data is padded to whole blocks, extension headers take their own blocks.
 *
 * The archive is untrusted: links, devices and other non-regular entries are left out (Velero extracts regular
 * files and folders only), as are names that are absolute or climb with `..`; a regular file over the per-entry
 * cap, or more entries than the index may hold, stops the scan at that header with an ArchiveLimitError.
 */
export class TarScanner {
  readonly entries: TarEntryLocation[] = [];
  /** The first MAX_IGNORED_LISTED entries left out; ignoredCount counts them all. */
  readonly ignored: IgnoredEntry[] = [];
  #ignoredCount = 0;
  /** Offset in the stream of the next byte to be consumed. */
  #position = 0;
  /** Bytes of data or padding still to pass over. */
  #skip = 0;
  /** The entry whose data is being passed over; undefined for the padding of an extended header. */
  #skipping: string | undefined;
  /** The name of the last entry header read, for messages. */
  #lastEntry: string | undefined;
  #header = Buffer.alloc(BLOCK_SIZE);
  #headerFill = 0;
  #extension: PendingExtension | undefined;
  /** PAX or GNU long-name fields for the next entry only, and global PAX fields for all that follow. */
  #nextEntryFields: HeaderData | undefined;
  #globalFields: HeaderData | undefined;
  #zeroBlocks = 0;
  #ended = false;
  #indexMemory = 0;
  #file: PendingFile | undefined;

  constructor(
    private readonly limits: Pick<ArchiveLimits, 'maxEntrySize' | 'maxIndexMemory'> = DEFAULT_ARCHIVE_LIMITS,
    private readonly options: TarScanOptions = {}
  ) {}

  get ignoredCount(): number {
    return this.#ignoredCount;
  }

  /** Bytes consumed so far. */
  get position(): number {
    return this.#position;
  }

  /** The entry whose data is being read, else the last entry whose header was; undefined before the first. */
  get currentEntry(): string | undefined {
    return this.#skip > 0 && this.#skipping !== undefined ? this.#skipping : this.#lastEntry;
  }

  /** Where in the archive the scan is, for messages: `inside entry 'resources/…' (byte 1234 of the tar stream)`. */
  get location(): string {
    const at = `(byte ${this.#position} of the tar stream)`;
    if (this.#skip > 0 && this.#skipping !== undefined) return `inside entry '${this.#skipping}' ${at}`;
    if (this.#lastEntry === undefined) return this.#position === 0 ? 'at the start of the archive' : `before the first entry ${at}`;
    const inHeader = this.#extension ? 'inside an extended header ' : this.#headerFill > 0 ? 'inside the header ' : '';
    return `${inHeader}after entry '${this.#lastEntry}' ${at}`;
  }

  push(chunk: Buffer): void {
    let at = 0;
    // Anything after the end-of-archive blocks is ignored (GNU tar pads archives to 10 KiB records).
    while (at < chunk.length && !this.#ended) {
      let used: number;
      if (this.#skip > 0) {
        used = Math.min(this.#skip, chunk.length - at);
        if (this.#file) this.#gather(chunk.subarray(at, at + used));
        this.#skip -= used;
      } else if (this.#extension) {
        used = this.#consumeExtension(chunk, at);
      } else {
        used = Math.min(BLOCK_SIZE - this.#headerFill, chunk.length - at);
        chunk.copy(this.#header, this.#headerFill, at, at + used);
        this.#headerFill += used;
      }
      at += used;
      this.#position += used;
      if (this.#headerFill === BLOCK_SIZE) {
        this.#headerFill = 0;
        this.#onHeaderBlock();
      }
    }
  }

  /** Checks that the stream did not stop inside an entry. A missing end-of-archive marker is accepted, as Go's tar does. */
  end(): void {
    if (this.#ended) return;
    if (this.#position === 0) throw new ArchiveCorruptError('the tar stream is empty');
    if (this.#skip > 0 || this.#extension || this.#headerFill > 0) {
      throw new ArchiveCorruptError(`the tar stream ends ${this.location}`);
    }
  }

  #onHeaderBlock(): void {
    const block = this.#header;
    const headerOffset = this.#position - BLOCK_SIZE;
    if (block.every((byte) => byte === 0)) {
      if (++this.#zeroBlocks === 2) this.#ended = true;
      return;
    }
    this.#zeroBlocks = 0;
    const header = this.#decodeHeader(block, headerOffset);
    const declared = header.size;
    if (declared === undefined || !Number.isSafeInteger(declared)) {
      throw new ArchiveCorruptError(`tar header without a valid size at byte ${headerOffset}${this.#after()}`);
    }

    if (EXTENSION_TYPES.has(header.type)) {
      if (declared > MAX_EXTENSION_SIZE) {
        throw new ArchiveCorruptError(`extended tar header of ${declared} bytes at byte ${headerOffset}${this.#after()}`);
      }
      this.#extension = { type: header.type, size: declared, chunks: [], received: 0 };
      if (declared === 0) this.#applyExtension();
      return;
    }

    // Header prepends the ustar prefix field even to a PAX or GNU long path (node-tar's ReadEntry re-applies the
    // long path afterwards), so the long path is taken from the extension itself.
    const path = this.#nextEntryFields?.path ?? header.path;
    const linkpath = this.#nextEntryFields?.linkpath ?? header.linkpath;
    this.#nextEntryFields = undefined;
    const size = HEADER_ONLY_TYPES.has(header.type) ? 0 : declared;
    if (REGULAR_FILE_TYPES.has(header.type)) {
      if (!path) throw new ArchiveCorruptError(`tar entry without a path at byte ${headerOffset}${this.#after()}`);
      this.#addFile(path, size);
    } else if (header.type !== 'Directory') {
      this.#ignore(path ?? '', notRegularFile(header.type, block.toString('latin1', 156, 157), linkpath));
    } else {
      // A folder is nothing to a restore, but one named to climb out is worth a word: an extractor would create it.
      const problem = path ? entryPathProblem(normalizeEntryPath(path).replace(/\/+$/, '')) : undefined;
      if (problem) this.#ignore(path!, problem);
    }
    // Directories and everything left out: their data (if any) is passed over.
    this.#lastEntry = path ?? '';
    this.#skip = paddedSize(size);
    this.#skipping = this.#lastEntry;
  }

  #addFile(name: string, size: number): void {
    const path = normalizeEntryPath(name);
    const problem = entryPathProblem(path);
    if (problem) {
      this.#ignore(name, problem);
      return;
    }
    const { maxEntrySize, maxIndexMemory } = this.limits;
    if (size > maxEntrySize) {
      throw new ArchiveLimitError('entry', maxEntrySize, path, `entry '${path}' is ${formatExactBytes(size)}, over the limit of ${formatBytes(maxEntrySize)} for one entry`);
    }
    const entry = { path, offset: this.#position, size };
    if (this.options.onFile) {
      if (size === 0) this.options.onFile(entry, Buffer.alloc(0));
      else this.#file = { entry, chunks: [], remaining: size };
    }
    if (this.options.index === false) return;
    this.#indexMemory += indexEntryMemory(path);
    if (this.#indexMemory > maxIndexMemory) {
      throw new ArchiveLimitError(
        'index',
        maxIndexMemory,
        path,
        `the archive has more entries than its index may hold in memory (${formatBytes(maxIndexMemory)}, reached after ${this.entries.length.toLocaleString('en-US')} entries, at entry '${path}')`
      );
    }
    this.entries.push(entry);
  }

  /** Data of the file being gathered (and possibly its padding, which is not kept). */
  #gather(bytes: Buffer): void {
    const file = this.#file!;
    const data = bytes.subarray(0, file.remaining);
    file.chunks.push(data);
    file.remaining -= data.length;
    if (file.remaining > 0) return;
    this.#file = undefined;
    this.options.onFile!(file.entry, Buffer.concat(file.chunks));
  }

  #ignore(path: string, reason: string): void {
    this.#ignoredCount++;
    if (this.ignored.length < MAX_IGNORED_LISTED) this.ignored.push({ path, reason });
  }

  #after(): string {
    return this.#lastEntry === undefined ? ', the first header' : `, after entry '${this.#lastEntry}'`;
  }

  #decodeHeader(block: Buffer, at: number): Header {
    let header: Header;
    try {
      header = new Header(block, 0, this.#nextEntryFields, this.#globalFields);
    } catch (err) {
      // node-tar throws on numeric fields it cannot decode, which only garbage has.
      throw new ArchiveCorruptError(`unreadable tar header at byte ${at}${this.#after()}: ${(err as Error).message}`, { cause: err });
    }
    if (!header.cksumValid) throw new ArchiveCorruptError(`bad tar header checksum at byte ${at}${this.#after()}`);
    return header;
  }

  #consumeExtension(chunk: Buffer, at: number): number {
    const extension = this.#extension!;
    const used = Math.min(extension.size - extension.received, chunk.length - at);
    extension.chunks.push(chunk.subarray(at, at + used));
    extension.received += used;
    if (extension.received === extension.size) this.#applyExtension();
    return used;
  }

  #applyExtension(): void {
    const { type, size, chunks } = this.#extension!;
    this.#extension = undefined;
    this.#skip = paddedSize(size) - size;
    this.#skipping = undefined;
    const body = Buffer.concat(chunks).toString('utf8');
    const cString = (s: string) => s.replace(/\0.*/s, '');
    switch (type) {
      case 'GlobalExtendedHeader':
        this.#globalFields = Pax.parse(body, this.#globalFields, true);
        break;
      case 'NextFileHasLongPath':
      case 'OldGnuLongPath':
        this.#nextEntryFields = { ...this.#nextEntryFields, path: cString(body) };
        break;
      case 'NextFileHasLongLinkpath':
        this.#nextEntryFields = { ...this.#nextEntryFields, linkpath: cString(body) };
        break;
      default:
        this.#nextEntryFields = Pax.parse(body, this.#nextEntryFields, false);
    }
  }
}

/** Why a non-regular entry is left out: Velero's extractor creates folders and regular files, and nothing else. */
function notRegularFile(type: string, flag: string, linkpath: string | undefined): string {
  if (type === 'SymbolicLink') return `it is a symbolic link to '${linkpath ?? ''}', not a regular file`;
  if (type === 'Link') return `it is a hard link to '${linkpath ?? ''}', not a regular file`;
  const special = SPECIAL_FILES[type];
  if (special) return `it is ${special}, not a regular file`;
  return `it is a tar entry of type ${JSON.stringify(flag)}${type !== 'Unsupported' ? ` (${type})` : ''}, not a regular file`;
}
