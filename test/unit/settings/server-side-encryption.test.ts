import { describe, expect, it } from '@jest/globals';
import { mapReader } from '../../../src/settings/input-reader.js';
import { parseServerSideEncryption } from '../../../src/settings/server-side-encryption.js';
import { parseS3Options } from '../../../src/settings/settings.js';
import { asFlags } from '../../support/input-errors.js';

const key = Buffer.alloc(32, 7);
const keyText = key.toString('base64');

describe('parseServerSideEncryption', () => {
  it.each([
    [{}, undefined],
    [{ 's3-server-side-encryption': 'AES256' }, { kind: 'AES256' }],
    [{ 's3-server-side-encryption': 'aes256' }, { kind: 'AES256' }],
    [{ 's3-server-side-encryption': 'aws:kms' }, { kind: 'aws:kms' }],
    [{ 's3-server-side-encryption': 'AWS:KMS', 's3-kms-key-id': 'alias/backups' }, { kind: 'aws:kms', kmsKeyId: 'alias/backups' }],
    [
      { 's3-server-side-encryption': 'aws:kms', 's3-kms-key-id': 'arn:aws:kms:eu-west-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab' },
      { kind: 'aws:kms', kmsKeyId: 'arn:aws:kms:eu-west-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab' }
    ],
    [{ 's3-sse-customer-key': keyText }, { kind: 'customer-key', key }],
    [{ 's3-sse-customer-key': ` ${keyText}\n` }, { kind: 'customer-key', key }]
  ])('reads %j', (inputs, expected) => {
    expect(parseServerSideEncryption(mapReader(inputs))).toEqual(expected);
  });

  it.each([
    [
      { 's3-server-side-encryption': 'aws:kms:dsse' },
      "Input 's3-server-side-encryption': 'aws:kms:dsse' is not one of AES256, aws:kms. Use AES256 (keys kept by the store) or aws:kms (AWS KMS, with s3-kms-key-id); for a key of your own, set s3-sse-customer-key instead"
    ],
    [
      { 's3-server-side-encryption': 'AES256', 's3-sse-customer-key': keyText },
      "Input 's3-sse-customer-key': cannot be combined with s3-server-side-encryption. Leave s3-server-side-encryption unset: a customer key alone selects SSE-C"
    ],
    [
      { 's3-kms-key-id': 'alias/backups' },
      "Input 's3-kms-key-id': is only used with s3-server-side-encryption: aws:kms. Set s3-server-side-encryption to aws:kms, or leave s3-kms-key-id unset"
    ],
    [
      { 's3-server-side-encryption': 'AES256', 's3-kms-key-id': 'alias/backups' },
      "Input 's3-kms-key-id': is only used with s3-server-side-encryption: aws:kms. Set s3-server-side-encryption to aws:kms, or leave s3-kms-key-id unset"
    ],
    [
      { 's3-sse-customer-key': keyText, 's3-kms-key-id': 'alias/backups' },
      "Input 's3-kms-key-id': is only used with s3-server-side-encryption: aws:kms. Set s3-server-side-encryption to aws:kms, or leave s3-kms-key-id unset"
    ],
    [{ 's3-server-side-encryption': 'aws:kms', 's3-kms-key-id': 'alias/my key' }, "Input 's3-kms-key-id': 'alias/my key' is not a KMS key. Use the key id, its ARN, or alias/<name>"],
    [{ 's3-sse-customer-key': 'not base64 at all!' }, "Input 's3-sse-customer-key': is not base64. Give the 32-byte key base64-encoded, as `openssl rand -base64 32` prints one"],
    [{ 's3-sse-customer-key': keyText.slice(0, -1) }, "Input 's3-sse-customer-key': is not base64. Give the 32-byte key base64-encoded, as `openssl rand -base64 32` prints one"],
    [{ 's3-sse-customer-key': keyText.replace(/\+|\//g, '-') + '-' }, "Input 's3-sse-customer-key': is not base64. Give the 32-byte key base64-encoded, as `openssl rand -base64 32` prints one"],
    [
      { 's3-sse-customer-key': Buffer.alloc(16, 1).toString('base64') },
      "Input 's3-sse-customer-key': decodes to 16 bytes, not 32. SSE-C keys are AES-256 keys: 32 random bytes, base64-encoded (`openssl rand -base64 32`)"
    ],
    [
      { 's3-sse-customer-key': Buffer.from('a passphrase, not a random key of 32+ bytes').toString('base64') },
      "Input 's3-sse-customer-key': decodes to 43 bytes, not 32. SSE-C keys are AES-256 keys: 32 random bytes, base64-encoded (`openssl rand -base64 32`)"
    ]
  ])('refuses %j', (inputs, message) => {
    let thrown: unknown;
    try {
      parseServerSideEncryption(mapReader(inputs));
    } catch (err) {
      thrown = err;
    }
    expect(thrown).toMatchObject({ name: 'InputError', message });
    // The key is a secret: no message may repeat it, however it was mistyped.
    const customerKey = inputs['s3-sse-customer-key' as keyof typeof inputs];
    if (customerKey) expect(message).not.toContain(customerKey);
  });

  it('names the flag on the CLI', () => {
    expect(() => asFlags(() => parseServerSideEncryption(mapReader({ 's3-server-side-encryption': 'kms' })))).toThrow(/^Input '--s3-server-side-encryption': 'kms' is not one of AES256, aws:kms/);
  });

  it('is part of the S3 options', () => {
    expect(parseS3Options(mapReader({ 's3-server-side-encryption': 'AES256' })).serverSideEncryption).toEqual({ kind: 'AES256' });
    expect(parseS3Options(mapReader({})).serverSideEncryption).toBeUndefined();
  });
});
