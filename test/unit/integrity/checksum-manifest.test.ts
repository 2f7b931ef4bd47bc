import { describe, expect, it } from '@jest/globals';
import { ChecksumManifest, checksumProblem, ManifestFormatError } from '../../../src/integrity/checksum-manifest.js';
import { IntegrityError, readBackupManifest } from '../../../src/integrity/stored-manifest.js';
import type { KubeObject } from '../../../src/model/kube-object.js';
import { backupFileKind, backupKeys, volumeCopyKey } from '../../../src/storage/layout.js';
import { digestOf } from '../../../src/util/digest-stream.js';
import { ANNOTATIONS } from '../../../src/velero/vocabulary.js';
import { MemoryStore } from '../lease/memory-store.js';

const NAME = 'nightly-20260101020000';
const keys = backupKeys(NAME);
const sha = (c: string) => c.repeat(64);
const copyKey = volumeCopyKey(NAME, { namespace: 'shop', claim: 'data' });

/** A manifest as bytes, from a files object written by hand (what a bucket may hold). */
function stored(files: Record<string, unknown>, overrides: Record<string, unknown> = {}): Buffer {
  return Buffer.from(JSON.stringify({ formatVersion: 1, algorithm: 'sha256', backup: NAME, files, ...overrides }));
}

describe('ChecksumManifest', () => {
  it('encodes keys relative to the backup folder, sorted, with its format and algorithm, and decodes back', () => {
    const manifest = ChecksumManifest.of(NAME, [
      [keys.tarball, { size: 10, sha256: sha('a') }],
      [copyKey, { size: 30, sha256: sha('c') }],
      [keys.logs, { size: 20, sha256: sha('b') }]
    ]);
    const bytes = manifest.encode();
    const json = JSON.parse(bytes.toString('utf8')) as { formatVersion: number; algorithm: string; backup: string; files: Record<string, unknown> };
    expect(json.formatVersion).toBe(1);
    expect(json.algorithm).toBe('sha256');
    expect(json.backup).toBe(NAME);
    expect(Object.keys(json.files)).toEqual([`${NAME}-logs.gz`, `${NAME}-volumes/shop/pvc/data.tar.gz`, `${NAME}.tar.gz`]);

    const decoded = ChecksumManifest.decode(bytes, NAME);
    expect(decoded.entry(keys.tarball)).toEqual({ size: 10, sha256: sha('a') });
    expect(decoded.entry(copyKey)).toEqual({ size: 30, sha256: sha('c') });
    expect(decoded.entry(keys.results)).toBeUndefined();
    expect([...decoded.entries()].map((e) => [e.key, e.kind])).toEqual([
      [keys.logs, 'logs'],
      [copyKey, 'volumeCopy'],
      [keys.tarball, 'tarball']
    ]);
    // The same files always make the same bytes (the annotation's sha256 depends on them).
    expect(decoded.encode().equals(bytes)).toBe(true);
  });

  it('refuses to record a key outside the backup folder, or one twice', () => {
    expect(() => ChecksumManifest.of(NAME, [[backupKeys('other').tarball, { size: 1, sha256: sha('a') }]])).toThrow(/outside the backup folder/);
    expect(() => ChecksumManifest.of(NAME, [[keys.metadata, { size: 1, sha256: sha('a') }]])).toThrow(/not a file this backup writes/);
    expect(() => ChecksumManifest.of(NAME, [[keys.logs, { size: 1, sha256: sha('a') }], [keys.logs, { size: 1, sha256: sha('a') }]])).toThrow(/twice/);
  });

  const good = { size: 1, sha256: sha('a') };
  it.each<[string, Buffer, RegExp]>([
    ['a key that climbs out with ..', stored({ [`../other/other.tar.gz`]: good }), /climbs out of the backup folder/],
    ['a key climbing inside a copy path', stored({ [`${NAME}-volumes/shop/../../x.tar.gz`]: good }), /climbs out of the backup folder/],
    ['an absolute key', stored({ [`/etc/passwd`]: good }), /absolute path/],
    ['a backslash-absolute key', stored({ ['\\windows\\x']: good }), /absolute path/],
    ['a full key (the folder repeated)', stored({ [keys.tarball]: good }), /not a file this backup writes/],
    ['velero-backup.json', stored({ 'velero-backup.json': good }), /not a file this backup writes/],
    ['the manifest itself', stored({ [`${NAME}-checksums.json`]: good }), /not a file this backup writes/],
    ['another backup\'s file', stored({ 'other.tar.gz': good }), /not a file this backup writes/],
    ['a volume copy outside the copies layout', stored({ [`${NAME}-volumes/shop/secret/x.tar.gz`]: good }), /not a file this backup writes/],
    ['an empty segment', stored({ [`${NAME}-volumes//pvc/x.tar.gz`]: good }), /empty or \. segment/],
    ['__proto__', Buffer.from(`{"formatVersion":1,"algorithm":"sha256","backup":"${NAME}","files":{"__proto__":{"size":1,"sha256":"${sha('a')}"}}}`), /not a file this backup writes/],
    ['a negative size', stored({ [`${NAME}.tar.gz`]: { size: -1, sha256: sha('a') } }), /no valid size and sha256/],
    ['a sha256 in capitals', stored({ [`${NAME}.tar.gz`]: { size: 1, sha256: sha('A') } }), /no valid size and sha256/],
    ['another format version', stored({}, { formatVersion: 2 }), /formatVersion 2 is not one this version reads/],
    ['another algorithm', stored({}, { algorithm: 'md5' }), /algorithm "md5" is not sha256/],
    ['another backup\'s manifest', stored({}, { backup: 'other' }), /manifest of backup "other"/],
    ['files as a list', stored({}, { files: [] }), /no files object/],
    ['not JSON', Buffer.from('{"formatVersion": 1,'), /not valid JSON/]
  ])('refuses a manifest with %s', (_, bytes, problem) => {
    let error: unknown;
    try {
      ChecksumManifest.decode(bytes, NAME);
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(ManifestFormatError);
    expect((error as ManifestFormatError).key).toBe(keys.checksums);
    expect((error as Error).message).toMatch(problem);
  });

  it('compares a digest: size first, then sha256', () => {
    expect(checksumProblem({ size: 3, sha256: digestOf(Buffer.from('abc')).sha256 }, digestOf(Buffer.from('abc')))).toBeUndefined();
    expect(checksumProblem({ size: 3, sha256: sha('a') }, digestOf(Buffer.from('ab')))).toMatch(/is 2 bytes, but the checksum manifest records 3/);
    expect(checksumProblem({ size: 3, sha256: sha('a') }, digestOf(Buffer.from('abd')))).toMatch(/its sha256 is [0-9a-f]{64}, but the checksum manifest records a{64}/);
  });
});

describe('backupFileKind', () => {
  it.each<[string, string | undefined]>([
    [`${NAME}.tar.gz`, 'tarball'],
    [`${NAME}-results.gz`, 'results'],
    [`${NAME}-fs-volumes.json.gz`, 'fsVolumes'],
    [`${NAME}-volumes/shop/pvc/data.tar.gz`, 'volumeCopy'],
    [`${NAME}-volumes/shop/pod/web-0/cache.tar.gz`, 'volumeCopy'],
    [`${NAME}-volumes/shop/pvc/data.tar`, undefined],
    [`${NAME}-volumes/../pvc/data.tar.gz`, undefined],
    [`${NAME}-volumes/shop/pvc/../data.tar.gz`, undefined],
    ['velero-backup.json', undefined],
    [`${NAME}-checksums.json`, undefined],
    ['kube-backup-pruning.json', undefined]
  ])('%s is %s', (key, kind) => expect(backupFileKind(NAME, key)).toBe(kind));
});

describe('readBackupManifest', () => {
  const backupWith = (annotation?: string): KubeObject => ({ apiVersion: 'velero.io/v1', kind: 'Backup', metadata: { name: NAME, annotations: annotation ? { [ANNOTATIONS.checksumsSha256]: annotation } : {} } });
  const manifestBytes = ChecksumManifest.of(NAME, [[keys.tarball, { size: 1, sha256: sha('a') }]]).encode();

  async function storeWith(bytes?: Buffer): Promise<MemoryStore> {
    const store = new MemoryStore();
    if (bytes) await store.put(keys.checksums, bytes);
    return store;
  }
  const failure = async (promise: Promise<unknown>) => promise.then(() => undefined, (err: unknown) => err as IntegrityError);

  it('reads the manifest whose sha256 velero-backup.json records', async () => {
    const manifest = await readBackupManifest(await storeWith(manifestBytes), NAME, backupWith(digestOf(manifestBytes).sha256));
    expect(manifest?.entry(keys.tarball)).toEqual({ size: 1, sha256: sha('a') });
  });

  it('finds none on a backup that has neither (Velero\'s, older ones)', async () => {
    expect(await readBackupManifest(await storeWith(), NAME, backupWith())).toBeUndefined();
  });

  it.each<[string, Buffer | undefined, string | undefined, string, RegExp]>([
    ['the manifest changed', Buffer.concat([manifestBytes, Buffer.from(' ')]), digestOf(manifestBytes).sha256, keys.checksums, /its sha256 is [0-9a-f]{64}, but velero-backup.json records/],
    ['the manifest deleted', undefined, digestOf(manifestBytes).sha256, keys.checksums, /is missing, but velero-backup.json records its sha256/],
    ['the annotation removed', manifestBytes, undefined, keys.metadata, /records no kube-backup.io\/checksums-sha256 annotation/],
    ['the annotation garbled', manifestBytes, 'not-a-hash', keys.metadata, /annotation is not a sha256/],
    ['a hostile manifest that matches its annotation', stored({ '../x.tar.gz': { size: 1, sha256: sha('a') } }), digestOf(stored({ '../x.tar.gz': { size: 1, sha256: sha('a') } })).sha256, keys.checksums, /climbs out/]
  ])('refuses a backup with %s, naming the file', async (_, bytes, annotation, file, problem) => {
    const err = await failure(readBackupManifest(await storeWith(bytes), NAME, backupWith(annotation)));
    expect(err).toBeInstanceOf(IntegrityError);
    expect(err!.file).toBe(file);
    expect(err!.problem).toMatch(problem);
  });
});
