import { pipeline as pipe, Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGunzip } from 'node:zlib';
import { scanArchive } from '../archive/archive-scan.js';
import { DEFAULT_ARCHIVE_LIMITS, type ArchiveLimits } from '../archive/archive-limits.js';
import { parseItemPath } from '../archive/item-path.js';
import { checksumProblem, type ChecksumManifest, type FileChecksum } from '../integrity/checksum-manifest.js';
import { checkBackupSignature, type SignatureCheck } from '../integrity/backup-signature.js';
import type { VerifyKey } from '../integrity/manifest-signature.js';
import { digestObject, IntegrityError, readStoredManifest, type StoredManifest } from '../integrity/stored-manifest.js';
import { decodeItem } from '../persistence/archive-catalog.js';
import { checkItemIdentity } from '../persistence/item-identity.js';
import { readStoredBackup } from '../persistence/stored-backups.js';
import { BackupDecryption } from '../persistence/backup-encryption.js';
import type { DecryptionKeys } from '../encryption/age-cipher.js';
import { backupKeys, type BackupFileKind, type BackupKeys } from '../storage/layout.js';
import type { ObjectStore } from '../storage/object-store.js';
import { DigestStream, digestOf } from '../util/digest-stream.js';
import { errorMessage, NotFoundError } from '../util/errors.js';
import { printable, MAX_PATH_SHOWN } from '../util/printable.js';
import { decodeVolumeCopies, type VolumeCopyRecord } from '../volumes/volume-copy-record.js';
import type { BackupVerification, VerifyProblem } from './verification.js';

export interface VerifyOptions {
  /** Caps on the tarball, as a restore reads it (max-archive-size); the defaults without it. */
  limits?: ArchiveLimits;
  signal?: AbortSignal;
  /** The most problems listed per file (a tarball of broken items would list them all); the rest are counted. */
  maxProblemsPerFile?: number;
  /** verify-key: the manifest must be signed by one of these; none: a signature is reported, not required. */
  verifyKeys?: readonly VerifyKey[];
  /** encryption-identity / -passphrase: an encrypted backup's contents are read too; without, only their hashes. */
  decryption?: DecryptionKeys;
}

const DEFAULT_MAX_PROBLEMS_PER_FILE = 20;
/** The copies record is read whole to be decoded; it holds a few hundred bytes per copy. */
const MAX_RECORD_SIZE = 64 * 1024 * 1024;
/** Velero's gzipped side files, which a backup without a manifest can only be checked to read to their end. */
const SIDE_FILES = ['logs', 'results', 'resourceList', 'volumeSnapshots', 'itemOperations', 'podVolumeBackups', 'volumeInfo'] as const;

/**
 * Verifies one backup in the store, reading each of its files once as it streams (memory stays flat whatever the
 * tarball's or a volume copy's size; nothing is spooled). With a checksum manifest: the manifest is the one
 * velero-backup.json records, every file it lists is there with its size and sha256, the copies record agrees with
 * it. With verify keys, one of them signed the manifest. Always: the tarball reads to its end (gzip and tar) and
 * every item in it is a JSON object whose metadata agrees with its path, as a restore requires. Never throws for
 * what the bucket holds: every finding is a problem.
 */
export async function verifyBackup(store: ObjectStore, name: string, options: VerifyOptions = {}): Promise<BackupVerification> {
  const keys = backupKeys(name);
  const check = new BackupCheck(store, name, options);
  const stored = await readStoredBackup(store, name);
  if (stored.state !== 'complete') {
    check.problem(keys.metadata, stored.state === 'unfinished' ? 'is missing: the backup is unfinished, or does not exist' : stored.problem);
    return check.result(false);
  }
  let read: StoredManifest | undefined;
  let signature: SignatureCheck | undefined;
  try {
    read = await readStoredManifest(store, name, stored.backup);
    signature = checkBackupSignature(stored.backup, name, read?.bytes, options.verifyKeys ?? []);
  } catch (err) {
    if (!(err instanceof IntegrityError)) throw err;
    check.problem(err.file, err.problem);
  }
  // A signature that fails still leaves the files to check against the manifest: they may be damaged besides.
  if (signature?.state === 'failed') check.problem(signature.file, signature.problem);
  const manifest = read?.manifest;
  check.openWith(BackupDecryption.for(stored.backup, name, options.decryption, 'hashes-only'));
  await check.listFolder();
  // A manifest that cannot be trusted leaves the structure to check, which still finds what it can.
  if (manifest) await check.againstManifest(manifest);
  else await check.structure();
  const result = check.result(manifest !== undefined);
  return signature ? { ...result, signature } : result;
}

