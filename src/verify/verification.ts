import type { SignatureCheck } from '../integrity/backup-signature.js';

/**
 * What verifying one backup found. `verified`: every file the checksum manifest lists is there with its size and
 * sha256, the manifest is the one velero-backup.json records, and the tarball reads to its end with every item
 * where its path says, and, with verify keys, one of them signed the manifest. `structural-only`: the backup has no manifest (Velero's own, ours from before manifests), so
 * only the structure could be checked, and it holds. `failed`: anything else; `problems` says what, file by file.
 */
export type VerificationState = 'verified' | 'failed' | 'structural-only';

/** One finding: the file (its key under the location) and what is wrong with it. */
export interface VerifyProblem {
  file: string;
  problem: string;
}

export interface BackupVerification {
  name: string;
  state: VerificationState;
  problems: VerifyProblem[];
  /** Files read and checked (the tarball, side files, volume copies). */
  filesChecked: number;
  /** Items found in the tarball (unversioned copies). */
  items: number;
  /** An encrypted backup: its contents decrypted and read (`decrypted`), or, without a key, checked by hash only. */
  encryption?: 'decrypted' | 'hashes-only';
  /** Who signed the checksum manifest, and whether that was checked; undefined when the manifest could not be read. */
  signature?: SignatureCheck;
}
