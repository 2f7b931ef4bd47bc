import { backupKeys } from '../../src/storage/layout.js';
import { readText, type ObjectStore } from '../../src/storage/object-store.js';
import { ANNOTATIONS } from '../../src/velero/vocabulary.js';

/**
 * Makes a stored backup one without a checksum manifest (as Velero's, or ours from before manifests): the manifest
 * deleted, its annotation taken off velero-backup.json. For tests that damage a file on purpose to reach a check
 * past the manifest (a copy streamed into its claim, the copies record's own rules): with the manifest in place, a
 * restore refuses the backup before its first write.
 */
export async function dropChecksumManifest(store: ObjectStore, name: string): Promise<void> {
  const keys = backupKeys(name);
  const backup = JSON.parse(await readText(store, keys.metadata)) as { metadata: { annotations?: Record<string, string> } };
  delete backup.metadata.annotations?.[ANNOTATIONS.checksumsSha256];
  await store.deleteMany([keys.checksums, keys.metadata]);
  await store.put(keys.metadata, `${JSON.stringify(backup, null, 2)}\n`);
}