/** The checks of one backup and what they found. */
class BackupCheck {
  private readonly problems: VerifyProblem[] = [];
  /** Problems per file, listed or not. */
  private readonly counts = new Map<string, number>();
  /** What the folder holds: key → size. */
  private readonly present = new Map<string, number>();
  private filesChecked = 0;
  private items = 0;
  /** How encrypted files read; a plain backup's pass as they are. */
  private decryption = BackupDecryption.plain();
  private readonly maxPerFile: number;
  private readonly keys: BackupKeys;

  constructor(
    private readonly store: ObjectStore,
    private readonly name: string,
    private readonly options: VerifyOptions
  ) {
    this.keys = backupKeys(name);
    this.maxPerFile = options.maxProblemsPerFile ?? DEFAULT_MAX_PROBLEMS_PER_FILE;
  }

  problem(file: string, problem: string): void {
    const count = (this.counts.get(file) ?? 0) + 1;
    this.counts.set(file, count);
    if (count <= this.maxPerFile) this.problems.push({ file, problem });
  }

  result(withManifest: boolean): BackupVerification {
    for (const [file, count] of this.counts) {
      if (count > this.maxPerFile) this.problems.push({ file, problem: `${count - this.maxPerFile} more problems like these` });
    }
    const state = this.problems.length ? 'failed' : withManifest ? 'verified' : 'structural-only';
    const encryption = this.decryption.isEncrypted ? { encryption: this.decryption.canRead ? ('decrypted' as const) : ('hashes-only' as const) } : {};
    return { name: this.name, state, problems: this.problems, filesChecked: this.filesChecked, items: this.items, ...encryption };
  }

  openWith(decryption: BackupDecryption): void {
    this.decryption = decryption;
  }

  async listFolder(): Promise<void> {
    for await (const info of this.store.list(this.keys.folder)) this.present.set(info.key, info.size);
  }

  async againstManifest(manifest: ChecksumManifest): Promise<void> {
    for (const { key, kind, checksum } of manifest.entries()) {
      this.options.signal?.throwIfAborted();
      const size = this.present.get(key);
      if (size === undefined) {
        this.problem(key, 'is missing, but the checksum manifest lists it');
        continue;
      }
      // The listing tells a truncated or grown file at once; its bytes are still read where they say more.
      const sizeMatches = size === checksum.size;
      if (!sizeMatches) this.problem(key, `is ${size} bytes, but the checksum manifest records ${checksum.size}`);
      if (kind === 'tarball' && this.decryption.unreadable('tarball')) {
        if (sizeMatches) await this.digest(key, checksum);
      } else if (kind === 'tarball') await this.tarball(key, sizeMatches ? checksum : undefined);
      else if (kind === 'fsVolumes' && sizeMatches) await this.copiesRecord(manifest, checksum);
      else if (sizeMatches) await this.digest(key, checksum);
    }
    // The files a restore reads must be covered: a tarball or copies record the manifest does not list is no one's.
    for (const key of [this.keys.tarball, this.keys.fsVolumes]) {
      if (manifest.entry(key)) continue;
      if (this.present.has(key)) this.problem(key, 'is not listed in the checksum manifest');
      else if (key === this.keys.tarball) this.problem(key, 'is missing');
    }
  }

  async structure(): Promise<void> {
    if (!this.present.has(this.keys.tarball)) this.problem(this.keys.tarball, 'is missing');
    else if (this.decryption.unreadable('tarball')) this.problem(this.keys.tarball, 'is encrypted and the backup has no checksum manifest: without encryption-identity nothing of it can be checked');
    else await this.tarball(this.keys.tarball, undefined);
    for (const side of SIDE_FILES) {
      this.options.signal?.throwIfAborted();
      if (this.present.has(this.keys[side])) await this.gzip(side, this.keys[side]);
    }
    if (this.present.has(this.keys.fsVolumes)) await this.copiesRecord(undefined, undefined);
  }

  /** The tarball, read once: its digest, and every entry as a restore would read it. */
  private async tarball(key: string, expected: FileChecksum | undefined): Promise<void> {
    const digest = new DigestStream();
    const where = (path: string) => `archive entry '${printable(path, MAX_PATH_SHOWN)}'`;
    try {
      const scan = await scanArchive(
        await this.hashed(key, digest),
        (entry, data) => {
          const place = parseItemPath(entry.path);
          if (!place) return;
          if (!place.versionDir) this.items++;
          const decoded = decodeItem(data);
          const checked = 'object' in decoded ? checkItemIdentity(decoded.object, place) : decoded;
          if ('problem' in checked) this.problem(key, `${where(entry.path)}: ${checked.problem}`);
        },
        this.options.limits ?? DEFAULT_ARCHIVE_LIMITS
      );
      for (const ignored of scan.ignored) this.problem(key, `${where(ignored.path)} would be left out by a restore: ${ignored.reason}`);
      if (scan.ignoredCount > scan.ignored.length) this.problem(key, `${scan.ignoredCount - scan.ignored.length} more entries would be left out by a restore`);
    } catch (err) {
      this.unreadable(key, err);
      return;
    } finally {
      this.filesChecked++;
    }
    this.compare(key, expected, digest);
  }

