import { mkdtemp, rm } from 'node:fs/promises';
import path from 'node:path';
import { indexArchive } from '../../archive/archive-index.js';
import { BackupCatalog } from '../../persistence/archive-catalog.js';
import { backupKeys } from '../../storage/layout.js';
import type { ObjectStore } from '../../storage/object-store.js';

/**
 * A backup's archive spooled to disk and catalogued. The spool sits in a directory of its own (mkdtemp makes it
 * 0700): backups hold Secrets, and a name nobody else can predict or share keeps two restores on one runner apart.
 */
export class SpooledBackup {
  private constructor(
    readonly catalog: BackupCatalog,
    private readonly directory: string
  ) {}

  /** Reading the whole archive before any write is the verification: a truncated or corrupt tarball fails here. */
  static async open(store: ObjectStore, backupName: string, tempDirectory: string): Promise<SpooledBackup> {
    const directory = await mkdtemp(path.join(tempDirectory, 'kube-restore-'));
    try {
      const index = await indexArchive(await store.get(backupKeys(backupName).tarball), path.join(directory, 'backup.tar'));
      return new SpooledBackup(new BackupCatalog(index), directory);
    } catch (err) {
      await removeDirectory(directory);
      throw err;
    }
  }

  async close(): Promise<void> {
    try {
      await this.catalog.close();
    } finally {
      await removeDirectory(this.directory);
    }
  }
}

function removeDirectory(directory: string): Promise<void> {
  return rm(directory, { recursive: true, force: true });
}
