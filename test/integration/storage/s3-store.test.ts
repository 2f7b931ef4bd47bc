import { Readable } from 'node:stream';
import {
  AbortMultipartUploadCommand,
  CreateBucketCommand,
  CreateMultipartUploadCommand,
  DeleteBucketCommand,
  DeleteObjectsCommand,
  ListMultipartUploadsCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  UploadPartCommand,
  type S3Client
} from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { createS3Client } from '../../../src/storage/s3-client.js';
import type { S3Options } from '../../../src/storage/s3-options.js';
import { S3ObjectStore } from '../../../src/storage/s3-store.js';
import { AlreadyExistsError, InputError } from '../../../src/util/errors.js';
import { testEnvironment, uniqueName } from '../../support/environment.js';
import { s3TestOptions } from '../../support/stores.js';
import { collect, failingStream, objectStoreContract, readAll } from './contract.js';

const PREFIX = 'cluster-a/';
// With KUBE_BACKUP_TEST_EXTERNAL=1 the store may be MinIO or AWS, which behave differently where Swift is peculiar.
const onLocalSwift = process.env.KUBE_BACKUP_TEST_EXTERNAL !== '1';

const s3Options = s3TestOptions;

/** A new bucket for one suite, and a cleanup that empties and deletes it (including unfinished uploads). */
async function newBucket(admin: S3Client): Promise<{ bucket: string; cleanup: () => Promise<void> }> {
  const bucket = uniqueName('kb-store');
  await admin.send(new CreateBucketCommand({ Bucket: bucket }));
  const cleanup = async (): Promise<void> => {
    for (;;) {
      const page = await admin.send(new ListObjectsV2Command({ Bucket: bucket }));
      const keys = (page.Contents ?? []).map((o) => ({ Key: o.Key! }));
      if (keys.length === 0) break;
      await admin.send(new DeleteObjectsCommand({ Bucket: bucket, Delete: { Objects: keys, Quiet: true } }));
    }
    const uploads = await admin.send(new ListMultipartUploadsCommand({ Bucket: bucket }));
    for (const upload of uploads.Uploads ?? []) {
      await admin.send(new AbortMultipartUploadCommand({ Bucket: bucket, Key: upload.Key!, UploadId: upload.UploadId! }));
    }
    await admin.send(new DeleteBucketCommand({ Bucket: bucket }));
  };
  return { bucket, cleanup };
}

function storeFor(bucket: string, options: S3Options = s3Options(), prefix = PREFIX): S3ObjectStore {
  return new S3ObjectStore({ bucket, prefix, url: `s3://${bucket}/${prefix}` }, options);
}

const admin = createS3Client(s3Options());
afterAll(() => admin.destroy());

objectStoreContract(`S3 at ${onLocalSwift ? 'local Swift' : 'external store'}, prefix '${PREFIX}'`, async () => {
  const { bucket, cleanup } = await newBucket(admin);
  const store = storeFor(bucket);
  return {
    store,
    cleanup: async () => {
      store.destroy();
      await cleanup();
    }
  };
});

