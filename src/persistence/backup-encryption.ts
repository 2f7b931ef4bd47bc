import { AgeDecryptor, keysDescription, type DecryptionKeys, type EncryptionKeys, type StreamStage } from '../encryption/age-cipher.js';
import type { KubeObject } from '../model/kube-object.js';
import type { BackupFileKind } from '../storage/layout.js';
import { InputError } from '../util/errors.js';
import { ANNOTATIONS } from '../velero/vocabulary.js';

/**
 * The files of a backup that hold cluster contents, encrypted when the backup has keys. The rest stays plain so that
 * prune, sync, list and verify-by-hash need no key: velero-backup.json, the checksum manifest, volumeinfo and the
 * copies record hold names, sizes and snapshot handles, never an object's contents.
 */
export const ENCRYPTED_FILE_KINDS: readonly BackupFileKind[] = ['tarball', 'logs', 'results', 'resourceList', 'volumeCopy'];

export const ENCRYPTION_METHOD = 'age';

/** What velero-backup.json says of a backup's encryption. */
export interface EncryptionRecord {
  files: ReadonlySet<BackupFileKind>;
  /** Recipients' fingerprints, or `passphrase`. */
  openedBy: readonly string[];
}

/** The annotations an encrypted backup's record carries. */
export function encryptionAnnotations(keys: EncryptionKeys): Record<string, string> {
  return {
    [ANNOTATIONS.encryption]: ENCRYPTION_METHOD,
    [ANNOTATIONS.encryptedFiles]: ENCRYPTED_FILE_KINDS.join(','),
    [ANNOTATIONS.encryptionRecipients]: keysDescription(keys).join(',')
  };
}

/** The encryption a stored backup records; undefined for a plain one. A method this version does not know is refused. */
export function encryptionRecordOf(backup: KubeObject, name: string): EncryptionRecord | undefined {
  const annotations = backup.metadata.annotations ?? {};
  const method = annotations[ANNOTATIONS.encryption];
  if (method === undefined) return undefined;
  if (method !== ENCRYPTION_METHOD) throw new Error(`backup '${name}' is encrypted with '${method}', which this version cannot read (it reads ${ENCRYPTION_METHOD})`);
  const known = new Set<string>(ENCRYPTED_FILE_KINDS);
  const files = (annotations[ANNOTATIONS.encryptedFiles] ?? '').split(',').filter((kind) => known.has(kind)) as BackupFileKind[];
  const openedBy = (annotations[ANNOTATIONS.encryptionRecipients] ?? '').split(',').filter(Boolean);
  return { files: new Set(files), openedBy };
}

/**
 * How a reader of one backup gets at its files' plain bytes: a decryption stage for each encrypted file, nothing for
 * a plain one. Made before the first read, so a backup that needs a key the run lacks fails before any work.
 */
export class BackupDecryption {
  private constructor(
    private readonly record: EncryptionRecord | undefined,
    private readonly decryptor: AgeDecryptor | undefined
  ) {}

  /** A plain backup's: every file passes as it is. */
  static plain(): BackupDecryption {
    return new BackupDecryption(undefined, undefined);
  }

  /**
   * Refuses (as an error of `encryption-identity`) an encrypted backup when no key was given; with `hashes-only`
   * (verify), accepts it, and its encrypted files are then `unreadable`: checked by hash only.
   */
  static for(backup: KubeObject, name: string, keys: DecryptionKeys | undefined, withoutKeys: 'refuse' | 'hashes-only' = 'refuse'): BackupDecryption {
    const record = encryptionRecordOf(backup, name);
    if (!record) return BackupDecryption.plain();
    if (!keys && withoutKeys === 'refuse') {
      throw new InputError('encryption-identity', `is required: backup '${name}' is encrypted (age, to ${describeOpeners(record)})`, 'Pass the age identity (AGE-SECRET-KEY-1…) of one of its recipients, or encryption-passphrase for a passphrase backup');
    }
    return new BackupDecryption(record, keys && new AgeDecryptor(keys));
  }

  /** Whether files of this kind are encrypted and no key was given to read them. */
  unreadable(kind: BackupFileKind): boolean {
    return this.encrypted(kind) && !this.decryptor;
  }

  get canRead(): boolean {
    return this.decryptor !== undefined;
  }

  /** Whether the backup's files of this kind are stored encrypted. */
  encrypted(kind: BackupFileKind): boolean {
    return this.record?.files.has(kind) === true;
  }

  get isEncrypted(): boolean {
    return this.record !== undefined;
  }

  /** A pipeline stage turning the stored bytes of `key` into its plain bytes; undefined for a plain file. */
  stage(kind: BackupFileKind, key: string): StreamStage | undefined {
    return this.encrypted(kind) ? this.reader(key).stage(key) : undefined;
  }

  /** The plain bytes of a small file read whole. */
  async plain(kind: BackupFileKind, key: string, stored: Buffer): Promise<Buffer> {
    return this.encrypted(kind) ? this.reader(key).decryptBuffer(stored, key) : stored;
  }

  private reader(key: string): AgeDecryptor {
    if (!this.decryptor) throw new Error(`${key} is encrypted and no encryption-identity was given to read it`);
    return this.decryptor;
  }
}

function describeOpeners(record: EncryptionRecord): string {
  if (record.openedBy.includes('passphrase')) return 'a passphrase';
  return record.openedBy.length ? `recipients with fingerprints ${record.openedBy.join(', ')}` : 'recipients it does not name';
}
