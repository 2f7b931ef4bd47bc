import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { createS3Client } from '../../../src/storage/s3-client.js';

// to-aws-profile: the SDK's standard chain, reading the named profile of the shared files rather than the keys in the
// environment (which are the first location's).
const directory = fs.mkdtempSync(path.join(os.tmpdir(), 'kb-profile-'));
const saved = { ...process.env };

beforeAll(() => {
  fs.writeFileSync(path.join(directory, 'credentials'), '[dr]\naws_access_key_id = AKIDSECONDLOCATION\naws_secret_access_key = second-secret\n');
  fs.writeFileSync(path.join(directory, 'config'), '');
  process.env.AWS_SHARED_CREDENTIALS_FILE = path.join(directory, 'credentials');
  process.env.AWS_CONFIG_FILE = path.join(directory, 'config');
  process.env.AWS_ACCESS_KEY_ID = 'AKIDFIRSTLOCATION';
  process.env.AWS_SECRET_ACCESS_KEY = 'first-secret';
  delete process.env.AWS_PROFILE;
});

afterAll(() => {
  process.env = saved;
  fs.rmSync(directory, { recursive: true, force: true });
});

describe('an S3 client with a profile', () => {
  const options = { endpoint: 'http://store.test:8080', forcePathStyle: true, insecureSkipTlsVerify: false };

  it('takes its credentials from that profile, not from the environment', async () => {
    const client = createS3Client({ ...options, profile: 'dr' });
    expect(await client.config.credentials()).toMatchObject({ accessKeyId: 'AKIDSECONDLOCATION', secretAccessKey: 'second-secret' });
  });

  it('without one, from the environment as before', async () => {
    expect(await createS3Client(options).config.credentials()).toMatchObject({ accessKeyId: 'AKIDFIRSTLOCATION' });
  });

  it('fails with a profile that does not exist, rather than falling back to the environment', async () => {
    await expect(createS3Client({ ...options, profile: 'missing' }).config.credentials()).rejects.toThrow();
  });
});
