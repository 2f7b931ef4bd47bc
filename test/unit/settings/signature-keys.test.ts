import { generateKeyPairSync } from 'node:crypto';
import { describe, expect, it } from '@jest/globals';
import { parseBackupSettings } from '../../../src/settings/backup-settings.js';
import { mapReader } from '../../../src/settings/input-reader.js';
import { parseRestoreSettings } from '../../../src/settings/restore-settings.js';
import { parseVerifySettings } from '../../../src/settings/verify-settings.js';
import { InputError } from '../../../src/util/errors.js';
import { asFlags } from '../../support/input-errors.js';

const { privateKey, publicKey } = generateKeyPairSync('ed25519');
const PRIVATE = privateKey.export({ type: 'pkcs8', format: 'pem' }) as string;
const PUBLIC = publicKey.export({ type: 'spki', format: 'pem' }) as string;
const RSA_PUBLIC = generateKeyPairSync('rsa', { modulusLength: 2048 }).publicKey.export({ type: 'spki', format: 'pem' }) as string;

function inputError(parse: () => unknown): InputError {
  try {
    asFlags(parse);
  } catch (err) {
    expect(err).toBeInstanceOf(InputError);
    return err as InputError;
  }
  throw new Error('expected an InputError');
}

describe('signing-key', () => {
  it('is optional: without it backups are unsigned', () => {
    expect(parseBackupSettings(mapReader({})).signingKey).toBeUndefined();
  });

  it('reads an Ed25519 private key in PEM', () => {
    expect(parseBackupSettings(mapReader({ 'signing-key': PRIVATE })).signingKey?.privateKey.asymmetricKeyType).toBe('ed25519');
  });

  it('refuses anything else, saying how to make one, never quoting the value', () => {
    const err = inputError(() => parseBackupSettings(mapReader({ 'signing-key': PUBLIC })));
    expect(err.message).toBe("Input '--signing-key': is a public key, but signing takes the private key. Make one with openssl genpkey -algorithm ed25519 -out signing-key.pem and pass that PEM file (its content, from a secret, in the action; its path on the CLI)");
    const garbage = inputError(() => parseBackupSettings(mapReader({ 'signing-key': 'correct horse battery staple' })));
    expect(garbage.message).toMatch(/^Input '--signing-key': is not PEM/);
    expect(garbage.message).not.toContain('horse');
  });
});

describe('verify-key', () => {
  it('is optional for restore and verify: without it a signature is not required', () => {
    expect(parseRestoreSettings(mapReader({ 'from-backup': 'b' })).verifyKeys).toEqual([]);
    expect(parseVerifySettings(mapReader({ 'from-backup': 'b' })).verifyKeys).toEqual([]);
  });

  it('reads one or several public keys, for restore and verify alike', () => {
    const other = generateKeyPairSync('ed25519').publicKey.export({ type: 'spki', format: 'pem' }) as string;
    expect(parseRestoreSettings(mapReader({ 'from-backup': 'b', 'verify-key': `${PUBLIC}${other}` })).verifyKeys).toHaveLength(2);
    expect(parseVerifySettings(mapReader({ 'verify-all': 'true', 'verify-key': PUBLIC }))).toMatchObject({ target: { kind: 'all' }, verifyKeys: [{ fingerprint: expect.stringMatching(/^[0-9a-f]{64}$/) }] });
  });

  it('refuses a key of another type or a private key, saying how to make the right one', () => {
    expect(inputError(() => parseVerifySettings(mapReader({ 'from-backup': 'b', 'verify-key': RSA_PUBLIC }))).message).toBe(
      "Input '--verify-key': is a key of type rsa, not Ed25519. Pass the public key of each signing key, as openssl pkey -in signing-key.pem -pubout prints it (several PEM blocks may follow each other)"
    );
    expect(inputError(() => parseRestoreSettings(mapReader({ 'from-backup': 'b', 'verify-key': PRIVATE }))).problem).toBe('is a private key; verifying takes public keys only');
  });
});
