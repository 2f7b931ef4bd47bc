import { Readable } from 'node:stream';
import { describe, expect, it } from '@jest/globals';
import { createS3Client } from '../../../src/storage/s3-client.js';
import type { S3Options } from '../../../src/storage/s3-options.js';
import { S3ObjectStore } from '../../../src/storage/s3-store.js';
import { DeleteRefusedError } from '../../../src/util/errors.js';

/**
 * A store whose client answers from memory as a bucket with Object Lock (or a WORM store) does: DeleteObjects lists
 * the key as AccessDenied, and HeadObject shows the object's lock, when it has one.
 */
function refusingStore(refusal: string, lockHeaders: Record<string, string>) {
  const requestHandler = {
    async handle(request: { method: string; query?: Record<string, unknown> }) {
      const reply = (headers: Record<string, string>, body = '') => ({
        response: { statusCode: 200, headers: { 'content-type': 'application/xml', ...headers }, body: Readable.from([Buffer.from(body)]) }
      });
      if (request.method === 'POST' && request.query?.delete !== undefined) {
        return reply({}, `<DeleteResult><Error><Key>cluster-a/backups/b/b.tar.gz</Key><Code>AccessDenied</Code><Message>${refusal}</Message></Error></DeleteResult>`);
      }
      if (request.method === 'HEAD') return reply({ 'content-length': '5', 'last-modified': new Date().toUTCString(), ...lockHeaders });
      return reply({});
    }
  };
  const options: S3Options = { endpoint: 'http://store.test:8080', forcePathStyle: true, insecureSkipTlsVerify: false, credentials: { accessKeyId: 'AKIDTEST', secretAccessKey: 'secret' } };
  const client = createS3Client(options, { requestHandler, maxAttempts: 1 });
  return new S3ObjectStore({ bucket: 'bkt', prefix: 'cluster-a/', url: 's3://bkt/cluster-a/' }, options, client);
}

describe('a delete the store refuses', () => {
  it('is a DeleteRefusedError naming the object and its Object Lock retention', async () => {
    const store = refusingStore('Access Denied', { 'x-amz-object-lock-mode': 'COMPLIANCE', 'x-amz-object-lock-retain-until-date': '2099-01-01T00:00:00.000Z' });
    const refused = store.deleteMany(['backups/b/b.tar.gz']);
    await expect(refused).rejects.toBeInstanceOf(DeleteRefusedError);
    await expect(refused).rejects.toMatchObject({ key: 'backups/b/b.tar.gz', retention: 'COMPLIANCE retention until 2099-01-01T00:00:00.000Z' });
  });

  it('names a legal hold, and a WORM store by its own words', async () => {
    await expect(refusingStore('Access Denied', { 'x-amz-object-lock-legal-hold': 'ON' }).deleteMany(['backups/b/b.tar.gz'])).rejects.toMatchObject({ retention: 'a legal hold' });
    await expect(refusingStore('Object is WORM protected and cannot be overwritten', {}).deleteMany(['backups/b/b.tar.gz'])).rejects.toMatchObject({ retention: 'Object is WORM protected and cannot be overwritten' });
  });

  it('is a plain failure when only a permission is missing (nothing to wait out)', async () => {
    const refused = refusingStore('Access Denied', {}).deleteMany(['backups/b/b.tar.gz']);
    await expect(refused).rejects.not.toBeInstanceOf(DeleteRefusedError);
    await expect(refused).rejects.toThrow("could not delete 'backups/b/b.tar.gz' from s3://bkt/cluster-a/: AccessDenied: Access Denied");
  });
});