describe('S3ObjectStore', () => {
  let bucket: string;
  let cleanup: () => Promise<void>;
  let store: S3ObjectStore;
  beforeAll(async () => {
    ({ bucket, cleanup } = await newBucket(admin));
    store = storeFor(bucket);
  });
  afterAll(async () => {
    store?.destroy();
    await cleanup?.();
  });

  it('passes its access check on an existing bucket', async () => {
    await expect(store.verifyAccess()).resolves.toBeUndefined();
  });

  it('is best-effort about conditional puts on a custom endpoint', () => {
    expect(store.conditionalPut).toBe('best-effort');
  });

  it('keeps every object under the prefix of its location', async () => {
    await store.put('backups/one/velero-backup.json', '{}');
    const raw = await admin.send(new ListObjectsV2Command({ Bucket: bucket }));
    expect((raw.Contents ?? []).map((o) => o.Key)).toEqual(['cluster-a/backups/one/velero-backup.json']);
    expect(await collect(store.listFolders('backups/'))).toEqual(['backups/one/']);
    // A sibling prefix of the same bucket sees nothing of it.
    expect(await collect(storeFor(bucket, s3Options(), 'cluster-b/').list(''))).toEqual([]);
  });

  // What the store adapter works around; if Swift changes, this says so first.
  (onLocalSwift ? it : it.skip)('finds Swift refusing If-None-Match on PutObject (501), which the store then carries in a one-part upload', async () => {
    const refused = admin.send(new PutObjectCommand({ Bucket: bucket, Key: `${PREFIX}probe/raw`, Body: 'x', IfNoneMatch: '*' }));
    await expect(refused).rejects.toMatchObject({ name: 'NotImplemented', $metadata: { httpStatusCode: 501 } });
    await store.put('probe/conditional', 'first', { ifNoneMatch: true });
    await expect(store.put('probe/conditional', 'second', { ifNoneMatch: true })).rejects.toBeInstanceOf(AlreadyExistsError);
    expect((await readAll(await store.get('probe/conditional'))).toString()).toBe('first');
  });

  it('refuses a conditional multipart put whose key appears while it uploads: Swift honours If-None-Match on completion', async () => {
    const key = 'race/archive.bin';
    // Starts only once put() has checked with HEAD that the key is free, as a concurrent writer would.
    async function* racing(): AsyncGenerator<Buffer> {
      await store.put(key, 'the other writer');
      for (let i = 0; i < 12; i++) yield Buffer.alloc(1024 * 1024, i);
    }
    await expect(store.put(key, Readable.from(racing()), { ifNoneMatch: true })).rejects.toBeInstanceOf(AlreadyExistsError);
    expect((await readAll(await store.get(key))).toString()).toBe('the other writer');
    const uploads = await admin.send(new ListMultipartUploadsCommand({ Bucket: bucket, Prefix: `${PREFIX}race/` }));
    expect(uploads.Uploads ?? []).toEqual([]);
  });

  it("lists the unfinished uploads of its own prefix only, sized by their parts, and aborts them", async () => {
    const upload = async (Key: string, parts: number[]) => {
      const { UploadId } = await admin.send(new CreateMultipartUploadCommand({ Bucket: bucket, Key }));
      for (const [i, size] of parts.entries()) await admin.send(new UploadPartCommand({ Bucket: bucket, Key, UploadId, PartNumber: i + 1, Body: Buffer.alloc(size, 7) }));
      return UploadId!;
    };
    const ours = await upload(`${PREFIX}debris/backups/b/b.tar.gz`, [5 * 1024 * 1024, 1234]);
    const empty = await upload(`${PREFIX}debris/backups/b/b.tar.gz`, []);
    const theirs = await upload('cluster-b/debris/backups/b/b.tar.gz', [100]);

    const listed = await collect(store.listUnfinished('debris/'));
    expect(listed.map((w) => [w.key, w.id, w.kind, w.size]).sort()).toEqual(
      [
        ['debris/backups/b/b.tar.gz', ours, 'multipart-upload', 5 * 1024 * 1024 + 1234],
        ['debris/backups/b/b.tar.gz', empty, 'multipart-upload', 0]
      ].sort()
    );
    await store.abortUnfinished(listed);
    expect(await collect(store.listUnfinished(''))).toEqual([]);
    // The other prefix's upload is neither listed nor aborted.
    const left = await admin.send(new ListMultipartUploadsCommand({ Bucket: bucket }));
    expect((left.Uploads ?? []).map((u) => u.UploadId)).toEqual([theirs]);
    await admin.send(new AbortMultipartUploadCommand({ Bucket: bucket, Key: 'cluster-b/debris/backups/b/b.tar.gz', UploadId: theirs }));
  });

  it('aborts the multipart upload of a stream that fails after several parts', async () => {
    await expect(store.put('failed/multipart.bin', failingStream(20 * 1024 * 1024, new Error('source broke')))).rejects.toThrow('source broke');
    expect(await store.head('failed/multipart.bin')).toBeUndefined();
    const uploads = await admin.send(new ListMultipartUploadsCommand({ Bucket: bucket, Prefix: `${PREFIX}failed/` }));
    expect(uploads.Uploads ?? []).toEqual([]);
  });
});

