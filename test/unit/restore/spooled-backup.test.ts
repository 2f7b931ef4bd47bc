import { describe, expect, it } from '@jest/globals';
import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { gzipSync } from 'node:zlib';
import { SpooledBackup } from '../../../src/restore/steps/spooled-backup.js';
import type { ObjectStore } from '../../../src/storage/object-store.js';
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
});
