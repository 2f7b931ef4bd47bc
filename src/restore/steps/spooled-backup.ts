import { mkdtemp, rm } from 'node:fs/promises';
import path from 'node:path';
import { pipeline, Readable } from 'node:stream';
import { ArchiveCorruptError, ArchiveLimitError } from '../../archive/archive-errors.js';
import { indexArchive, type SpooledArchiveIndex } from '../../archive/archive-index.js';
import { DEFAULT_ARCHIVE_LIMITS, type ArchiveLimits } from '../../archive/archive-limits.js';
import { formatBytes, GiB } from '../../util/byte-size.js';
import { BackupCatalog } from '../../persistence/archive-catalog.js';
import { backupKeys } from '../../storage/layout.js';
import type { ObjectStore } from '../../storage/object-store.js';
import { DigestStream } from '../../util/digest-stream.js';
import { checksumProblem } from '../../integrity/checksum-manifest.js';
import type { BackupIntegrity } from './backup-integrity.js';
import type { BackupDecryption } from '../../persistence/backup-encryption.js';

export interface SpoolOptions {
  /** Caps on the archive (the settings' archiveLimits: max-archive-size); the defaults without it. */
  limits?: ArchiveLimits;
  /** Told, once per entry (the first few of them), about entries left out: links, devices, unsafe names. */
  warn?: (message: string) => void;
  /** The backup's checksums: the tarball is hashed as it spools and refused, naming it, unless it is the one recorded. */
  integrity?: BackupIntegrity;
  /** Decrypts an encrypted tarball as it spools (after its stored bytes are hashed); a plain one passes as it is. */
  decryption?: BackupDecryption;
}

/**
 * A backup's archive spooled to disk and catalogued. The spool sits in a directory of its own (mkdtemp makes it
 * 0700): backups hold Secrets, and a name nobody else can predict or share keeps two restores on one runner apart.
 */
export class SpooledBackup {
  private constructor(
    readonly catalog: BackupCatalog,
    private readonly directory: string
  ) {}

  /**
   * Reading the whole archive before any write is the verification: a truncated, corrupt or oversized tarball, or
   * one whose size or sha256 is not what the backup's checksum manifest records, fails here, and leaves nothing in
   * `tempDirectory`.
   */
  static async open(store: ObjectStore, backupName: string, tempDirectory: string, options: SpoolOptions = {}): Promise<SpooledBackup> {
    const limits = options.limits ?? DEFAULT_ARCHIVE_LIMITS;
    const key = backupKeys(backupName).tarball;
    const expected = options.integrity?.expected(key);
    const directory = await mkdtemp(path.join(tempDirectory, 'kube-restore-'));
    let index: SpooledArchiveIndex | undefined;
    try {
      const stored = new DigestStream();
      try {
        // The callback only keeps pipeline's error from being unhandled: indexArchive reads the same error.
        const decrypt = options.decryption?.stage('tarball', key);
        const hashed = pipeline(await store.get(key), stored, () => {});
        const plain = decrypt ? Readable.from(decrypt(hashed)) : hashed;
        index = await indexArchive(plain, path.join(directory, 'backup.tar'), limits);
      } catch (err) {
        if (err instanceof ArchiveLimitError) throw overLimit(err, backupName, limits);
        // With a manifest, bytes that do not read are a file that is not what the backup wrote: say which.
        if (expected && err instanceof ArchiveCorruptError) throw options.integrity!.refuse(key, err.message);
        throw err;
      }
      if (expected) {
        // No digest: the gzip stream ended before the object did (bytes appended after it).
        const problem = stored.finished ? checksumProblem(expected, stored.digest()) : 'holds bytes after the end of its gzip stream';
        if (problem) throw options.integrity!.refuse(key, problem);
      }
      if (options.warn) reportIgnored(index, options.warn);
      return new SpooledBackup(new BackupCatalog(index), directory);
    } catch (err) {
      await index?.close().catch(() => {});
      await removeDirectory(directory);
      throw err;
    }
  }

  async close(): Promise<void> {
    try {
      await this.catalog.close();
    } finally {
      await removeDirectory(this.directory);
    }
  }
}

/** The archive layer's message, and what the user can do about it: raise max-archive-size, or nothing. */
function overLimit(err: ArchiveLimitError, backupName: string, limits: ArchiveLimits): Error {
  let fix: string;
  if (err.kind === 'entry') {
    fix = 'No Kubernetes object comes near that size (the API server refuses writes over 3 MiB), so the entry is no object a restore could create, and this limit has no input';
  } else {
    // The index's memory budget follows max-archive-size (archiveLimits), so the same input raises both.
    const suggestion = Math.max(50, Math.ceil((2 * limits.maxArchiveSize) / GiB));
    fix = `If backup '${backupName}' is genuine, raise the input max-archive-size (now ${formatBytes(limits.maxArchiveSize)}), for example to ${suggestion}Gi`;
  }
  return new Error(`backup '${backupName}' was not restored: ${err.message}. ${fix}. Nothing was written to the cluster`, { cause: err });
}

function reportIgnored(index: SpooledArchiveIndex, warn: (message: string) => void): void {
  for (const { path: entry, reason } of index.ignored) warn(`archive entry '${entry}' left out: ${reason}`);
  const unlisted = index.ignoredCount - index.ignored.length;
  if (unlisted > 0) warn(`${unlisted} more archive entries left out (links, special files or unsafe names)`);
}

function removeDirectory(directory: string): Promise<void> {
  return rm(directory, { recursive: true, force: true });
}
