import { describe, expect, it } from '@jest/globals';
import { generateX25519Identity, identityToRecipient } from 'age-encryption';
import { parseDecryptionKeys, parseEncryptionKeys } from '../../../src/settings/encryption-settings.js';
import { mapReader } from '../../../src/settings/input-reader.js';

const identity = await generateX25519Identity();
const recipient = await identityToRecipient(identity);
const other = await identityToRecipient(await generateX25519Identity());

describe('encryption inputs of a backup', () => {
  it('is plain without keys, and takes recipients (deduplicated) or a passphrase', () => {
    expect(parseEncryptionKeys(mapReader({}))).toBeUndefined();
    expect(parseEncryptionKeys(mapReader({ 'encryption-recipients': `${recipient},${other}\n${recipient}` }))).toEqual({ kind: 'recipients', recipients: [recipient, other] });
    expect(parseEncryptionKeys(mapReader({ 'encryption-passphrase': 'twelve chars!' }))).toEqual({ kind: 'passphrase', passphrase: 'twelve chars!' });
  });

  it.each([
    [{ 'encryption-recipients': recipient, 'encryption-passphrase': 'twelve chars!' }, /encryption-passphrase.*cannot be combined with encryption-recipients/],
    [{ 'encryption-recipients': '# only a comment' }, /encryption-recipients.*lists no recipient/],
    [{ 'encryption-recipients': identity }, /encryption-recipients.*holds a private key/],
    [{ 'encryption-recipients': `${recipient.slice(0, -1)}${recipient.endsWith('q') ? 'p' : 'q'}` }, /encryption-recipients.*does not decode/],
    [{ 'encryption-passphrase': 'short' }, /encryption-passphrase.*too short/]
  ])('refuses %j', (inputs, message) => {
    expect(() => parseEncryptionKeys(mapReader(inputs))).toThrow(message);
  });

  it('never quotes a private key pasted as a recipient', () => {
    expect(() => parseEncryptionKeys(mapReader({ 'encryption-recipients': identity }))).toThrow(expect.objectContaining({ message: expect.not.stringContaining(identity.slice(16)) }));
  });
});

describe('decryption inputs of a restore or verify', () => {
  it('takes an age-keygen key file, several keys, and a passphrase', () => {
    expect(parseDecryptionKeys(mapReader({}))).toBeUndefined();
    const file = `# created: 2026-11-30T12:00:00Z\n# public key: ${recipient}\n${identity}\n`;
    expect(parseDecryptionKeys(mapReader({ 'encryption-identity': file }))).toEqual({ identities: [identity] });
    expect(parseDecryptionKeys(mapReader({ 'encryption-identity': `${identity}\n${identity}`, 'encryption-passphrase': 'twelve chars!' }))).toEqual({ identities: [identity], passphrase: 'twelve chars!' });
  });

  it.each([
    [{ 'encryption-identity': '# nothing' }, /encryption-identity.*holds no key/],
    [{ 'encryption-identity': recipient }, /encryption-identity.*key 1 holds a public recipient/],
    [{ 'encryption-identity': `${identity.slice(0, -1)}${identity.endsWith('Q') ? 'P' : 'Q'}` }, /encryption-identity.*does not decode/]
  ])('refuses %j without quoting it', (inputs, message) => {
    expect(() => parseDecryptionKeys(mapReader(inputs))).toThrow(message);
    expect(() => parseDecryptionKeys(mapReader(inputs))).toThrow(expect.objectContaining({ message: expect.not.stringContaining(identity.slice(16, 40)) }));
  });
});
