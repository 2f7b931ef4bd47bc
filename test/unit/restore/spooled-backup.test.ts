import { describe, expect, it } from '@jest/globals';
import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { gzipSync } from 'node:zlib';
import { SpooledBackup } from '../../../src/restore/steps/spooled-backup.js';
import type { ObjectStore } from '../../../src/storage/object-store.js';
import { ChecksumManifest } from '../../../src/integrity/checksum-manifest.js';
import { BackupIntegrity } from '../../../src/restore/steps/backup-integrity.js';
import { backupKeys } from '../../../src/storage/layout.js';
import { digestOf } from '../../../src/util/digest-stream.js';
import { silentLogger } from '../../../src/util/logger.js';
import { ANNOTATIONS } from '../../../src/velero/vocabulary.js';
import { MemoryStore } from '../lease/memory-store.js';
import { buildArchive, sampleObject, withTempDir } from '../archive/support.js';

const storeServing = (tarball: Buffer): ObjectStore => ({ get: async () => Readable.from([tarball]) }) as unknown as ObjectStore;

describe('SpooledBackup', () => {
  it('spools into a directory of its own, owner only, and removes it on close', async () => {
    const tarball = await buildArchive(async (writer) => {
      await writer.addFile('metadata/version', '1.1.0\n');
      await writer.addFile('resources/configmaps/namespaces/team-1/app-config-1.json', JSON.stringify(sampleObject(1)));
    });
    await withTempDir(async (temp) => {
      const spooled = await SpooledBackup.open(storeServing(tarball), 'nightly', temp);
      const [directory, ...others] = await readdir(temp);
      expect(others).toEqual([]);
      expect(directory).toMatch(/^kube-restore-/);
      expect((await stat(join(temp, directory!))).mode & 0o777).toBe(0o700);
      expect(spooled.catalog.groupResources()).toEqual(['configmaps']);
      expect((await spooled.catalog.read(spooled.catalog.items('configmaps')[0]!)).metadata.name).toBe('app-config-1');
      await spooled.close();
      expect(await readdir(temp)).toEqual([]);
    });
  });

  it('leaves nothing behind when the archive is corrupt', async () => {
    await withTempDir(async (temp) => {
      await expect(SpooledBackup.open(storeServing(gzipSync(Buffer.from('not a tarball'))), 'nightly', temp)).rejects.toThrow();
      expect(await readdir(temp)).toEqual([]);
    });
  });

  it('refuses a tarball that is not the one its checksum manifest records, naming it, and leaves nothing behind', async () => {
    const tarball = await buildArchive(async (writer) => {
      await writer.addFile('resources/configmaps/namespaces/team-1/app-config-1.json', JSON.stringify(sampleObject(1)));
    });
    const keys = backupKeys('nightly');
    const store = new MemoryStore();
    await store.put(keys.tarball, tarball);
    // Same size, another sha256: only the hash taken while spooling can tell.
    const manifest = ChecksumManifest.of('nightly', [[keys.tarball, { size: tarball.length, sha256: 'f'.repeat(64) }]]).encode();
    await store.put(keys.checksums, manifest);
    const backup = { apiVersion: 'velero.io/v1', kind: 'Backup', metadata: { name: 'nightly', annotations: { [ANNOTATIONS.checksumsSha256]: digestOf(manifest).sha256 } } };
    const integrity = await BackupIntegrity.check(store, { name: 'nightly', backup }, silentLogger);
    await withTempDir(async (temp) => {
      await expect(SpooledBackup.open(store, 'nightly', temp, { integrity })).rejects.toThrow(
        /^backup 'nightly' failed its integrity check, so nothing was written to the cluster: backups\/nightly\/nightly\.tar\.gz: its sha256 is [0-9a-f]{64}, but the checksum manifest records f{64}$/
      );
      expect(await readdir(temp)).toEqual([]);
    });
  });
});
