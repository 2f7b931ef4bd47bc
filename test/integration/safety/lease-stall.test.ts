import fs from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from '@jest/globals';
import { acquireLease, LeaseLostError, readLease } from '../../../src/coordination/lease.js';
import { LEASE_KEY } from '../../../src/coordination/lease-record.js';
import { LocalObjectStore } from '../../../src/storage/local-store.js';
import type { ObjectStore, PutOptions } from '../../../src/storage/object-store.js';
import { S3ObjectStore } from '../../../src/storage/s3-store.js';
import { ChangedMeanwhileError } from '../../../src/util/errors.js';
import { MemoryLogger } from '../../../src/util/logger.js';

// A run that stalls past its lease's TTL (a frozen runner, a long GC pause) must not overwrite the run that took
// the location over meanwhile, nor go on deleting as if it still held it.
const T0 = new Date('2026-11-30T00:00:00Z');
const TTL = 60_000;
const dirs: string[] = [];
afterAll(() => Promise.all(dirs.map((dir) => fs.rm(dir, { recursive: true, force: true }))));

async function localStore(): Promise<LocalObjectStore> {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'lease-stall-'));
  dirs.push(dir);
  return new LocalObjectStore(dir);
}

const options = (holder: string, at: Date) => ({ operation: 'prune', holder, ttlMs: TTL, waitMs: 0, renewEveryMs: 0, clock: () => at, logger: new MemoryLogger() });

describe('a lease holder that stalled past its TTL', () => {
  it('knows it lost the lease before its next destructive step, and its renewal does not overwrite the new holder', async () => {
    const store = await localStore();
    let now = T0;
    const stalled = await acquireLease(store, { ...options('stalled run', T0), clock: () => now });
    now = new Date(T0.getTime() + TTL + 1_000);
    const successor = await acquireLease(store, options('next run', now));
    expect(() => stalled.assertHeld()).toThrow(LeaseLostError);
    await expect(stalled.renew()).rejects.toThrow(LeaseLostError);
    expect(await readLease(store)).toMatchObject({ holder: 'next run', token: successor.record.token });
    await successor.release();
  });

  it('loses the race when the location is taken over between its read and its write', async () => {
    const local = await localStore();
    let now = T0;
    let takeOverDuringRenewal: (() => Promise<void>) | undefined;
    // The holder's store, with the moment between its renewal's read and write stretched open.
    const store: ObjectStore = Object.assign(Object.create(local) as ObjectStore, {
      put: async (key: string, body: Buffer | string, put?: PutOptions) => {
        const racer = takeOverDuringRenewal;
        takeOverDuringRenewal = undefined;
        if (racer && key === LEASE_KEY) await racer();
        return local.put(key, body, put);
      }
    });
    const holder = await acquireLease(store, { ...options('slow run', T0), clock: () => now });
    let successorToken: string | undefined;
    takeOverDuringRenewal = async () => {
      // The other run sees the lease expired (its clock is past the holder's expiry) and takes it over.
      const successor = await acquireLease(local, options('next run', new Date(T0.getTime() + TTL + 1_000)));
      successorToken = successor.record.token;
    };
    now = new Date(T0.getTime() + TTL / 2);
    await expect(holder.renew()).rejects.toThrow(LeaseLostError);
    expect(await readLease(local)).toMatchObject({ holder: 'next run', token: successorToken });
  });
});

describe('conditional replace on the stores', () => {
  it('swaps a local file only while it is the version that was read', async () => {
    const store = await localStore();
    await store.put('metadata/x.json', 'one');
    const read = (await store.readVersioned('metadata/x.json'))!;
    expect(read.text).toBe('one');
    await store.put('metadata/x.json', 'two', { ifMatch: read.version });
    await expect(store.put('metadata/x.json', 'three', { ifMatch: read.version })).rejects.toThrow(ChangedMeanwhileError);
    await store.deleteMany(['metadata/x.json']);
    await expect(store.put('metadata/x.json', 'four', { ifMatch: read.version })).rejects.toThrow(ChangedMeanwhileError);
    expect(await store.readVersioned('metadata/x.json')).toBeUndefined();
    // Neither a temporary file nor the swap's lock is left behind.
    expect(await fs.readdir(dirs.at(-1)!, { recursive: true })).toEqual([]);
  });

  /** A stand-in for an S3 endpoint (test double) that records requests and answers as AWS does to If-Match. */
  async function s3Double(answerPut: (headers: http.IncomingHttpHeaders) => number): Promise<{ url: string; puts: http.IncomingHttpHeaders[]; close: () => void }> {
    const puts: http.IncomingHttpHeaders[] = [];
    const server = http.createServer((req, res) => {
      req.resume();
      req.on('end', () => {
        if (req.method === 'GET') {
          res.writeHead(200, { ETag: '"v1"', 'Content-Type': 'application/json', 'Content-Length': '2' }).end('{}');
        } else if (req.method === 'PUT') {
          puts.push(req.headers);
          const status = answerPut(req.headers);
          const body = status === 200 ? '' : `<Error><Code>${status === 412 ? 'PreconditionFailed' : 'NotImplemented'}</Code></Error>`;
          res.writeHead(status, { ETag: '"v2"', 'Content-Length': String(body.length) }).end(body);
        } else res.writeHead(405).end();
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, puts, close: () => server.close() };
  }

  const s3StoreAt = (endpoint: string) =>
    new S3ObjectStore({ bucket: 'bucket', prefix: 'p/', url: 's3://bucket/p' }, { endpoint, region: 'us-east-1', forcePathStyle: true, insecureSkipTlsVerify: false, credentials: { accessKeyId: 'a', secretAccessKey: 'b' } });

  it('sends If-Match with the version read, and reports a refused condition as a change', async () => {
    const double = await s3Double((headers) => (headers['if-match'] === '"v1"' ? 412 : 200));
    try {
      const store = s3StoreAt(double.url);
      const read = (await store.readVersioned('metadata/lease.json'))!;
      expect(read.version).toBe('"v1"');
      await expect(store.put('metadata/lease.json', '{}', { ifMatch: read.version })).rejects.toThrow(ChangedMeanwhileError);
      expect(double.puts.map((h) => h['if-match'])).toEqual(['"v1"']);
      store.destroy();
    } finally {
      double.close();
    }
  });

  it('falls back to compare-then-write where the store refuses conditional writes (as Swift does)', async () => {
    const double = await s3Double((headers) => (headers['if-match'] ? 501 : 200));
    try {
      const store = s3StoreAt(double.url);
      await store.put('metadata/lease.json', '{}', { ifMatch: '"v1"' });
      await expect(store.put('metadata/lease.json', '{}', { ifMatch: '"v0"' })).rejects.toThrow(ChangedMeanwhileError);
      expect(double.puts.map((h) => h['if-match'] ?? 'plain')).toEqual(['"v1"', 'plain']);
      store.destroy();
    } finally {
      double.close();
    }
  });
});
