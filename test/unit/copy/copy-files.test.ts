import { describe, expect, it } from '@jest/globals';
import { contentTypeOf, filesToCopy } from '../../../src/copy/copy-files.js';
import { ChecksumManifest } from '../../../src/integrity/checksum-manifest.js';
import { backupKeys } from '../../../src/storage/layout.js';
import type { ObjectInfo } from '../../../src/storage/object-store.js';

const keys = backupKeys('b');
const copyKey = `${keys.volumesFolder}shop/pvc/data.tar.gz`;
const A = 'a'.repeat(64);
const B = 'b'.repeat(64);
const manifest = ChecksumManifest.of('b', [
  [keys.tarball, { size: 100, sha256: A }],
  [copyKey, { size: 5000, sha256: B }]
]);
const at = new Date('2026-11-30T00:00:00Z');
const listing = (entries: [string, number][]): ObjectInfo[] => entries.map(([key, size]) => ({ key, size, lastModified: at }));

describe('filesToCopy', () => {
  it('takes exactly the files the manifest lists, each held to its size and sha256', () => {
    const folder = listing([[keys.tarball, 100], [copyKey, 5000], [keys.checksums, 300], [keys.metadata, 900], [`${keys.folder}stray.txt`, 1]]);
    expect(filesToCopy('b', manifest, folder)).toEqual({
      files: [
        { key: copyKey, expected: { size: 5000, sha256: B } },
        { key: keys.tarball, expected: { size: 100, sha256: A } }
      ],
      bytes: 5100
    });
  });

  it.each<[string, [string, number][], string, RegExp]>([
    ['a listed file missing', [[keys.tarball, 100]], copyKey, /is missing at the source, but the checksum manifest lists it/],
    ['a listed file of another size', [[keys.tarball, 99], [copyKey, 5000]], keys.tarball, /is 99 bytes at the source, but the checksum manifest records 100/]
  ])('refuses %s before anything is written', (_, entries, file, problem) => {
    expect(filesToCopy('b', manifest, listing(entries))).toEqual({ problems: [{ file, problem: expect.stringMatching(problem) }] });
  });

  it('without a manifest takes every file of the folder but velero-backup.json and our own markers, each held to its listed size', () => {
    const folder = listing([[keys.tarball, 100], [keys.logs, 10], [`${keys.folder}b-csi-volumesnapshots.json.gz`, 20], [keys.metadata, 900], [`${keys.folder}kube-backup-pruning.json`, 5], [`${keys.folder}kube-backup-copy.json`, 5]]);
    expect(filesToCopy('b', undefined, folder)).toEqual({
      files: [
        { key: keys.tarball, expected: { size: 100 } },
        { key: keys.logs, expected: { size: 10 } },
        { key: `${keys.folder}b-csi-volumesnapshots.json.gz`, expected: { size: 20 } }
      ],
      bytes: 130
    });
  });
});

describe('contentTypeOf', () => {
  it.each([
    [keys.checksums, 'application/json'],
    [keys.tarball, 'application/gzip'],
    [`${keys.folder}other`, 'application/octet-stream']
  ])('%s is %s', (key, type) => {
    expect(contentTypeOf(key)).toBe(type);
  });
});
