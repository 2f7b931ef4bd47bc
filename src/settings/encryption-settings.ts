import { keysIn, identityProblem, recipientProblem } from '../encryption/age-keys.js';
import { AgeDecryptor, AgeEncryptor, type DecryptionKeys, type EncryptionKeys } from '../encryption/age-cipher.js';
import { InputError } from '../util/errors.js';
import type { InputReader } from './input-reader.js';

const MAKE_KEYS = 'Make a key pair with age-keygen (Debian package age): the recipient is the "public key" line it prints';

/**
 * What a backup encrypts to: `encryption-recipients` (age1… public keys) or `encryption-passphrase`, not both;
 * undefined when neither is set (the backup is plain, as Velero writes it).
 */
export function parseEncryptionKeys(reader: InputReader): EncryptionKeys | undefined {
  const recipientsText = reader.get('encryption-recipients');
  const passphrase = reader.get('encryption-passphrase');
  if (recipientsText !== undefined && passphrase !== undefined) {
    throw new InputError('encryption-passphrase', 'cannot be combined with encryption-recipients (age encrypts a file to keys or to one passphrase)', 'Use one of them');
  }
  if (passphrase !== undefined) return { kind: 'passphrase', passphrase: checkedPassphrase(passphrase) };
  if (recipientsText === undefined) return undefined;
  const recipients = [...new Set(keysIn(recipientsText))];
  if (recipients.length === 0) throw new InputError('encryption-recipients', 'lists no recipient', MAKE_KEYS);
  for (const recipient of recipients) {
    const problem = recipientProblem(recipient);
    if (problem) throw new InputError('encryption-recipients', problem, MAKE_KEYS);
  }
  try {
    new AgeEncryptor({ kind: 'recipients', recipients });
  } catch (err) {
    throw new InputError('encryption-recipients', `a recipient does not decode (${err instanceof Error ? err.message : String(err)})`, 'Copy the age1… key again, whole');
  }
  return { kind: 'recipients', recipients };
}

/**
 * What opens encrypted backups: `encryption-identity` (AGE-SECRET-KEY-1… keys, or an age identity file's content)
 * and/or `encryption-passphrase`; undefined when neither is set. No message quotes a key.
 */
export function parseDecryptionKeys(reader: InputReader): DecryptionKeys | undefined {
  const identityText = reader.get('encryption-identity');
  const passphrase = reader.get('encryption-passphrase');
  if (identityText === undefined && passphrase === undefined) return undefined;
  const identities = identityText === undefined ? [] : [...new Set(keysIn(identityText))];
  if (identityText !== undefined && identities.length === 0) throw new InputError('encryption-identity', 'holds no key', 'Pass the content of the age identity file (AGE-SECRET-KEY-1…)');
  identities.forEach((identity, i) => {
    const problem = identityProblem(identity);
    if (problem) throw new InputError('encryption-identity', `key ${i + 1} ${problem}`, 'Pass the content of the age identity file that age-keygen wrote');
  });
  const keys: DecryptionKeys = passphrase === undefined ? { identities } : { identities, passphrase: checkedPassphrase(passphrase) };
  try {
    new AgeDecryptor(keys);
  } catch {
    throw new InputError('encryption-identity', 'a key does not decode (mistyped or cut)', 'Copy the AGE-SECRET-KEY-1… line again, whole');
  }
  return keys;
}

function checkedPassphrase(passphrase: string): string {
  if (passphrase.length < 12) throw new InputError('encryption-passphrase', `is ${passphrase.length} characters, too short to resist guessing once the bucket leaks`, 'Use at least 12 characters (age-keygen recipients are stronger)');
  return passphrase;
}
