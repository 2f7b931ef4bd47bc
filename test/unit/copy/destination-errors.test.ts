import { describe, expect, it } from '@jest/globals';
import { destinationError } from '../../../src/copy/destination-errors.js';
import type { StoreSettings } from '../../../src/settings/settings.js';
import { InputError } from '../../../src/util/errors.js';

const destination = (profile?: string): StoreSettings => ({
  location: { kind: 's3', bucket: 'dr-backups', prefix: 'eu/', url: 's3://dr-backups/eu' },
  s3: { forcePathStyle: false, insecureSkipTlsVerify: false, ...(profile ? { profile } : {}) }
});

describe('destinationError', () => {
  it.each<[string, InputError, string | undefined, string]>([
    ['a missing bucket', new InputError('location', "bucket 'dr-backups' does not exist", 'Create it'), undefined, "Input 'to-location': the second location (s3://dr-backups/eu): bucket 'dr-backups' does not exist. Create it"],
    ['an unreachable endpoint', new InputError('s3-endpoint', 'cannot reach https://r2.example', 'Check it'), undefined, "Input 'to-s3-endpoint': the second location (s3://dr-backups/eu): cannot reach https://r2.example. Check it"],
    ['credentials of a profile', new InputError('s3 credentials', 'no S3 credentials were found', 'Set AWS_ACCESS_KEY_ID'), 'dr', "Input 'to-aws-profile': the second location (s3://dr-backups/eu): no S3 credentials were found. Check that profile 'dr' is in the shared AWS config or credentials file"],
    ['credentials without a profile', new InputError('s3 credentials', 'the store refused the key', 'Use another key'), undefined, "Input 's3 credentials': the second location (s3://dr-backups/eu): the store refused the key. Use another key"]
  ])('names the second location and its input for %s', (_, err, profile, message) => {
    expect((destinationError(err, destination(profile)) as Error).message).toContain(message);
  });

  it('passes on what is not an input error', () => {
    const err = new Error('socket hang up');
    expect(destinationError(err, destination())).toBe(err);
  });
});
