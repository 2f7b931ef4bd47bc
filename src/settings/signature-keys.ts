import { KeyFormatError, parseSigningKey, parseVerifyKeys, type SigningKey, type VerifyKey } from '../integrity/manifest-signature.js';
import { InputError } from '../util/errors.js';
import type { InputReader } from './input-reader.js';

const MAKE_SIGNING_KEY = 'Make one with openssl genpkey -algorithm ed25519 -out signing-key.pem and pass that PEM file (its content, from a secret, in the action; its path on the CLI)';
const MAKE_VERIFY_KEY = 'Pass the public key of each signing key, as openssl pkey -in signing-key.pem -pubout prints it (several PEM blocks may follow each other)';

/** `signing-key`: the Ed25519 private key (PEM) that signs each backup's checksum manifest; none: backups are unsigned. */
export function readSigningKey(reader: InputReader): SigningKey | undefined {
  const text = reader.get('signing-key');
  return text === undefined ? undefined : parsed('signing-key', MAKE_SIGNING_KEY, () => parseSigningKey(text));
}

/** `verify-key`: the Ed25519 public keys (PEM, concatenated) one of which must have signed a backup; none: [] (not required). */
export function readVerifyKeys(reader: InputReader): VerifyKey[] {
  const text = reader.get('verify-key');
  return text === undefined ? [] : parsed('verify-key', MAKE_VERIFY_KEY, () => parseVerifyKeys(text));
}

function parsed<T>(input: string, fix: string, parse: () => T): T {
  try {
    return parse();
  } catch (err) {
    throw err instanceof KeyFormatError ? new InputError(input, err.problem, fix) : err;
  }
}
