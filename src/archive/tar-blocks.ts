import { Header, Pax } from 'tar';

/** Tar's unit: headers are one block, data is padded to whole blocks. */
export const BLOCK_SIZE = 512;

/** Two zero blocks end an archive. */
export const END_OF_ARCHIVE = Buffer.alloc(2 * BLOCK_SIZE);

/**
 * Velero writes its entries with mode 0755, and its restore extracts with `MkdirAll(dir, <the file's mode>)`
 * (pkg/archive/extractor.go). As Velero runs as a non-root user, a mode without the execute bits would create
 * folders it cannot enter, and it could not restore our backups. So files get 0755 too.
 */
export const FILE_MODE = 0o755;

export function paddedSize(size: number): number {
  return Math.ceil(size / BLOCK_SIZE) * BLOCK_SIZE;
}

/**
 * The header block(s) of one regular file: a ustar header, preceded by a PAX extended header when the path does
 * not fit ustar's name and prefix fields (over 255 bytes, or no fitting split at a slash, or not ASCII).
 */
export function fileHeader(path: string, size: number, mtime: Date): Buffer {
  const header = regularFileHeader(path, size, mtime);
  const needPax = header.encode();
  const block = header.block!;
  if (!needPax) return block;
  return Buffer.concat([new Pax({ path, mtime }).encode(), block]);
}

/** The ustar header of one regular file, to encode into a block of its own or into a larger buffer. */
export function regularFileHeader(path: string, size: number, mtime: Date): Header {
  return new Header({ path, mode: FILE_MODE, uid: 0, gid: 0, size, mtime, type: 'File' });
}