describe('S3ObjectStore with bad inputs', () => {
  let bucket: string;
  let cleanup: () => Promise<void>;
  beforeAll(async () => {
    ({ bucket, cleanup } = await newBucket(admin));
  });
  afterAll(async () => {
    await cleanup?.();
  });

  /** Runs `call` on a store with `options`, expecting one InputError; returns its message. */
  async function failure(call: (store: S3ObjectStore) => Promise<unknown>, options: S3Options, target = bucket): Promise<InputError> {
    const store = storeFor(target, options);
    try {
      await call(store);
    } catch (err) {
      expect(err).toBeInstanceOf(InputError);
      return err as InputError;
    } finally {
      store.destroy();
    }
    throw new Error('expected an InputError');
  }

  it('names the credentials when the secret key is wrong, on every call', async () => {
    const { s3 } = testEnvironment();
    const wrongSecret = s3Options({ credentials: { accessKeyId: s3.accessKeyId, secretAccessKey: `${s3.secretAccessKey}-wrong` } });
    const expected =
      `Input 's3 credentials': the secret key does not match the access key (SignatureDoesNotMatch from ${s3.endpoint}). ` +
      'Set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY to a key pair valid for this store';
    for (const call of [
      (s: S3ObjectStore) => s.verifyAccess(),
      (s: S3ObjectStore) => s.put('x', 'x'),
      (s: S3ObjectStore) => s.get('x'),
      (s: S3ObjectStore) => collect(s.list('')),
      (s: S3ObjectStore) => s.deleteMany(['x'])
    ]) {
      const err = await failure(call, wrongSecret);
      expect(err.input).toBe('s3 credentials');
      expect(err.message).toContain(expected);
    }
  });

  it('names the credentials when the access key is unknown', async () => {
    const err = await failure((s) => s.verifyAccess(), s3Options({ credentials: { accessKeyId: 'nobody:nothing', secretAccessKey: 'x' } }));
    // Swift's tempauth cannot tell an unknown key from a wrong secret: it says SignatureDoesNotMatch to both.
    expect(err.message).toMatch(/^Input 's3 credentials': .*(InvalidAccessKeyId|SignatureDoesNotMatch|AccessDenied).*AWS_ACCESS_KEY_ID/);
  });

  it('names the location when the bucket does not exist', async () => {
    const missing = uniqueName('kb-missing');
    const { s3 } = testEnvironment();
    for (const call of [(s: S3ObjectStore) => s.verifyAccess(), (s: S3ObjectStore) => s.put('x', 'x'), (s: S3ObjectStore) => collect(s.list(''))]) {
      const err = await failure(call, s3Options(), missing);
      expect(err.message).toBe(`Input 'location': bucket '${missing}' does not exist at ${s3.endpoint}. Create it or fix the location`);
    }
  });

  it('names the endpoint when nothing listens there', async () => {
    const err = await failure((s) => s.verifyAccess(), s3Options({ endpoint: 'http://127.0.0.1:1' }));
    expect(err.message).toBe(
      "Input 's3-endpoint': cannot reach http://127.0.0.1:1 (ECONNREFUSED). Check the s3-endpoint URL, and that the store is running and reachable from here"
    );
  });

  it('names the endpoint when its host does not resolve', async () => {
    const err = await failure((s) => s.put('x', 'x'), s3Options({ endpoint: 'http://no-such-host.invalid:9000' }));
    expect(err.input).toBe('s3-endpoint');
    expect(err.message).toMatch(/cannot reach http:\/\/no-such-host\.invalid:9000 \((ENOTFOUND|EAI_AGAIN)\)/);
  });
});
