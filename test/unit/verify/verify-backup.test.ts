import { generateKeyPairSync } from 'node:crypto';
import { describe, expect, it } from '@jest/globals';
import { gzipSync } from 'node:zlib';
import { signatureAnnotations } from '../../../src/integrity/backup-signature.js';
import { parseSigningKey, parseVerifyKeys, signManifest } from '../../../src/integrity/manifest-signature.js';
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

describe('verifyBackup of signed backups', () => {
  const pair = () => {
    const { privateKey, publicKey } = generateKeyPairSync('ed25519');
    return { signing: parseSigningKey(privateKey.export({ type: 'pkcs8', format: 'pem' }) as string), verify: parseVerifyKeys(publicKey.export({ type: 'spki', format: 'pem' }) as string)[0]! };
  };
  const ours = pair();
  const theirs = pair();

  /** velero-backup.json's annotations, rewritten in place (what signing adds, or what someone with bucket access does). */
  function annotate(store: MemoryStore, change: (annotations: Record<string, string>) => void): void {
    const record = JSON.parse(store.objects.get(keys.metadata)!.data.toString()) as { metadata: { annotations: Record<string, string> } };
    change(record.metadata.annotations);
    store.objects.set(keys.metadata, { data: Buffer.from(JSON.stringify(record)), lastModified: new Date() });
  }
  const signWith = (key: typeof ours.signing) => (store: MemoryStore) => annotate(store, (a) => Object.assign(a, signatureAnnotations(signManifest(store.objects.get(keys.checksums)!.data, key))));
  /** A results file swapped, and the manifest and its sha256 annotation made to agree: plain checksums cannot tell. */
  const tamper = (store: MemoryStore) => {
    const results = gzipSync('{"errors":{}}');
    store.objects.set(keys.results, { data: results, lastModified: new Date() });
    const manifest = JSON.parse(store.objects.get(keys.checksums)!.data.toString()) as { files: Record<string, unknown> };
    manifest.files[`${NAME}-results.gz`] = { size: results.length, sha256: digestOf(results).sha256 };
    const bytes = Buffer.from(JSON.stringify(manifest, null, 2));
    store.objects.set(keys.checksums, { data: bytes, lastModified: new Date() });
    annotate(store, (a) => (a[ANNOTATIONS.checksumsSha256] = digestOf(bytes).sha256));
  };
  const then = (...steps: ((store: MemoryStore) => void)[]) => (store: MemoryStore) => steps.forEach((step) => step(store));

  it('verifies a backup signed by a verify key, and says by which', async () => {
    const result = await verifyBackup(await backup({ after: signWith(ours.signing) }), NAME, { verifyKeys: [theirs.verify, ours.verify] });
    expect(result).toMatchObject({ state: 'verified', problems: [], signature: { state: 'verified', keyFingerprint: ours.verify.fingerprint } });
  });

  it('without verify keys, reports a signature as unchecked and an unsigned backup as unsigned', async () => {
    expect(await verifyBackup(await backup({ after: signWith(ours.signing) }), NAME)).toMatchObject({ state: 'verified', signature: { state: 'unchecked', keyFingerprint: ours.verify.fingerprint } });
    expect(await verifyBackup(await backup(), NAME)).toMatchObject({ state: 'verified', signature: { state: 'unsigned' } });
  });

  it.each<[string, Files, string, RegExp]>([
    ['that is unsigned', {}, keys.metadata, /records no signature of the checksum manifest, but verify-key requires one/],
    ['without a manifest', { withManifest: false }, keys.metadata, /has no checksum manifest .* verify-key requires a signature/],
    ['signed by another key', { after: signWith(theirs.signing) }, keys.metadata, /signed by key [0-9a-f]{64}, which is not one of the verify-key keys/],
    ['whose file, manifest and sha256 annotation were rewritten to agree after signing', { after: then(signWith(ours.signing), tamper) }, keys.checksums, /does not match its bytes/]
  ])('fails a backup %s, with verify keys', async (_, files, file, problem) => {
    const result = await verifyBackup(await backup(files), NAME, { verifyKeys: [ours.verify] });
    expect(result.state).toBe('failed');
    expect(result.problems).toContainEqual({ file, problem: expect.stringMatching(problem) });
  });

  it('the consistent rewrite passes plain checksums: only the signature tells', async () => {
    expect(await verifyBackup(await backup({ after: then(signWith(ours.signing), tamper) }), NAME)).toMatchObject({ state: 'verified', problems: [] });
  });
});
