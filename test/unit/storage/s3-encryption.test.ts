import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import { inspect } from 'node:util';
import { describe, expect, it } from '@jest/globals';
import { createS3Client } from '../../../src/storage/s3-client.js';
import type { S3Options, ServerSideEncryption } from '../../../src/storage/s3-options.js';
import { S3ObjectStore } from '../../../src/storage/s3-store.js';
import { InputError } from '../../../src/util/errors.js';

/** One request as it would go over the wire, named by the S3 operation it is. */
interface Sent {
  operation: string;
  headers: Record<string, string>;
}

const SSE_HEADER = /^x-amz-server-side-encryption/;
const UPLOAD_ID = 'upload-1';

function operationOf(method: string, query: Record<string, unknown>): string {
  if (method === 'POST' && query.uploads !== undefined) return 'CreateMultipartUpload';
  if (method === 'PUT' && query.uploadId !== undefined) return 'UploadPart';
  if (method === 'POST' && query.uploadId !== undefined) return 'CompleteMultipartUpload';
  if (method === 'DELETE' && query.uploadId !== undefined) return 'AbortMultipartUpload';
  return { PUT: 'PutObject', GET: 'GetObject', HEAD: 'HeadObject' }[method] ?? method;
}

/**
 * A store whose client answers from memory: the SDK still builds, signs and serializes every request (its SSE-C
 * middleware included), so the headers seen here are those a real store would get.
 */
function encryptingStore(serverSideEncryption: ServerSideEncryption, fail?: { status: number; code: string; message: string }) {
  const sent: Sent[] = [];
  const requestHandler = {
    async handle(request: { method: string; query?: Record<string, unknown>; headers: Record<string, string>; body?: unknown }) {
      const operation = operationOf(request.method, request.query ?? {});
      sent.push({ operation, headers: request.headers });
      // Drain a streamed part body, as a server would, so the upload goes on.
      if (request.body instanceof Readable) for await (const chunk of request.body) void chunk;
      const reply = (status: number, headers: Record<string, string> = {}, body = '') => ({
        response: { statusCode: status, headers: { 'content-type': 'application/xml', ...headers }, body: Readable.from([Buffer.from(body)]) }
      });
      if (fail) return reply(fail.status, {}, `<?xml version="1.0" encoding="UTF-8"?><Error><Code>${fail.code}</Code><Message>${fail.message}</Message></Error>`);
      switch (operation) {
        case 'CreateMultipartUpload':
          return reply(200, {}, `<InitiateMultipartUploadResult><UploadId>${UPLOAD_ID}</UploadId></InitiateMultipartUploadResult>`);
        case 'CompleteMultipartUpload':
          return reply(200, {}, '<CompleteMultipartUploadResult><ETag>"done"</ETag></CompleteMultipartUploadResult>');
        case 'GetObject':
          return reply(200, { etag: '"v1"', 'content-length': '5' }, 'hello');
        case 'HeadObject':
          return reply(200, { 'content-length': '5', 'last-modified': new Date().toUTCString() });
        default:
          return reply(200, { etag: '"v1"' });
      }
    }
  };
  const options: S3Options = {
    endpoint: 'http://store.test:8080',
    forcePathStyle: true,
    insecureSkipTlsVerify: false,
    credentials: { accessKeyId: 'AKIDTEST', secretAccessKey: 'secret' },
    serverSideEncryption
  };
  const client = createS3Client(options, { requestHandler, maxAttempts: 1 });
  const store = new S3ObjectStore({ bucket: 'bkt', prefix: 'cluster-a/', url: 's3://bkt/cluster-a/' }, options, client);
  return { store, sent, sseHeaders: () => sent.map((r) => ({ operation: r.operation, ...pick(r.headers, SSE_HEADER) })) };
}

function pick(headers: Record<string, string>, name: RegExp): Record<string, string> {
  return Object.fromEntries(Object.entries(headers).filter(([header]) => name.test(header.toLowerCase())));
}

/**
 * The headers writeEveryWay then readEveryWay send when the setting rides on object writes only (SSE-S3, SSE-KMS):
 * the encryption of a multipart object is chosen when it starts, so parts, completion and reads carry none.
 */
function headersOnWritesOnly(headers: Record<string, string>): Record<string, string>[] {
  return [
    { operation: 'PutObject', ...headers },
    { operation: 'PutObject', ...headers },
    { operation: 'CreateMultipartUpload', ...headers },
    { operation: 'UploadPart' },
    { operation: 'UploadPart' },
    { operation: 'CompleteMultipartUpload' },
    { operation: 'GetObject' },
    { operation: 'GetObject' },
    { operation: 'HeadObject' }
  ];
}

/** Every write the store makes: one PutObject, one conditional replace (PutObject with If-Match), one upload in parts. */
async function writeEveryWay(store: S3ObjectStore): Promise<void> {
  await store.put('small.json', '{}', { contentType: 'application/json' });
  await store.put('lease.json', Buffer.from('{"v":2}'), { ifMatch: '"v1"' });
  // Just over the store's 8 MiB part size: two parts.
  await store.put('archive.tar.gz', Readable.from([Buffer.alloc(8 * 1024 * 1024, 1), Buffer.alloc(1024, 2)]));
}

async function readEveryWay(store: S3ObjectStore): Promise<void> {
  for await (const chunk of await store.get('small.json')) void chunk;
  await store.readVersioned('lease.json');
  await store.head('small.json');
}

