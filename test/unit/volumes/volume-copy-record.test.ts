import { describe, expect, it } from '@jest/globals';
import { LocalObjectStore } from '../../../src/storage/local-store.js';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { backupKeys, volumeCopyKey } from '../../../src/storage/layout.js';
import { encodeVolumeCopies, readVolumeCopies, type VolumeCopyRecord } from '../../../src/volumes/volume-copy-record.js';
import { gzipSync } from 'node:zlib';

const digest = { bytes: 10240, sha256: 'a'.repeat(64) };
const good: VolumeCopyRecord = {
  namespace: 'shop',
  claim: 'data',
  persistentVolume: 'pvc-123',
  pod: 'app',
  volume: 'data',
  volumeType: 'persistentVolumeClaim',
  key: volumeCopyKey('b1', { namespace: 'shop', claim: 'data' }),
  method: 'pod-exec',
  result: 'succeeded',
  tar: digest,
  stored: { bytes: 300, sha256: 'b'.repeat(64) },
  startTimestamp: '2026-11-30T00:00:00Z',
  completionTimestamp: '2026-11-30T00:00:01Z'
};

async function storeWith(body: Buffer | undefined): Promise<LocalObjectStore> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'vcr-'));
  const store = new LocalObjectStore(dir, `file://${dir}`);
  if (body) await store.put(backupKeys('b1').fsVolumes, body);
  return store;
}

describe('the volume copies record', () => {
  it('reads back what was written', async () => {
    expect(await readVolumeCopies(await storeWith(encodeVolumeCopies([good])), 'b1')).toEqual([good]);
  });

  it('is empty for a backup without copies (Velero, or none made)', async () => {
    expect(await readVolumeCopies(await storeWith(undefined), 'b1')).toEqual([]);
  });

  it.each<[string, Partial<VolumeCopyRecord> | Record<string, unknown>, string]>([
    ['a key outside its place', { key: 'backups/other/secret.tar.gz' }, 'not where its copy belongs'],
    ['a key with ..', { key: 'backups/b1/b1-volumes/shop/pvc/../../../x.tar.gz' }, 'not where its copy belongs'],
    ['a namespace that is a path', { namespace: '../etc' }, 'no valid namespace'],
    ['a claim that is a path', { claim: 'a/b' }, 'invalid claim'],
    ['success without digests', { tar: undefined }, 'no valid digests'],
    ['a digest that is not sha256', { stored: { bytes: 1, sha256: 'xyz' } }, 'no valid digests'],
    ['a negative length', { tar: { bytes: -1, sha256: 'a'.repeat(64) } }, 'no valid digests'],
    ['no subject', { claim: undefined, pod: undefined }, 'neither a claim nor a pod volume'],
    ['no result', { result: 'maybe' }, 'no result']
  ])('refuses %s', async (_what, change, message) => {
    const store = await storeWith(encodeVolumeCopies([{ ...good, ...change } as VolumeCopyRecord]));
    await expect(readVolumeCopies(store, 'b1')).rejects.toThrow(message);
  });

  it('refuses a file that is not gzipped JSON of format 1', async () => {
    await expect(readVolumeCopies(await storeWith(Buffer.from('plain')), 'b1')).rejects.toThrow('not gzipped JSON');
    await expect(readVolumeCopies(await storeWith(gzipSync(JSON.stringify({ formatVersion: 2, copies: [] }))), 'b1')).rejects.toThrow('format 1');
  });
});
