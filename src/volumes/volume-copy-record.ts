import { gunzipSync } from 'node:zlib';
import { backupKeys, volumeCopyKey, type VolumeCopySubject } from '../storage/layout.js';
import { NotFoundError, errorMessage } from '../util/errors.js';
import type { Digest } from '../util/digest-stream.js';
import { gzipJson } from '../util/gzip.js';
import { isJsonObject } from '../util/json.js';
import type { ObjectStore } from '../storage/object-store.js';

/** How the data was read: through a container of the workload's own pod, or a short-lived pod of ours. */
export type CopyMethod = 'pod-exec' | 'data-mover-pod';

/**
 * One file-system copy, as `<backup>-fs-volumes.json.gz` records it: what it is of, where it is stored, and the
 * exact length and sha256 of both the tar stream (what a restore must feed `head -c`) and the stored gzip object.
 */
export interface VolumeCopyRecord {
  namespace: string;
  /** The claim, for a volume backed by a PersistentVolumeClaim (copied once, whichever pods mount it). */
  claim?: string;
  /** The claim's volume at backup time: Velero's volumeinfo is keyed by it. */
  persistentVolume?: string;
  /** The pod the data was read through (none when a data-mover pod read an unmounted claim). */
  pod?: string;
  /** The pod's name for the volume; for a pod's own volume (emptyDir), part of what it is of. */
  volume?: string;
  /** The pod volume's source type as Velero names it (`persistentVolumeClaim`, `emptyDir`, …). */
  volumeType: string;
  key: string;
  method: CopyMethod;
  result: 'succeeded' | 'failed';
  error?: string;
  /** The uncompressed tar stream. */
  tar?: Digest;
  /** The object as stored (gzip). */
  stored?: Digest;
  startTimestamp: string;
  completionTimestamp: string;
}

export interface VolumeCopiesFile {
  formatVersion: 1;
  copies: VolumeCopyRecord[];
}

export function subjectOf(record: Pick<VolumeCopyRecord, 'namespace' | 'claim' | 'pod' | 'volume'>): VolumeCopySubject {
  return record.claim ? { namespace: record.namespace, claim: record.claim } : { namespace: record.namespace, pod: record.pod!, volume: record.volume! };
}

export function encodeVolumeCopies(copies: VolumeCopyRecord[]): Buffer {
  const file: VolumeCopiesFile = { formatVersion: 1, copies };
  return gzipJson(file);
}

/**
 * The backup's copies, or none when it has no such file (Velero's backups, ours without volume copies). The file
 * comes from a bucket others can write: every record is checked (decodeVolumeCopies). `check` sees the file's bytes
 * as read (undefined when there is none) before anything is decoded: a restore holds them to the backup's checksum
 * manifest there, and throws to refuse them.
 */
export async function readVolumeCopies(store: ObjectStore, backupName: string, check?: (stored: Buffer | undefined) => void): Promise<VolumeCopyRecord[]> {
  const key = backupKeys(backupName).fsVolumes;
  const chunks: Buffer[] = [];
  try {
    for await (const chunk of await store.get(key)) chunks.push(chunk as Buffer);
  } catch (err) {
    if (!(err instanceof NotFoundError)) throw err;
    check?.(undefined);
    return [];
  }
  const bytes = Buffer.concat(chunks);
  check?.(bytes);
  return decodeVolumeCopies(bytes, backupName);
}

/**
 * The records of a stored copies file, each checked; a key that is not where its subject's copy belongs is refused,
 * so a restore never reads (or is steered to) another object.
 */
export function decodeVolumeCopies(bytes: Buffer, backupName: string): VolumeCopyRecord[] {
  const key = backupKeys(backupName).fsVolumes;
  let file: unknown;
  try {
    file = JSON.parse(gunzipSync(bytes).toString('utf8'));
  } catch (err) {
    throw new Error(`${key} is not gzipped JSON: ${errorMessage(err)}`);
  }
  if (!isJsonObject(file) || file.formatVersion !== 1 || !Array.isArray(file.copies)) throw new Error(`${key} is not a volume copies file of format 1`);
  return file.copies.map((entry, index) => {
    const problem = recordProblem(entry, backupName);
    if (problem) throw new Error(`${key}: copy #${index + 1} ${problem}`);
    return entry as VolumeCopyRecord;
  });
}

const NAME = /^[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?$/;
const SHA256 = /^[0-9a-f]{64}$/;

function recordProblem(entry: unknown, backupName: string): string | undefined {
  if (!isJsonObject(entry)) return 'is not an object';
  const { namespace, claim, pod, volume, key, result, tar, stored } = entry;
  if (typeof namespace !== 'string' || !NAME.test(namespace)) return 'has no valid namespace';
  for (const [field, value] of Object.entries({ claim, pod, persistentVolume: entry.persistentVolume })) {
    if (value !== undefined && (typeof value !== 'string' || !NAME.test(value))) return `has an invalid ${field}`;
  }
  if (volume !== undefined && (typeof volume !== 'string' || !NAME.test(volume))) return 'has an invalid volume name';
  if (!claim && !(pod && volume)) return 'names neither a claim nor a pod volume';
  if (key !== volumeCopyKey(backupName, subjectOf(entry as unknown as VolumeCopyRecord))) return `has key ${JSON.stringify(key)}, which is not where its copy belongs`;
  if (result !== 'succeeded' && result !== 'failed') return 'has no result';
  if (result === 'succeeded' && !(isDigest(tar) && isDigest(stored))) return 'succeeded but has no valid digests';
  return undefined;
}

function isDigest(value: unknown): value is Digest {
  return isJsonObject(value) && Number.isSafeInteger(value.bytes) && (value.bytes as number) >= 0 && typeof value.sha256 === 'string' && SHA256.test(value.sha256);
}
