import { Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { KubeObject } from '../model/kube-object.js';
import { backupKeys } from '../storage/layout.js';
import type { ObjectStore } from '../storage/object-store.js';
import { DigestStream, digestOf, type Digest } from '../util/digest-stream.js';
import { NotFoundError } from '../util/errors.js';
import { ANNOTATIONS } from '../velero/vocabulary.js';
import { ChecksumManifest, ManifestFormatError, MAX_MANIFEST_SIZE } from './checksum-manifest.js';

/** A file of a backup that is not what the backup wrote: which file (its key), and how it differs. */
export class IntegrityError extends Error {
  constructor(
    readonly file: string,
    readonly problem: string
  ) {
    super(`${file}: ${problem}`);
    this.name = 'IntegrityError';
  }
}

const SHA256 = /^[0-9a-f]{64}$/;

/** A checksum manifest as read: decoded, and its bytes (what a signature covers), the very ones the sha256 matched. */
export interface StoredManifest {
  manifest: ChecksumManifest;
  bytes: Buffer;
}

/**
 * The backup's checksum manifest, checked against the sha256 its velero-backup.json (`backup`) records; undefined
 * when the backup has neither (Velero's own, or ours from before manifests): those can be checked structurally only.
 * IntegrityError, naming the file, when the two disagree in any way: the annotation without the manifest, the
 * manifest without the annotation (velero-backup.json was rewritten), other bytes, or a manifest that cannot be read.
 */
export async function readBackupManifest(store: ObjectStore, backupName: string, backup: KubeObject): Promise<ChecksumManifest | undefined> {
  return (await readStoredManifest(store, backupName, backup))?.manifest;
}

/** readBackupManifest, with the manifest's bytes: a signature is checked over exactly the bytes that were hashed. */
export async function readStoredManifest(store: ObjectStore, backupName: string, backup: KubeObject): Promise<StoredManifest | undefined> {
  const keys = backupKeys(backupName);
  const recorded = backup.metadata.annotations?.[ANNOTATIONS.checksumsSha256];
  const bytes = await readCapped(store, keys.checksums, MAX_MANIFEST_SIZE);
  if (recorded === undefined) {
    if (bytes === undefined) return undefined;
    throw new IntegrityError(keys.metadata, `records no ${ANNOTATIONS.checksumsSha256} annotation, yet the backup has a checksum manifest (${keys.checksums}): velero-backup.json is not the one the backup wrote`);
  }
  if (typeof recorded !== 'string' || !SHA256.test(recorded)) throw new IntegrityError(keys.metadata, `its ${ANNOTATIONS.checksumsSha256} annotation is not a sha256`);
  if (bytes === undefined) throw new IntegrityError(keys.checksums, 'is missing, but velero-backup.json records its sha256');
  const { sha256 } = digestOf(bytes);
  if (sha256 !== recorded) throw new IntegrityError(keys.checksums, `its sha256 is ${sha256}, but velero-backup.json records ${recorded}`);
  try {
    return { manifest: ChecksumManifest.decode(bytes, backupName), bytes };
  } catch (err) {
    if (err instanceof ManifestFormatError) throw new IntegrityError(keys.checksums, err.problem);
    throw err;
  }
}

/** A small object's bytes, or undefined when it does not exist; more than `max` bytes is refused as it streams. */
async function readCapped(store: ObjectStore, key: string, max: number): Promise<Buffer | undefined> {
  let stream;
  try {
    stream = await store.get(key);
  } catch (err) {
    if (err instanceof NotFoundError) return undefined;
    throw err;
  }
  const chunks: Buffer[] = [];
  let size = 0;
  try {
    for await (const chunk of stream) {
      size += (chunk as Buffer).length;
      if (size > max) throw new IntegrityError(key, `is over ${max} bytes, more than any checksum manifest`);
      chunks.push(chunk as Buffer);
    }
  } finally {
    stream.destroy();
  }
  return Buffer.concat(chunks);
}

/** The digest of a stored object's bytes, read once as they stream (memory flat whatever its size). */
export async function digestObject(store: ObjectStore, key: string): Promise<Digest> {
  const digest = new DigestStream();
  await pipeline(await store.get(key), digest, new Writable({ write: (_chunk, _encoding, done) => done() }));
  return digest.digest();
}
