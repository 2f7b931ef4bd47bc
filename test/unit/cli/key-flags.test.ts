import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from '@jest/globals';
import { flagReader } from '../../../src/cli/program-support.js';

// On the CLI a key flag names a PEM file (as --kubeconfig does), so a private key never sits in the arguments.
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kb-key-flags-'));
const PEM = '-----BEGIN PUBLIC KEY-----\nMCowBQYDK2VwAyEAkSSG2aqQcge3CRLRQ8lNlfl0Qg8QcrDfG6pbb17zfWU=\n-----END PUBLIC KEY-----\n';
fs.writeFileSync(path.join(dir, 'verify.pem'), PEM);

afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

describe('key flags', () => {
  it('read the file they name, relative to the working directory, or absolute', () => {
    expect(flagReader({ verifyKey: 'verify.pem' }, dir).get('verify-key')).toBe(PEM.trim());
    expect(flagReader({ signingKey: path.join(dir, 'verify.pem') }, '/').get('signing-key')).toBe(PEM.trim());
  });

  it('read an age key file for --encryption-identity, and take an age key as it is', () => {
    const ageKey = `# public key: age1example\nAGE-SECRET-KEY-1${'Q'.repeat(58)}\n`;
    fs.writeFileSync(path.join(dir, 'age.txt'), ageKey);
    expect(flagReader({ encryptionIdentity: 'age.txt' }, dir).get('encryption-identity')).toBe(ageKey.trim());
    expect(flagReader({ encryptionIdentity: `AGE-SECRET-KEY-1${'Q'.repeat(58)}` }, dir).get('encryption-identity')).toBe(`AGE-SECRET-KEY-1${'Q'.repeat(58)}`);
    // Recipients and passphrases are values, not files.
    expect(flagReader({ encryptionRecipients: 'age.txt', encryptionPassphrase: 'age.txt' }, dir).get('encryption-recipients')).toBe('age.txt');
  });

  it('take PEM content as it is', () => {
    expect(flagReader({ verifyKey: PEM }, dir).get('verify-key')).toBe(PEM.trim());
  });

  it('name the flag and the file that cannot be read', () => {
    expect(() => flagReader({ signingKey: 'missing.pem' }, dir)).toThrow(`Input 'signing-key': cannot read the key file '${path.join(dir, 'missing.pem')}': there is no such file. Pass the path of the key file`);
  });

  it('leave other flags alone', () => {
    expect(flagReader({ location: 'verify.pem' }, dir).get('location')).toBe('verify.pem');
  });
});
