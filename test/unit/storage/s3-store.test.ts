import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import { describe, expect, it } from '@jest/globals';
import { s3ClientConfig, createS3Client } from '../../../src/storage/s3-client.js';
import { S3ObjectStore } from '../../../src/storage/s3-store.js';
import { AlreadyExistsError } from '../../../src/util/errors.js';

interface SentRequest {
  method: string;
  path: string;
  query: Record<string, unknown>;
  headers: Record<string, string>;
  body: string;
}
interface FakeAnswer {
  status?: number;
  headers?: Record<string, string>;
  body?: string;
}

/**
 * A store whose client talks to `answer` instead of a network: the SDK still builds, signs and parses every request,
 * so these tests see what would go over the wire.
 */
function fakeStore(answer: (request: SentRequest) => FakeAnswer, prefix = 'cluster-a/') {
  const sent: SentRequest[] = [];
  const requestHandler = {
    async handle(request: { method: string; path: string; query?: Record<string, unknown>; headers: Record<string, string>; body?: unknown }) {
      const body = typeof request.body === 'string' ? request.body : Buffer.isBuffer(request.body) ? request.body.toString() : '';
      const seen = { method: request.method, path: decodeURIComponent(request.path), query: request.query ?? {}, headers: request.headers, body };
      sent.push(seen);
      const reply = answer(seen);
      return {
        response: {
          statusCode: reply.status ?? 200,
          headers: { 'content-type': 'application/xml', ...reply.headers },
          body: Readable.from([Buffer.from(reply.body ?? '')])
        }
      };
    }
  };
  const options = {
    endpoint: 'http://store.test:8080',
    forcePathStyle: true,
    insecureSkipTlsVerify: false,
    credentials: { accessKeyId: 'AKIDTEST', secretAccessKey: 'secret' }
  };
  const client = createS3Client(options, { requestHandler, maxAttempts: 1 });
  return { store: new S3ObjectStore({ bucket: 'bkt', prefix, url: `s3://bkt/${prefix}` }, options, client), sent };
}

const xmlError = (code: string, status: number): FakeAnswer => ({
  status,
  body: `<?xml version="1.0" encoding="UTF-8"?><Error><Code>${code}</Code><Message>${code} happened</Message></Error>`
});
const deleteResult = (inner = ''): FakeAnswer => ({ body: `<?xml version="1.0" encoding="UTF-8"?><DeleteResult>${inner}</DeleteResult>` });

describe('s3ClientConfig', () => {
  it('defaults the region for a custom endpoint only', async () => {
    expect(s3ClientConfig({ endpoint: 'http://x', forcePathStyle: true, insecureSkipTlsVerify: false }).region).toBe('us-east-1');
    expect(s3ClientConfig({ endpoint: 'http://x', region: 'eu-west-3', forcePathStyle: true, insecureSkipTlsVerify: false }).region).toBe('eu-west-3');
    expect(s3ClientConfig({ forcePathStyle: false, insecureSkipTlsVerify: false }).region).toBeUndefined();
  });
});