describe('S3 server-side encryption, by the requests the store sends', () => {
  it('asks for AES256 on every write and sends nothing extra on reads', async () => {
    const { store, sseHeaders } = encryptingStore({ kind: 'AES256' });
    await writeEveryWay(store);
    await readEveryWay(store);
    expect(sseHeaders()).toEqual(headersOnWritesOnly({ 'x-amz-server-side-encryption': 'AES256' }));
  });

  it('asks for aws:kms with the key id given, and without one for the AWS managed key', async () => {
    const keyId = 'arn:aws:kms:eu-west-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab';
    const { store, sseHeaders } = encryptingStore({ kind: 'aws:kms', kmsKeyId: keyId });
    await writeEveryWay(store);
    await readEveryWay(store);
    expect(sseHeaders()).toEqual(headersOnWritesOnly({ 'x-amz-server-side-encryption': 'aws:kms', 'x-amz-server-side-encryption-aws-kms-key-id': keyId }));

    const { store: managed, sseHeaders: managedHeaders } = encryptingStore({ kind: 'aws:kms' });
    await writeEveryWay(managed);
    expect(managedHeaders().filter((r) => Object.keys(r).length > 1)).toEqual([
      { operation: 'PutObject', 'x-amz-server-side-encryption': 'aws:kms' },
      { operation: 'PutObject', 'x-amz-server-side-encryption': 'aws:kms' },
      { operation: 'CreateMultipartUpload', 'x-amz-server-side-encryption': 'aws:kms' }
    ]);
  });

  it('sends the customer key, its algorithm and its MD5 with every write, every part and every read (SSE-C)', async () => {
    const key = Buffer.alloc(32, 0x5a);
    const { store, sseHeaders } = encryptingStore({ kind: 'customer-key', key });
    await writeEveryWay(store);
    await readEveryWay(store);
    const customer = {
      'x-amz-server-side-encryption-customer-algorithm': 'AES256',
      'x-amz-server-side-encryption-customer-key': key.toString('base64'),
      // S3 checks the key against this digest of the raw 32 bytes; the SDK computes it (our code does not).
      'x-amz-server-side-encryption-customer-key-md5': createHash('md5').update(key).digest('base64')
    };
    expect(sseHeaders()).toEqual(
      ['PutObject', 'PutObject', 'CreateMultipartUpload', 'UploadPart', 'UploadPart', 'CompleteMultipartUpload', 'GetObject', 'GetObject', 'HeadObject'].map((operation) => ({
        operation,
        ...customer
      }))
    );
  });

  it('carries the customer key on the HEAD that guards a conditional put on a custom endpoint', async () => {
    const key = Buffer.alloc(32, 3);
    const { store, sent } = encryptingStore({ kind: 'customer-key', key });
    // The fake HEAD finds the key: the put stops there, refused.
    await expect(store.put('lock', 'x', { ifNoneMatch: true })).rejects.toThrow(/already exists/);
    expect(sent.map((r) => [r.operation, r.headers['x-amz-server-side-encryption-customer-key']])).toEqual([['HeadObject', key.toString('base64')]]);
  });

  it('never puts the customer key in an error, its message or its cause', async () => {
    const key = Buffer.alloc(32, 0x42);
    const secrets = [key.toString('base64'), key.toString('hex'), key.toString('latin1')];
    const failures = [
      { status: 400, code: 'InvalidRequest', message: 'The object was stored using a form of Server Side Encryption. The correct parameters must be provided to retrieve the object.' },
      { status: 403, code: 'AccessDenied', message: 'Access Denied' },
      { status: 500, code: 'InternalError', message: 'We encountered an internal error. Please try again.' },
      { status: 501, code: 'NotImplemented', message: 'Server-side encryption is not supported.' }
    ];
    for (const failure of failures) {
      const { store } = encryptingStore({ kind: 'customer-key', key }, failure);
      const errors = await Promise.all([
        store.put('a', 'x').catch((err: unknown) => err),
        store.put('b', Readable.from([Buffer.alloc(9 * 1024 * 1024)])).catch((err: unknown) => err),
        store.get('a').catch((err: unknown) => err),
        store.readVersioned('a').catch((err: unknown) => err)
      ]);
      for (const err of errors) {
        expect(err).toBeInstanceOf(Error);
        const text = `${(err as Error).message}\n${inspect(err, { depth: 6 })}`;
        for (const secret of secrets) expect(text).not.toContain(secret);
      }
    }
  });

  it('names the input to change when the store refuses the encryption (Swift answers 501 to aws:kms)', async () => {
    const { store } = encryptingStore({ kind: 'aws:kms' }, { status: 501, code: 'NotImplemented', message: 'Server-side encryption is not supported.' });
    const err = await store.put('a', 'x').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(InputError);
    expect((err as Error).message).toBe(
      "Input 's3-server-side-encryption': http://store.test:8080 does not support server-side encryption aws:kms (NotImplemented: Server-side encryption is not supported.). " +
        'Choose encryption the store offers, or leave s3-server-side-encryption unset'
    );
    // Even where a conditional put's 501 is otherwise taken as "no conditional writes here".
    await expect(store.put('b', 'x', { ifNoneMatch: true })).rejects.toBeInstanceOf(InputError);
  });
});
