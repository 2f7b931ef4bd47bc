import type { Readable } from 'node:stream';

/** One stored object, as a listing or a head request describes it. Keys are relative to the location's prefix. */
export interface ObjectInfo {
  key: string;
  size: number;
  lastModified: Date;
}

export interface PutOptions {
  contentType?: string;
  /**
   * Create only if the key does not exist yet (S3 `If-None-Match: *`, an exclusive create on disk); otherwise
   * AlreadyExistsError. Stores that cannot honour it atomically fall back to head-then-put: see `conditionalPut`.
   */
  ifNoneMatch?: boolean;
  /**
   * Replace only if the object is still this version (from `readVersioned`); otherwise, or when it is gone,
   * ChangedMeanwhileError. S3 `If-Match`, a compare-and-swap on disk. Stores that cannot honour it atomically
   * compare first and then write: see `conditionalPut`. Small bodies only.
   */
  ifMatch?: string;
}

/**
 * What a write that never finished left behind (a run killed mid-upload): an unfinished multipart upload, a
 * temporary file. Never visible as an object, but it holds space (and, on S3, is billed) until aborted.
 */
export interface UnfinishedWrite {
  /** The key it was writing, relative to the location's prefix. */
  key: string;
  /** The store's handle on it (an upload id, a temporary file's path): what abortUnfinished needs. */
  id: string;
  kind: 'multipart-upload' | 'temporary-file' | 'lock-file';
  /** When it was last written to (its newest part; the file's mtime), or started when nothing came since. */
  lastModified: Date;
  /** The bytes it holds, where the store says. */
  size?: number;
}

/** A small object's text and the version it was read at, for a later `put(key, body, { ifMatch: version })`. */
export interface VersionedText {
  text: string;
  version: string;
}

/**
 * The object-store port: a bucket and prefix (or a directory) seen as a flat key space. Every backend passes the
 * same contract test (test/integration/storage/contract.ts). Knows nothing of Velero's layout; see layout.ts.
 */
export interface ObjectStore {
  /** Where this store points, for messages and outputs (`s3://bucket/prefix`, `file:///dir`). */
  readonly url: string;
  /** Whether a conditional put is atomic on this backend (S3 stores differ; see README). */
  readonly conditionalPut: 'atomic' | 'best-effort';
  /**
   * Stores a stream or buffer. Streams of unknown length go up in parts; nothing is visible until complete. The
   * stream's errors belong to the put from the call on (one that fails before the first read rejects the put).
   */
  put(key: string, body: Readable | Buffer | string, options?: PutOptions): Promise<void>;
  /** A stream of the object's bytes; NotFoundError when it does not exist. */
  get(key: string): Promise<Readable>;
  /** A small object's text and its version, read together; undefined when it does not exist. */
  readVersioned?(key: string): Promise<VersionedText | undefined>;
  /** Size and time of an object, or undefined when it does not exist. */
  head(key: string): Promise<ObjectInfo | undefined>;
  /** Every object whose key starts with `prefix`, in key order, page by page. */
  list(prefix: string): AsyncIterable<ObjectInfo>;
  /**
   * The "folders" directly under `prefix` (which should end in `/`): full keys (`prefix` included) ending in `/`,
   * in key order, only those holding at least one object (S3's common prefixes).
   */
  listFolders(prefix: string): AsyncIterable<string>;
  /** Fails fast, with an InputError naming what to fix, when the location cannot be read (bucket, credentials, endpoint). */
  verifyAccess?(): Promise<void>;
  /** Deletes the keys (missing ones are not an error), in batches the backend accepts. */
  deleteMany(keys: readonly string[]): Promise<void>;
  /**
   * Writes to keys starting with `prefix` that were started and neither finished nor aborted: a running put's
   * as well as a killed one's, so callers judge by `lastModified` which are abandoned.
   */
  listUnfinished?(prefix: string): AsyncIterable<UnfinishedWrite>;
  /** Discards what these writes left (parts, temporary files); ones already gone are not an error. Never touches an object. */
  abortUnfinished?(writes: readonly UnfinishedWrite[]): Promise<void>;
}

/** A small object (a record, a lease) as text; never for archives, which are streamed. */
export async function readText(store: ObjectStore, key: string): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of await store.get(key)) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}
