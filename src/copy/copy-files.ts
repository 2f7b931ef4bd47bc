import type { ChecksumManifest } from '../integrity/checksum-manifest.js';
import { backupKeys } from '../storage/layout.js';
import type { ObjectInfo } from '../storage/object-store.js';
import type { ExpectedFile } from './checked-stream.js';

/** One file a copy streams, and what it must be. */
export interface FileToCopy {
  key: string;
  expected: ExpectedFile;
}

export type CopyFiles = { files: FileToCopy[]; bytes: number } | { problems: { file: string; problem: string }[] };

/** Our own transient files in a backup folder (kube-backup-pruning.json, kube-backup-copy.json): never part of a backup. */
const OWN_MARKER = /\/kube-backup-[a-z-]+\.json$/;

/**
 * The files of backup `name` a copy takes, besides velero-backup.json (written last, rewritten) and the checksum
 * manifest (written just before it, from the bytes already checked): with a manifest, exactly the files it lists,
 * each held to its size and sha256, and every one must be in the source folder (`listing`) at its recorded size;
 * without one (a backup of Velero's, or ours from before manifests), every file the folder holds, held to the size
 * the listing gives. Pure.
 */
export function filesToCopy(name: string, manifest: ChecksumManifest | undefined, listing: readonly ObjectInfo[]): CopyFiles {
  const keys = backupKeys(name);
  const sizes = new Map(listing.map((info) => [info.key, info.size]));
  if (manifest) {
    const problems: { file: string; problem: string }[] = [];
    const files: FileToCopy[] = [];
    for (const { key, checksum } of manifest.entries()) {
      const size = sizes.get(key);
      if (size === undefined) problems.push({ file: key, problem: 'is missing at the source, but the checksum manifest lists it' });
      else if (size !== checksum.size) problems.push({ file: key, problem: `is ${size} bytes at the source, but the checksum manifest records ${checksum.size}` });
      else files.push({ key, expected: { size: checksum.size, sha256: checksum.sha256 } });
    }
    return problems.length ? { problems } : { files, bytes: sum(files) };
  }
  const files = listing
    .filter((info) => info.key.startsWith(keys.folder) && info.key !== keys.metadata && info.key !== keys.checksums && !OWN_MARKER.test(info.key))
    .map((info) => ({ key: info.key, expected: { size: info.size } }));
  return { files, bytes: sum(files) };
}

function sum(files: readonly FileToCopy[]): number {
  return files.reduce((total, file) => total + file.expected.size, 0);
}

/** The content type a copied file is stored with, from its name. */
export function contentTypeOf(key: string): string {
  if (key.endsWith('.json')) return 'application/json';
  if (key.endsWith('.gz')) return 'application/gzip';
  return 'application/octet-stream';
}
