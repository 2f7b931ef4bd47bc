import { InputError } from '../util/errors.js';
import { readBoolean, type InputReader } from './input-reader.js';
import { checkName } from './names.js';
import type { VerifyKey } from '../integrity/manifest-signature.js';
import { readVerifyKeys } from './signature-keys.js';
import type { DecryptionKeys } from '../encryption/age-cipher.js';
import { parseDecryptionKeys } from './encryption-settings.js';

/** Which backups a verification reads: one by name, the newest Completed one, or every complete one. */
export type VerifyTarget = { kind: 'name'; name: string } | { kind: 'latest' } | { kind: 'all' };

export interface VerifySettings {
  target: VerifyTarget;
  /** verify-key: every backup must be signed by one of these; empty: a signature is not required. */
  verifyKeys: VerifyKey[];
  /** encryption-identity / encryption-passphrase: with them, an encrypted backup's contents are read too; without, only its hashes. */
  decryption?: DecryptionKeys;
}

/** `from-backup` (a name or `latest`) or `verify-all: true`, exactly one of them; and `verify-key`. */
export function parseVerifySettings(reader: InputReader): VerifySettings {
  return { target: parseVerifyTarget(reader), verifyKeys: readVerifyKeys(reader), decryption: parseDecryptionKeys(reader) };
}

function parseVerifyTarget(reader: InputReader): VerifyTarget {
  const fromBackup = reader.get('from-backup');
  const all = readBoolean(reader, 'verify-all', false);
  if (fromBackup && all) throw new InputError('verify-all', 'cannot be combined with from-backup', 'Name one backup (or latest), or verify them all');
  if (all) return { kind: 'all' };
  if (!fromBackup) throw new InputError('from-backup', 'is required to verify a backup', "Name a backup, use 'latest' for the newest Completed one, or set verify-all: true");
  if (fromBackup === 'latest') return { kind: 'latest' };
  checkName('from-backup', fromBackup);
  return { kind: 'name', name: fromBackup };
}