describe('S3ObjectStore over a fake transport', () => {
  it('deletes in batches of 1,000 keys, each with the Content-MD5 of its body', async () => {
    const { store, sent } = fakeStore(() => deleteResult());
    const keys = Array.from({ length: 2500 }, (_, i) => `backups/b/${i}`);
    await store.deleteMany(keys);

    expect(sent.map((r) => r.method)).toEqual(['POST', 'POST', 'POST']);
    expect(sent.map((r) => (r.body.match(/<Key>/g) ?? []).length)).toEqual([1000, 1000, 500]);
    for (const request of sent) {
      expect(request.query).toHaveProperty('delete');
      expect(request.headers['content-md5']).toBe(createHash('md5').update(request.body).digest('base64'));
    }
    expect(sent[0]!.body).toContain('<Key>cluster-a/backups/b/0</Key>');
    expect(sent[0]!.body).toContain('<Quiet>true</Quiet>');
  });

  it('ignores a missing key in the answer to a delete, and names the key of any other failure', async () => {
    const errors =
      '<Error><Key>cluster-a/gone</Key><Code>NoSuchKey</Code><Message>no</Message></Error>' +
      '<Error><Key>cluster-a/locked</Key><Code>AccessDenied</Code><Message>Access Denied</Message></Error>';
    const { store } = fakeStore(() => deleteResult(errors));
    await expect(store.deleteMany(['gone', 'locked'])).rejects.toThrow("could not delete 'locked' from s3://bkt/cluster-a/: AccessDenied: Access Denied");

    const { store: quiet } = fakeStore(() => deleteResult('<Error><Key>cluster-a/gone</Key><Code>NoSuchKey</Code><Message>no</Message></Error>'));
    await expect(quiet.deleteMany(['gone'])).resolves.toBeUndefined();
  });

  it('sends no checksum headers and no Content-MD5 on a plain put', async () => {
    const { store, sent } = fakeStore(() => ({ headers: { etag: '"abc"' } }));
    await store.put('a.json', '{}', { contentType: 'application/json' });
    const [put] = sent;
    expect(put).toMatchObject({ method: 'PUT', path: '/bkt/cluster-a/a.json', body: '{}' });
    expect(put!.headers['content-type']).toBe('application/json');
    expect(Object.keys(put!.headers).filter((h) => /checksum|content-md5/i.test(h))).toEqual([]);
    expect(put!.headers['if-none-match']).toBeUndefined();
  });

  it('checks with HEAD before a conditional put on a custom endpoint, and sends If-None-Match: * too', async () => {
    const { store: existing, sent: sentExisting } = fakeStore(() => ({ headers: { 'content-length': '2', 'last-modified': new Date().toUTCString() } }));
    await expect(existing.put('lock', 'x', { ifNoneMatch: true })).rejects.toBeInstanceOf(AlreadyExistsError);
    expect(sentExisting.map((r) => r.method)).toEqual(['HEAD']);

    const { store: fresh, sent } = fakeStore((r) => (r.method === 'HEAD' ? { status: 404 } : { headers: { etag: '"abc"' } }));
    await fresh.put('lock', 'x', { ifNoneMatch: true });
    expect(sent.map((r) => r.method)).toEqual(['HEAD', 'PUT']);
    expect(sent[1]!.headers['if-none-match']).toBe('*');
  });

  /** Answers as Swift's s3api does: 501 to a conditional PutObject; multipart as asked by `complete`. */
  function swiftLike(complete: FakeAnswer) {
    return fakeStore((r) => {
      if (r.method === 'HEAD') return { status: 404 };
      if (r.method === 'PUT' && r.query['uploadId']) return { headers: { etag: '"part"' } };
      if (r.method === 'PUT') return r.headers['if-none-match'] ? xmlError('NotImplemented', 501) : { headers: { etag: '"abc"' } };
      if (r.query['uploads'] !== undefined) return { body: '<InitiateMultipartUploadResult><UploadId>u1</UploadId></InitiateMultipartUploadResult>' };
      if (r.method === 'DELETE') return { status: 204 };
      return complete;
    });
  }
  const describeSent = (sent: SentRequest[]) =>
    sent.map((r) => `${r.method} ${r.path}${r.query['uploads'] !== undefined ? '?uploads' : r.query['uploadId'] ? '?uploadId' : ''} ${r.headers['if-none-match'] ?? '-'}`);

  it('tries the conditional PutObject once, then guards with HEAD and a plain put where the store refuses it (Swift)', async () => {
    const { store, sent } = swiftLike({ status: 200 });
    await store.put('first', 'x', { ifNoneMatch: true });
    await store.put('second', Readable.from([Buffer.from('y')]), { ifNoneMatch: true });
    expect(describeSent(sent)).toEqual([
      'HEAD /bkt/cluster-a/first -',
      'PUT /bkt/cluster-a/first *',
      'PUT /bkt/cluster-a/first -',
      // From then on the conditional PutObject is not tried again, and no multipart object is made.
      'HEAD /bkt/cluster-a/second -',
      'PUT /bkt/cluster-a/second -'
    ]);
  });

  it('refuses a key the HEAD finds, on a store without conditional writes', async () => {
    const { store } = fakeStore((r) => (r.method === 'HEAD' ? { status: 200 } : xmlError('NotImplemented', 501)));
    await expect(store.put('lock', 'x', { ifNoneMatch: true })).rejects.toBeInstanceOf(AlreadyExistsError);
  });

  it('falls back to HEAD and a plain put when the store refuses the condition everywhere', async () => {
    const { store, sent } = swiftLike(xmlError('NotImplemented', 501));
    await store.put('first', 'x', { ifNoneMatch: true });
    await store.put('second', 'y', { ifNoneMatch: true });
    expect(describeSent(sent).slice(-3)).toEqual(['PUT /bkt/cluster-a/first -', 'HEAD /bkt/cluster-a/second -', 'PUT /bkt/cluster-a/second -']);
  });

  it('turns a 412 answer to a conditional put into AlreadyExistsError', async () => {
    const { store } = fakeStore((r) => (r.method === 'HEAD' ? { status: 404 } : xmlError('PreconditionFailed', 412)));
    await expect(store.put('lock', 'x', { ifNoneMatch: true })).rejects.toThrow(new AlreadyExistsError("object 'lock' already exists in s3://bkt/cluster-a/"));
  });

  it('lists under its prefix and hands back keys and folders without it', async () => {
    const { store, sent } = fakeStore((r) =>
      r.query.delimiter
        ? { body: '<ListBucketResult><IsTruncated>false</IsTruncated><CommonPrefixes><Prefix>cluster-a/backups/one/</Prefix></CommonPrefixes></ListBucketResult>' }
        : {
            body:
              '<ListBucketResult><IsTruncated>false</IsTruncated><Contents><Key>cluster-a/backups/one/x</Key><Size>5</Size>' +
              '<LastModified>2026-01-02T03:04:05.000Z</LastModified></Contents></ListBucketResult>'
          }
    );
    const listed = [];
    for await (const info of store.list('backups/')) listed.push(info);
    expect(listed).toEqual([{ key: 'backups/one/x', size: 5, lastModified: new Date('2026-01-02T03:04:05.000Z') }]);
    const folders = [];
    for await (const folder of store.listFolders('backups/')) folders.push(folder);
    expect(folders).toEqual(['backups/one/']);
    expect(sent.map((r) => [r.query['prefix'], r.query['delimiter']])).toEqual([
      ['cluster-a/backups/', undefined],
      ['cluster-a/backups/', '/']
    ]);
  });

  it("pages unfinished uploads on from the last one listed when the store gives no markers (Swift), and dates each by its newest part", async () => {
    const upload = (key: string, id: string) =>
      `<Upload><Key>cluster-a/${key}</Key><UploadId>${id}</UploadId><Initiated>2026-01-01T00:00:00.000Z</Initiated></Upload>`;
    const uploadsPage = (truncated: boolean, uploads: string) =>
      `<ListMultipartUploadsResult><IsTruncated>${truncated}</IsTruncated><NextKeyMarker></NextKeyMarker><NextUploadIdMarker></NextUploadIdMarker>${uploads}</ListMultipartUploadsResult>`;
    const part = (n: number, size: number, time: string) => `<Part><PartNumber>${n}</PartNumber><Size>${size}</Size><LastModified>${time}</LastModified></Part>`;
    const { store, sent } = fakeStore((r) => {
      if (r.query.uploads !== undefined) {
        return { body: r.query['key-marker'] ? uploadsPage(false, upload('b/y', 'id-2')) : uploadsPage(true, upload('a/x', 'id-1')) };
      }
      if (r.query.uploadId === 'id-1') return { body: `<ListPartsResult><IsTruncated>false</IsTruncated>${part(1, 10, '2026-01-03T00:00:00.000Z')}${part(2, 5, '2026-01-02T00:00:00.000Z')}</ListPartsResult>` };
      return { body: '<ListPartsResult><IsTruncated>false</IsTruncated></ListPartsResult>' };
    });
    const listed = [];
    for await (const write of store.listUnfinished('')) listed.push(write);
    expect(listed).toEqual([
      { key: 'a/x', id: 'id-1', kind: 'multipart-upload', lastModified: new Date('2026-01-03T00:00:00.000Z'), size: 15 },
      { key: 'b/y', id: 'id-2', kind: 'multipart-upload', lastModified: new Date('2026-01-01T00:00:00.000Z'), size: 0 }
    ]);
    const listings = sent.filter((r) => r.query.uploads !== undefined);
    expect(listings.map((r) => [r.query['prefix'], r.query['key-marker'], r.query['upload-id-marker']])).toEqual([
      ['cluster-a/', undefined, undefined],
      ['cluster-a/', 'cluster-a/a/x', 'id-1']
    ]);
  });

  it('refuses to go on listing unfinished uploads from a truncated page with nothing to continue from', async () => {
    const { store } = fakeStore(() => ({ body: '<ListMultipartUploadsResult><IsTruncated>true</IsTruncated></ListMultipartUploadsResult>' }));
    await expect(store.listUnfinished('')[Symbol.asyncIterator]().next()).rejects.toThrow(/says there is more but gives no marker/);
  });

  it('aborts unfinished uploads by key and id, taking one already gone as done', async () => {
    const { store, sent } = fakeStore((r) => (r.query.uploadId === 'gone' ? xmlError('NoSuchUpload', 404) : { status: 204 }));
    const at = new Date('2026-01-01T00:00:00Z');
    await store.abortUnfinished([
      { key: 'a/x', id: 'gone', kind: 'multipart-upload', lastModified: at },
      { key: 'b/y', id: 'id-2', kind: 'multipart-upload', lastModified: at }
    ]);
    expect(sent.map((r) => [r.method, r.path, r.query.uploadId])).toEqual([
      ['DELETE', '/bkt/cluster-a/a/x', 'gone'],
      ['DELETE', '/bkt/cluster-a/b/y', 'id-2']
    ]);
  });

  it('translates a missing bucket on any call into an InputError on the location', async () => {
    const { store } = fakeStore(() => xmlError('NoSuchBucket', 404));
    const message = "Input 'location': bucket 'bkt' does not exist at http://store.test:8080. Create it or fix the location";
    await expect(store.verifyAccess()).rejects.toThrow(message);
    await expect(store.get('x')).rejects.toThrow(message);
    await expect(store.deleteMany(['x'])).rejects.toThrow(message);
    await expect(store.list('')[Symbol.asyncIterator]().next()).rejects.toThrow(message);
  });
});
