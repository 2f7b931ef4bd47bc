import { types } from 'node:util';

/** A tarball that cannot be read to its end: not gzip, gzip cut short, or tar blocks that make no sense. */
export class ArchiveCorruptError extends Error {
  constructor(detail: string, options?: { cause?: unknown }) {
    super(`the archive is corrupt or truncated: ${detail}`, options);
    this.name = 'ArchiveCorruptError';
  }
}

/**
 * Errors of the decompressor (zlib codes Z_DATA_ERROR, Z_BUF_ERROR, ...) mean bad bytes; any other error reaching
 * the gunzip stream comes from the input (a network read, say) and is passed on unchanged.
 */
export function asArchiveError(err: unknown): unknown {
  if (err instanceof ArchiveCorruptError) return err;
  const code = (err as { code?: unknown } | null)?.code;
  // isNativeError, not instanceof: zlib's errors may come from another realm (as under Jest's VM modules).
  if (types.isNativeError(err) && typeof code === 'string' && code.startsWith('Z_')) {
    return new ArchiveCorruptError(err.message, { cause: err });
  }
  return err;
}
