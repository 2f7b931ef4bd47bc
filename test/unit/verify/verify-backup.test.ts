import { describe, expect, it } from '@jest/globals';
import { gzipSync } from 'node:zlib';
import { ChecksumManifest } from '../../../src/integrity/checksum-manifest.js';
import { backupKeys, volumeCopyKey } from '../../../src/storage/layout.js';
import { digestOf } from '../../../src/util/digest-stream.js';
import { ANNOTATIONS } from '../../../src/velero/vocabulary.js';
import { encodeVolumeCopies, type VolumeCopyRecord } from '../../../src/volumes/volume-copy-record.js';
import { verifyBackup } from '../../../src/verify/verify-backup.js';
import { tarFile } from '../../support/tar-blocks.js';
import { MemoryStore } from '../lease/memory-store.js';

// verifyBackup on backups built here byte by byte: what it finds, and under which file it reports it.
const NAME = 'b1';
const keys = backupKeys(NAME);
const END = Buffer.alloc(1024);
const copyKey = volumeCopyKey(NAME, { namespace: 'shop', claim: 'data' });

const item = (namespace: string, name: string, body?: string) =>
  tarFile(`resources/configmaps/namespaces/${namespace}/${name}.json`, body ?? JSON.stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, namespace } }));
const goodTar = () => Buffer.concat([tarFile('metadata/version', '1.1.0\n'), item('shop', 'a'), item('shop', 'b'), END]);

interface Files {
  tarball?: Buffer;
  withManifest?: boolean;
  /** Changes made after the manifest is written: what a corrupted or tampered bucket holds. */
  after?: (store: MemoryStore) => void;
  copies?: boolean;
}

/** A backup as ours are written: files, then the manifest, then velero-backup.json with the manifest's sha256. */
async function backup({ tarball = gzipSync(goodTar()), withManifest = true, after, copies }: Files = {}): Promise<MemoryStore> {
  const store = new MemoryStore();
  const files: [string, Buffer][] = [
    [keys.tarball, tarball],
    [keys.logs, gzipSync('log line\n')],
    [keys.results, gzipSync('{}')]
  ];
  if (copies) {
    const data = gzipSync('volume data');
    const record: VolumeCopyRecord = { namespace: 'shop', claim: 'data', volumeType: 'persistentVolumeClaim', key: copyKey, method: 'pod-exec', result: 'succeeded', tar: digestOf(Buffer.from('volume data')), stored: digestOf(data), startTimestamp: '', completionTimestamp: '' };
    files.push([copyKey, data], [keys.fsVolumes, encodeVolumeCopies([record])]);
  }
  for (const [key, body] of files) await store.put(key, body);
  const annotations: Record<string, string> = {};
  if (withManifest) {
    const manifest = ChecksumManifest.of(NAME, files.map(([key, body]) => [key, { size: body.length, sha256: digestOf(body).sha256 }])).encode();
    await store.put(keys.checksums, manifest);
    annotations[ANNOTATIONS.checksumsSha256] = digestOf(manifest).sha256;
  }
  await store.put(keys.metadata, JSON.stringify({ apiVersion: 'velero.io/v1', kind: 'Backup', metadata: { name: NAME, annotations }, status: { phase: 'Completed' } }));
  after?.(store);
  return store;
}

function flipByte(store: MemoryStore, key: string, at = 0.5): void {
  const data = Buffer.from(store.objects.get(key)!.data);
  const i = Math.floor(data.length * at);
  data[i] = data[i]! ^ 0xff;
  store.objects.set(key, { data, lastModified: new Date() });
}

