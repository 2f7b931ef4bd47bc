import { checkBackupSignature, signatureText } from '../../integrity/backup-signature.js';
import { checksumOf, checksumProblem, type ChecksumManifest, type FileChecksum } from '../../integrity/checksum-manifest.js';
import type { VerifyKey } from '../../integrity/manifest-signature.js';
import { digestObject, IntegrityError, readStoredManifest } from '../../integrity/stored-manifest.js';
import type { ChosenBackup } from '../../persistence/choose-backup.js';
import { backupKeys } from '../../storage/layout.js';
import type { ObjectStore } from '../../storage/object-store.js';
import { digestOf } from '../../util/digest-stream.js';
import type { Logger } from '../../util/logger.js';
import type { VolumeCopyRecord } from '../../volumes/volume-copy-record.js';

/** A restore refused because a file of its backup is not what the backup wrote; nothing was written to the cluster. */
export class RestoreIntegrityError extends Error {
  constructor(backupName: string, cause: IntegrityError) {
    super(`backup '${backupName}' failed its integrity check, so nothing was written to the cluster: ${cause.message}`, { cause });
    this.name = 'RestoreIntegrityError';
  }
}

/**
 * What a restore holds the files it reads to before its first write: the backup's checksum manifest (bound to
 * velero-backup.json by its sha256), or nothing for backups that have none (Velero's own, ours from before
 * manifests), which are checked structurally only, as they always were. Every refusal is a RestoreIntegrityError
 * naming the file.
 */
export class BackupIntegrity {
  private constructor(
    private readonly backupName: string,
    readonly manifest: ChecksumManifest | undefined
  ) {}

  /**
   * Reads the manifest and, before anything is downloaded, checks what can be checked cheaply: every file it lists
   * is in the backup's folder with its recorded size (volume copies included: a missing or cut copy is refused
   * here), and the small files (logs, results, resource list, volumeinfo, the copies record) hash as recorded. A
   * restore does not use all of those, but a backup with any damaged file is refused, as verify would fail it.
   * The tarball is hashed as it spools (SpooledBackup), each copy as it streams into its claim. With verify keys,
   * the manifest must be signed by one of them, checked first: an unsigned backup is refused.
   */
  static async check(store: ObjectStore, chosen: ChosenBackup, log: Logger, verifyKeys: readonly VerifyKey[] = []): Promise<BackupIntegrity> {
    let read;
    try {
      read = await readStoredManifest(store, chosen.name, chosen.backup);
    } catch (err) {
      throw err instanceof IntegrityError ? new RestoreIntegrityError(chosen.name, err) : err;
    }
    const signature = checkBackupSignature(chosen.backup, chosen.name, read?.bytes, verifyKeys);
    if (signature.state === 'failed') throw new RestoreIntegrityError(chosen.name, new IntegrityError(signature.file, signature.problem));
    if (signature.state !== 'unsigned') log.info(`Backup ${chosen.name}: checksum manifest ${signatureText(signature)}`);
    const manifest = read?.manifest;
    const integrity = new BackupIntegrity(chosen.name, manifest);
    if (!manifest) {
      log.info(`Backup ${chosen.name} has no checksum manifest (made by Velero, or by a version without one): its files are checked structurally only`);
      return integrity;
    }
    await integrity.checkStoredFiles(store, manifest);
    log.info(`Backup ${chosen.name}: ${manifest.size} files match its checksum manifest in size, the small ones in sha256; the archive and volume copies are checked as they are read`);
    return integrity;
  }

  private async checkStoredFiles(store: ObjectStore, manifest: ChecksumManifest): Promise<void> {
    const sizes = new Map<string, number>();
    for await (const info of store.list(backupKeys(this.backupName).folder)) sizes.set(info.key, info.size);
    for (const { key, checksum } of manifest.entries()) {
      const size = sizes.get(key);
      if (size === undefined) throw this.refuse(key, 'is missing, but the checksum manifest lists it');
      if (size !== checksum.size) throw this.refuse(key, `is ${size} bytes, but the checksum manifest records ${checksum.size}`);
    }
    for (const { key, kind, checksum } of manifest.entries()) {
      if (kind === 'tarball' || kind === 'volumeCopy') continue;
      const problem = checksumProblem(checksum, await digestObject(store, key));
      if (problem) throw this.refuse(key, problem);
    }
  }

  /** The recorded checksum of a file the restore is about to read; undefined without a manifest. */
  expected(key: string): FileChecksum | undefined {
    if (!this.manifest) return undefined;
    const recorded = this.manifest.entry(key);
    if (!recorded) throw this.refuse(key, 'is not listed in the checksum manifest');
    return recorded;
  }

  /** The copies record as read (undefined: the backup has none), held to the manifest. */
  checkCopiesRecord(bytes: Buffer | undefined): void {
    if (!this.manifest) return;
    const key = backupKeys(this.backupName).fsVolumes;
    const recorded = this.manifest.entry(key);
    if (bytes === undefined) {
      if (recorded) throw this.refuse(key, 'is missing, but the checksum manifest lists it');
      return;
    }
    if (!recorded) throw this.refuse(key, 'is not listed in the checksum manifest');
    const problem = checksumProblem(recorded, digestOf(bytes));
    if (problem) throw this.refuse(key, problem);
  }

  /**
   * Each copy a restore may read: the manifest must record for its key exactly the stored digest the copies record
   * holds, against which the copy is verified as it streams into its claim (too large to read twice).
   */
  checkCopies(copies: readonly VolumeCopyRecord[]): void {
    if (!this.manifest) return;
    for (const copy of copies) {
      if (copy.result !== 'succeeded' || !copy.stored) continue;
      const recorded = this.expected(copy.key)!;
      const stored = checksumOf(copy.stored);
      if (recorded.size !== stored.size || recorded.sha256 !== stored.sha256) {
        throw this.refuse(copy.key, `the copies record gives it ${stored.size} bytes, sha256 ${stored.sha256}, but the checksum manifest records ${recorded.size} bytes, sha256 ${recorded.sha256}`);
      }
    }
  }

  /** A failure of reading `key` (the tarball: corrupt, truncated), as a refusal naming it, when there is a manifest to hold it to. */
  refuse(key: string, problem: string): RestoreIntegrityError {
    return new RestoreIntegrityError(this.backupName, new IntegrityError(key, problem));
  }
}