  /** A file whose content only its checksum can tell (a volume copy, a side file): its bytes, hashed. */
  private async digest(key: string, expected: FileChecksum): Promise<void> {
    let digest;
    try {
      digest = await digestObject(this.store, key);
    } catch (err) {
      this.unreadable(key, err);
      return;
    } finally {
      this.filesChecked++;
    }
    const problem = checksumProblem(expected, digest);
    if (problem) this.problem(key, problem);
  }

  /** A side file of a backup without a manifest: gzip that reads to its end (its CRC holds), decrypted first if need be. */
  private async gzip(kind: BackupFileKind, key: string): Promise<void> {
    if (this.decryption.unreadable(kind)) return;
    const decrypt = this.decryption.stage(kind, key);
    try {
      await (decrypt ? pipeline(await this.store.get(key), decrypt, createGunzip(), discard()) : pipeline(await this.store.get(key), createGunzip(), discard()));
    } catch (err) {
      this.unreadable(key, err, 'is not a readable gzip file: ');
    } finally {
      this.filesChecked++;
    }
  }

  /**
   * The copies record: its checksum (with a manifest), its records, and each copy it says succeeded: with a
   * manifest, the manifest must give the copy the stored digest the record holds (the copy itself is checked as a
   * manifest entry); without one, the copy is read and held to the record's digest.
   */
  private async copiesRecord(manifest: ChecksumManifest | undefined, expected: FileChecksum | undefined): Promise<void> {
    const key = this.keys.fsVolumes;
    let bytes: Buffer;
    try {
      bytes = await this.readSmall(key);
    } catch (err) {
      this.unreadable(key, err);
      return;
    } finally {
      this.filesChecked++;
    }
    if (expected) {
      const problem = checksumProblem(expected, digestOf(bytes));
      if (problem) return this.problem(key, problem);
    }
    let copies: VolumeCopyRecord[];
    try {
      copies = decodeVolumeCopies(bytes, this.name);
    } catch (err) {
      return this.problem(key, errorMessage(err));
    }
    for (const copy of copies) {
      if (copy.result !== 'succeeded' || !copy.stored) continue;
      if (manifest) {
        const recorded = manifest.entry(copy.key);
        if (!recorded) this.problem(copy.key, `is not listed in the checksum manifest, but ${key} records it`);
        else if (recorded.size !== copy.stored.bytes || recorded.sha256 !== copy.stored.sha256) {
          this.problem(copy.key, `${key} records ${copy.stored.bytes} bytes, sha256 ${copy.stored.sha256}, but the checksum manifest ${recorded.size} bytes, sha256 ${recorded.sha256}`);
        }
      } else if (!this.present.has(copy.key)) {
        this.problem(copy.key, `is missing, but ${key} records it`);
      } else {
        await this.digest(copy.key, { size: copy.stored.bytes, sha256: copy.stored.sha256 });
      }
    }
  }

  private compare(key: string, expected: FileChecksum | undefined, digest: DigestStream): void {
    if (!expected) return;
    const problem = digest.finished ? checksumProblem(expected, digest.digest()) : 'was not read to its end (bytes after the end of its gzip stream)';
    if (problem) this.problem(key, problem);
  }

  /** The object's bytes through `digest`; the returned stream errors with the store's error. */
  private async hashed(key: string, digest: DigestStream): Promise<Readable> {
    // The callback only keeps pipeline's error from being unhandled: the reader gets the same error.
    const hashed = pipe(await this.store.get(key), digest, () => {});
    const decrypt = this.decryption.stage('tarball', key);
    return decrypt ? Readable.from(decrypt(hashed)) : hashed;
  }

  private async readSmall(key: string): Promise<Buffer> {
    const chunks: Buffer[] = [];
    let size = 0;
    const stream = await this.store.get(key);
    try {
      for await (const chunk of stream) {
        size += (chunk as Buffer).length;
        if (size > MAX_RECORD_SIZE) throw new Error(`is over ${MAX_RECORD_SIZE} bytes, more than any record of this kind`);
        chunks.push(chunk as Buffer);
      }
    } finally {
      stream.destroy();
    }
    return Buffer.concat(chunks);
  }

  private unreadable(key: string, err: unknown, prefix = ''): void {
    this.problem(key, err instanceof NotFoundError ? 'is missing (it went away while being verified)' : `${prefix}${errorMessage(err)}`);
  }
}

/** A sink for bytes that are only hashed or decompressed to check them. */
function discard(): Writable {
  return new Writable({
    write(_chunk, _encoding, done) {
      done();
    }
  });
}