describe('verifyBackup', () => {
  it('verifies a backup whose files all match their manifest, reading every item', async () => {
    const result = await verifyBackup(await backup({ copies: true }), NAME);
    expect(result).toMatchObject({ name: NAME, state: 'verified', problems: [], items: 2 });
    expect(result.filesChecked).toBe(5);
  });

  it('checks a backup without a manifest for structure only, and says so', async () => {
    expect(await verifyBackup(await backup({ withManifest: false, copies: true }), NAME)).toMatchObject({ state: 'structural-only', problems: [], items: 2 });
  });

  it.each<[string, Files, string, RegExp]>([
    ['a flipped byte in the logs', { after: (s) => flipByte(s, keys.logs) }, keys.logs, /sha256 is [0-9a-f]{64}, but the checksum manifest records/],
    ['a flipped byte in a volume copy', { copies: true, after: (s) => flipByte(s, copyKey) }, copyKey, /sha256/],
    ['a deleted results file', { after: (s) => s.objects.delete(keys.results) }, keys.results, /is missing, but the checksum manifest lists it/],
    ['a truncated tarball', { after: (s) => s.objects.set(keys.tarball, { data: s.objects.get(keys.tarball)!.data.subarray(0, 40), lastModified: new Date() }) }, keys.tarball, /is 40 bytes, but the checksum manifest records/],
    ['a rewritten manifest', { after: (s) => s.objects.set(keys.checksums, { data: Buffer.from('{}'), lastModified: new Date() }) }, keys.checksums, /its sha256 is .*, but velero-backup.json records/],
    ['a deleted copies record', { copies: true, after: (s) => s.objects.delete(keys.fsVolumes) }, keys.fsVolumes, /is missing/]
  ])('fails a backup with %s, naming the file', async (_, files, file, problem) => {
    const result = await verifyBackup(await backup(files), NAME);
    expect(result.state).toBe('failed');
    expect(result.problems).toContainEqual({ file, problem: expect.stringMatching(problem) });
  });

  it('reports a truncated tarball as unreadable too', async () => {
    const result = await verifyBackup(await backup({ after: (s) => s.objects.set(keys.tarball, { data: s.objects.get(keys.tarball)!.data.subarray(0, 40), lastModified: new Date() }) }), NAME);
    expect(result.problems).toContainEqual({ file: keys.tarball, problem: expect.stringMatching(/^the archive is corrupt or truncated/) });
  });

  it('fails items that are not JSON or not where their path says, naming the entry, with or without a manifest', async () => {
    const tar = Buffer.concat([tarFile('metadata/version', '1.1.0\n'), item('shop', 'a', '{"metadata":'), item('shop', 'b', JSON.stringify({ metadata: { name: 'c', namespace: 'shop' } })), END]);
    for (const withManifest of [true, false]) {
      const result = await verifyBackup(await backup({ tarball: gzipSync(tar), withManifest }), NAME);
      expect(result.state).toBe('failed');
      expect(result.problems).toEqual([
        { file: keys.tarball, problem: "archive entry 'resources/configmaps/namespaces/shop/a.json': not valid JSON (it ends too early)" },
        { file: keys.tarball, problem: "archive entry 'resources/configmaps/namespaces/shop/b.json': metadata.name is 'c', but the archive path names it 'b'" }
      ]);
    }
  });

  it('fails a backup without a manifest whose side file does not read as gzip', async () => {
    const result = await verifyBackup(await backup({ withManifest: false, after: (s) => flipByte(s, keys.logs, 0.7) }), NAME);
    expect(result.state).toBe('failed');
    expect(result.problems).toContainEqual({ file: keys.logs, problem: expect.stringMatching(/^is not a readable gzip file/) });
  });

  it('holds volume copies to the copies record when there is no manifest', async () => {
    const result = await verifyBackup(await backup({ withManifest: false, copies: true, after: (s) => flipByte(s, copyKey) }), NAME);
    expect(result.problems).toContainEqual({ file: copyKey, problem: expect.stringMatching(/sha256/) });
  });

  it('lists at most the first problems of a file and counts the rest', async () => {
    const tar = Buffer.concat([...Array.from({ length: 30 }, (_, i) => item('shop', `x${i}`, 'not json')), END]);
    const result = await verifyBackup(await backup({ tarball: gzipSync(tar) }), NAME, { maxProblemsPerFile: 5 });
    expect(result.problems).toHaveLength(6);
    expect(result.problems[5]).toEqual({ file: keys.tarball, problem: '25 more problems like these' });
  });

  it('fails a backup that does not exist', async () => {
    expect(await verifyBackup(new MemoryStore(), NAME)).toMatchObject({ state: 'failed', problems: [{ file: keys.metadata, problem: expect.stringMatching(/is missing/) }] });
  });
});
