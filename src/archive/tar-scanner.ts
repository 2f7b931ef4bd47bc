import { Header, Pax, type HeaderData } from 'tar';
import { ArchiveCorruptError } from './archive-errors.js';
import { normalizeEntryPath } from './item-path.js';
import { BLOCK_SIZE, paddedSize } from './tar-blocks.js';

/** Where one regular file's data sits in the uncompressed tar stream. */
export interface TarEntryLocation {
  path: string;
  /** Byte offset of the first data byte (just after the entry's header block). */
  offset: number;
  size: number;
}

const REGULAR_FILE_TYPES = new Set(['File', 'OldFile', 'ContiguousFile']);
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
 */
export class TarScanner {
  readonly entries: TarEntryLocation[] = [];
  /** Offset in the stream of the next byte to be consumed. */
  #position = 0;
  /** Bytes of data or padding still to pass over. */
  #skip = 0;
  #header = Buffer.alloc(BLOCK_SIZE);
  #headerFill = 0;
  #extension: PendingExtension | undefined;
  /** PAX or GNU long-name fields for the next entry only, and global PAX fields for all that follow. */
  #nextEntryFields: HeaderData | undefined;
  #globalFields: HeaderData | undefined;
  #zeroBlocks = 0;
  #ended = false;

  push(chunk: Buffer): void {
    let at = 0;
    // Anything after the end-of-archive blocks is ignored (GNU tar pads archives to 10 KiB records).
    while (at < chunk.length && !this.#ended) {
      let used: number;
      if (this.#skip > 0) {
        used = Math.min(this.#skip, chunk.length - at);
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
      throw new ArchiveCorruptError(`the tar stream ends inside an entry, at byte ${this.#position}`);
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
    const header = decodeHeader(block, this.#nextEntryFields, this.#globalFields, headerOffset);
    const size = header.size;
    if (size === undefined) throw new ArchiveCorruptError(`tar header without a size at byte ${headerOffset}`);

    if (EXTENSION_TYPES.has(header.type)) {
      if (size > MAX_EXTENSION_SIZE) {
        throw new ArchiveCorruptError(`extended tar header of ${size} bytes at byte ${headerOffset}`);
      }
      this.#extension = { type: header.type, size, chunks: [], received: 0 };
      if (size === 0) this.#applyExtension();
      return;
    }

    // Header prepends the ustar prefix field even to a PAX or GNU long path (node-tar's ReadEntry re-applies the
    // long path afterwards), so the long path is taken from the extension itself.
    const path = this.#nextEntryFields?.path ?? header.path;
    this.#nextEntryFields = undefined;
    if (REGULAR_FILE_TYPES.has(header.type)) {
      if (!path) throw new ArchiveCorruptError(`tar entry without a path at byte ${headerOffset}`);
      this.entries.push({ path: normalizeEntryPath(path), offset: this.#position, size });
    }
    // Directories (size forced to 0 by node-tar), links and the rest: passed over like file data.
    this.#skip = paddedSize(size);
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

function decodeHeader(block: Buffer, fields: HeaderData | undefined, globalFields: HeaderData | undefined, at: number): Header {
  let header: Header;
  try {
    header = new Header(block, 0, fields, globalFields);
  } catch (err) {
    // node-tar throws on numeric fields it cannot decode, which only garbage has.
    throw new ArchiveCorruptError(`unreadable tar header at byte ${at}: ${(err as Error).message}`, { cause: err });
  }
  if (!header.cksumValid) throw new ArchiveCorruptError(`bad tar header checksum at byte ${at}`);
  return header;
}
