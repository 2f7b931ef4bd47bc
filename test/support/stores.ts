import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { AbortMultipartUploadCommand, CreateBucketCommand, DeleteBucketCommand, DeleteObjectsCommand, ListMultipartUploadsCommand, ListObjectsV2Command } from '@aws-sdk/client-s3';
import { createS3Client } from '../../src/storage/s3-client.js';
import type { S3Options } from '../../src/storage/s3-options.js';
import { LocalObjectStore } from '../../src/storage/local-store.js';
import type { ObjectStore } from '../../src/storage/object-store.js';
import { S3ObjectStore } from '../../src/storage/s3-store.js';
import { testEnvironment, uniqueName } from './environment.js';

/** S3 options for the test store, with its keys given explicitly (never from the developer's environment). */
export function s3TestOptions(overrides: Partial<S3Options> = {}): S3Options {
  const { s3 } = testEnvironment();
  return {
    endpoint: s3.endpoint,
    region: s3.region,
    forcePathStyle: s3.forcePathStyle,
    insecureSkipTlsVerify: false,
    credentials: { accessKeyId: s3.accessKeyId, secretAccessKey: s3.secretAccessKey },
    ...overrides
  };
}

export interface TestStore {
  store: ObjectStore;
  cleanup: () => Promise<void>;
}

/** A store on a new bucket of the test S3 server, under a prefix; cleanup empties and deletes the bucket. */
export async function s3TestStore(prefix = 'cluster-a/'): Promise<TestStore & { bucket: string }> {
  const admin = createS3Client(s3TestOptions());
  const bucket = uniqueName('kb-test');
  await admin.send(new CreateBucketCommand({ Bucket: bucket }));
  const store = new S3ObjectStore({ bucket, prefix, url: `s3://${bucket}/${prefix.replace(/\/$/, '')}` }, s3TestOptions());
  return {
    bucket,
    store,
    cleanup: async () => {
      store.destroy();
      for (;;) {
        const page = await admin.send(new ListObjectsV2Command({ Bucket: bucket }));
        const keys = (page.Contents ?? []).map((o) => ({ Key: o.Key! }));
        if (keys.length === 0) break;
        await admin.send(new DeleteObjectsCommand({ Bucket: bucket, Delete: { Objects: keys, Quiet: true } }));
      }
      // Uploads a test left unfinished on purpose would otherwise keep the bucket from being deleted.
      const uploads = await admin.send(new ListMultipartUploadsCommand({ Bucket: bucket }));
      for (const upload of uploads.Uploads ?? []) await admin.send(new AbortMultipartUploadCommand({ Bucket: bucket, Key: upload.Key!, UploadId: upload.UploadId! }));
      await admin.send(new DeleteBucketCommand({ Bucket: bucket }));
      admin.destroy();
    }
  };
}

/** A store on a new temporary directory. */
export function localTestStore(): TestStore & { directory: string } {
  const directory = fs.mkdtempSync(path.join(os.tmpdir(), 'kb-store-'));
  return {
    directory,
    store: new LocalObjectStore(directory, `file://${directory}`),
    cleanup: async () => fs.rmSync(directory, { recursive: true, force: true })
  };
}

/** Every key under the store's root. */
export async function allKeys(store: ObjectStore): Promise<string[]> {
  const keys: string[] = [];
  for await (const info of store.list('')) keys.push(info.key);
  return keys;
}

/** A copy of a local location in a directory of its own, to change (damage, tamper with) leaving the original intact. */
export function copiedLocalStore(sourceDirectory: string, directory: string): { store: ObjectStore; directory: string } {
  fs.cpSync(sourceDirectory, directory, { recursive: true });
  return { store: new LocalObjectStore(directory, `file://${directory}`), directory };
}
