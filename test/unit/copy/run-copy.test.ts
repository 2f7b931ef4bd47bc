import { createHash } from 'node:crypto';
import { describe, expect, it } from '@jest/globals';
import { runCopy, type CopyContext, type VerifyStoredBackup } from '../../../src/copy/run-copy.js';
import { ChecksumManifest } from '../../../src/integrity/checksum-manifest.js';
import { copyOutputs, copySummary } from '../../../src/report/copy-report.js';
import type { CopySettings } from '../../../src/settings/copy-settings.js';
import { backupKeys } from '../../../src/storage/layout.js';
import { MemoryLogger } from '../../../src/util/logger.js';
import { ANNOTATIONS } from '../../../src/velero/vocabulary.js';
import { MemoryStore } from '../lease/memory-store.js';

// The copy engine on in-memory stores: what it refuses to copy, and what it leaves behind when it does. The real
// stores, verification and restore are in test/integration/copy/.
const keys = backupKeys('b');
const sha256 = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex');
const settings: CopySettings = {
  target: { kind: 'name', name: 'b' },
  destination: { location: { kind: 'local', directory: '/dr', url: 'file:///dr' }, s3: { forcePathStyle: false, insecureSkipTlsVerify: false } },
  lease: { ttlMs: 600_000, waitMs: 0 }
};

/** Backup `b` as a backup writes it: its files, the manifest of them, velero-backup.json recording the manifest's sha256. */
async function sourceWithBackup(): Promise<MemoryStore> {
  const store = new MemoryStore();
  const files: [string, Buffer][] = [
    [keys.tarball, Buffer.from('not really a tarball, but bytes with a checksum')],
    [keys.logs, Buffer.from('log lines')],
    [`${keys.volumesFolder}shop/pvc/data.tar.gz`, Buffer.alloc(3000, 7)]
  ];
  for (const [key, data] of files) await store.put(key, data);
  const manifest = ChecksumManifest.of('b', files.map(([key, data]) => [key, { size: data.length, sha256: sha256(data) }])).encode();
  await store.put(keys.checksums, manifest);
  const backup = { apiVersion: 'velero.io/v1', kind: 'Backup', metadata: { name: 'b', namespace: 'velero', annotations: { [ANNOTATIONS.checksumsSha256]: sha256(manifest) } }, status: { phase: 'Completed', expiration: '2026-12-30T00:00:00Z' } };
  await store.put(keys.metadata, JSON.stringify(backup));
  return store;
}

const verified: VerifyStoredBackup = async () => ({ state: 'verified', problems: [] });
const context = (source: MemoryStore, destination: MemoryStore, verify = verified): CopyContext => ({ source, destination, verify, logger: new MemoryLogger(), holder: 'test', lease: { renewEveryMs: 0 } });

describe('runCopy', () => {
  it('copies the files, the manifest and velero-backup.json with the owner of its snapshots', async () => {
    const source = await sourceWithBackup();
    const destination = new MemoryStore();
    const result = await runCopy(context(source, destination), settings);
    expect(result).toMatchObject({ copied: [{ name: 'b', files: 5, bytes: 3056, verification: 'verified', snapshotsOwnedBy: 'memory://test' }], skipped: [], failed: [] });
    for (const key of source.keys('backups/b/').filter((k) => k !== keys.metadata)) expect(destination.objects.get(key)?.data).toEqual(source.objects.get(key)?.data);
    const copied = JSON.parse(destination.text(keys.metadata)!) as { metadata: { annotations: Record<string, string> }; status: unknown };
    expect(copied.metadata.annotations[ANNOTATIONS.snapshotsOwnedBy]).toBe('memory://test');
    expect(copied.status).toEqual({ phase: 'Completed', expiration: '2026-12-30T00:00:00Z' });
    expect(copyOutputs(result)).toEqual({ copied: '["b"]', skipped: '[]', failed: '0' });
    expect(copySummary(result)).toContain('| b | 5 | ');
  });

  it.each<[string, (source: MemoryStore) => Promise<void>, { file: string; problem: RegExp }]>([
    [
      'a flipped byte in a file',
      async (s) => {
        const data = Buffer.from(s.objects.get(keys.logs)!.data);
        data[0] = data[0]! ^ 1;
        await s.put(keys.logs, data);
      },
      { file: keys.logs, problem: /as read from the source, its sha256 is .* but the checksum manifest records/ }
    ],
    ['a missing volume copy', async (s) => s.deleteMany([`${keys.volumesFolder}shop/pvc/data.tar.gz`]), { file: `${keys.volumesFolder}shop/pvc/data.tar.gz`, problem: /is missing at the source/ }],
    ['a rewritten manifest', async (s) => s.put(keys.checksums, `${s.text(keys.checksums)} `), { file: keys.checksums, problem: /but velero-backup.json records/ }]
  ])('copies nothing of a backup with %s, naming the file', async (_, damage, problem) => {
    const source = await sourceWithBackup();
    await damage(source);
    const destination = new MemoryStore();
    const result = await runCopy(context(source, destination, () => Promise.reject(new Error('not to be verified'))), settings);
    expect(result.copied).toEqual([]);
    expect(result.failed).toEqual([{ name: 'b', message: expect.any(String), problems: [{ file: problem.file, problem: expect.stringMatching(problem.problem) }] }]);
    expect(destination.keys()).toEqual([]);
  });

  it('removes a copy that does not verify at the destination, velero-backup.json first', async () => {
    const source = await sourceWithBackup();
    const destination = new MemoryStore();
    let recordThere: boolean | undefined;
    const failing: VerifyStoredBackup = async (store) => {
      recordThere = (await store.head(keys.metadata)) !== undefined;
      return { state: 'failed', problems: [{ file: keys.tarball, problem: 'is not a readable gzip file' }] };
    };
    const result = await runCopy(context(source, destination, failing), settings);
    expect(recordThere).toBe(true);
    expect(result.failed).toEqual([{ name: 'b', message: 'it did not verify at memory://test, so it was removed there', problems: [{ file: keys.tarball, problem: 'is not a readable gzip file' }] }]);
    expect(destination.keys()).toEqual([]);
  });
});
