import { types } from 'node:util';

/** A tarball that cannot be read to its end: not gzip, gzip cut short, or tar blocks that make no sense. */
export class ArchiveCorruptError extends Error {
  constructor(detail: string, options?: { cause?: unknown }) {
    super(`the archive is corrupt or truncated: ${detail}`, options);
    this.name = 'ArchiveCorruptError';
  }
}

/** Which cap of ArchiveLimits a tarball broke. */
export type ArchiveLimitKind = 'archive' | 'entry' | 'index';

/**
 * A tarball bigger than a restore reads (ArchiveLimits): reading stopped at `entry`, the path of the entry being
 * read when the cap was reached (undefined before the first). The message names no input: callers add the fix.
 */
export class ArchiveLimitError extends Error {
  constructor(
    readonly kind: ArchiveLimitKind,
    /** The cap, in bytes. */
    readonly limit: number,
    readonly entry: string | undefined,
    message: string
  ) {
    super(message);
    this.name = 'ArchiveLimitError';
  }
}

/**
 * Errors of the decompressor (zlib codes Z_DATA_ERROR, Z_BUF_ERROR, ...) mean bad bytes; any other error reaching
 * the gunzip stream comes from the input (a network read, say) and is passed on unchanged. `where` says where in
 * the archive reading stopped (`inside entry 'resources/…' (byte 1234 of the tar stream)`).
 */
export function asArchiveError(err: unknown, where?: string): unknown {
  if (err instanceof ArchiveCorruptError || err instanceof ArchiveLimitError) return err;
  const code = (err as { code?: unknown } | null)?.code;
  // isNativeError, not instanceof: zlib's errors may come from another realm (as under Jest's VM modules).
  if (types.isNativeError(err) && typeof code === 'string' && code.startsWith('Z_')) {
    return new ArchiveCorruptError(where ? `${err.message}, ${where}` : err.message, { cause: err });
  }
  return err;
}
