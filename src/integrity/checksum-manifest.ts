import { backupFileKind, backupKeys, type BackupFileKind } from '../storage/layout.js';
import type { Digest } from '../util/digest-stream.js';
import { errorMessage } from '../util/errors.js';
import { isJsonObject } from '../util/json.js';

/**
 * `backups/<b>/<b>-checksums.json`: the size and sha256 of every file a backup wrote, keyed by its path relative to
 * the backup's folder. Pure: encoding, and decoding what a bucket holds (so from whoever could write there).
 *
 *   { "formatVersion": 1, "algorithm": "sha256", "backup": "<b>",
 *     "files": { "<b>.tar.gz": { "size": 123, "sha256": "…" }, "<b>-volumes/ns/pvc/data.tar.gz": { … } } }
 */
export const MANIFEST_FORMAT_VERSION = 1;
export const MANIFEST_ALGORITHM = 'sha256';
/** A manifest lists a few files per volume copy, ~150 bytes each: 16 MiB is over 100,000 of them. */
export const MAX_MANIFEST_SIZE = 16 * 1024 * 1024;

const SHA256 = /^[0-9a-f]{64}$/;

/** One recorded file: its size in bytes and its sha256 (lower-case hex). */
export interface FileChecksum {
  size: number;
  sha256: string;
}

/** A manifest that cannot be trusted: not JSON, another format, or a key that is not a file of its backup. */
export class ManifestFormatError extends Error {
  constructor(
    readonly key: string,
    readonly problem: string
  ) {
    super(`${key}: ${problem}`);
    this.name = 'ManifestFormatError';
  }
}

/** A decoded manifest: lookups by the file's full key (as the store names it). */
export class ChecksumManifest {
  private constructor(
    readonly backupName: string,
    /** By key relative to the backup's folder, in key order. */
    private readonly files: ReadonlyMap<string, FileChecksum>
  ) {}

  /** Built from what a backup wrote (full keys); throws on a key that is not a file of that backup (a bug). */
  static of(backupName: string, files: Iterable<[key: string, checksum: FileChecksum]>): ChecksumManifest {
    const folder = backupKeys(backupName).folder;
    const relative = new Map<string, FileChecksum>();
    for (const [key, checksum] of files) {
      const name = key.startsWith(folder) ? key.slice(folder.length) : undefined;
      const problem = name === undefined ? 'is outside the backup folder' : keyProblem(backupName, name);
      if (problem) throw new Error(`cannot record ${key} in the checksum manifest: it ${problem}`);
      if (relative.has(name!)) throw new Error(`cannot record ${key} in the checksum manifest twice`);
      relative.set(name!, checksum);
    }
    return new ChecksumManifest(backupName, sorted(relative));
  }

  /** The manifest as stored: plain JSON, keys sorted, so the same files always give the same bytes. */
  encode(): Buffer {
    const files: Record<string, FileChecksum> = {};
    for (const [name, { size, sha256 }] of this.files) files[name] = { size, sha256 };
    return Buffer.from(`${JSON.stringify({ formatVersion: MANIFEST_FORMAT_VERSION, algorithm: MANIFEST_ALGORITHM, backup: this.backupName, files }, null, 2)}\n`);
  }

  /**
   * A stored manifest, checked: format 1 and sha256, this backup's name, and every key a file this backup writes
   * (a known side file or a volume copy), never velero-backup.json, the manifest itself, `..`, absolute paths or
   * anything outside the folder. Throws ManifestFormatError naming the manifest and the first problem.
   */
  static decode(bytes: Buffer, backupName: string): ChecksumManifest {
    const where = backupKeys(backupName).checksums;
    const refuse = (problem: string) => new ManifestFormatError(where, problem);
    if (bytes.length > MAX_MANIFEST_SIZE) throw refuse(`it is ${bytes.length} bytes, more than any checksum manifest`);
    let value: unknown;
    try {
      value = JSON.parse(bytes.toString('utf8'));
    } catch (err) {
      throw refuse(`not valid JSON (${errorMessage(err).slice(0, 100)})`);
    }
    if (!isJsonObject(value)) throw refuse('not a checksum manifest (not a JSON object)');
    if (value.formatVersion !== MANIFEST_FORMAT_VERSION) throw refuse(`formatVersion ${JSON.stringify(value.formatVersion) ?? 'missing'} is not one this version reads (${MANIFEST_FORMAT_VERSION})`);
    if (value.algorithm !== MANIFEST_ALGORITHM) throw refuse(`algorithm ${JSON.stringify(value.algorithm) ?? 'missing'} is not ${MANIFEST_ALGORITHM}`);
    if (value.backup !== backupName) throw refuse(`it is the manifest of backup ${JSON.stringify(value.backup) ?? '(none)'}, not of '${backupName}'`);
    if (!isJsonObject(value.files)) throw refuse('it has no files object');
    const files = new Map<string, FileChecksum>();
    for (const [name, entry] of Object.entries(value.files)) {
      const shown = JSON.stringify(name).slice(0, 300);
      const problem = keyProblem(backupName, name);
      if (problem) throw refuse(`key ${shown} ${problem}`);
      if (!isChecksum(entry)) throw refuse(`key ${shown} has no valid size and sha256`);
      files.set(name, { size: entry.size, sha256: entry.sha256 });
    }
    return new ChecksumManifest(backupName, sorted(files));
  }

  /** The recorded checksum of the file at `key` (a full key), or undefined when the manifest does not list it. */
  entry(key: string): FileChecksum | undefined {
    const folder = backupKeys(this.backupName).folder;
    return key.startsWith(folder) ? this.files.get(key.slice(folder.length)) : undefined;
  }

  /** Every listed file: its full key, what it is, and its checksum, in key order. */
  *entries(): Iterable<{ key: string; kind: BackupFileKind; checksum: FileChecksum }> {
    const folder = backupKeys(this.backupName).folder;
    for (const [name, checksum] of this.files) yield { key: `${folder}${name}`, kind: backupFileKind(this.backupName, name)!, checksum };
  }

  get size(): number {
    return this.files.size;
  }
}

/**
 * What is wrong with checking `digest` (what was read) against `recorded`, or undefined when they are equal.
 * Sizes first: a truncated file says so plainly.
 */
export function checksumProblem(recorded: FileChecksum, digest: Digest): string | undefined {
  if (digest.bytes !== recorded.size) return `it is ${digest.bytes} bytes, but the checksum manifest records ${recorded.size}`;
  if (digest.sha256 !== recorded.sha256) return `its sha256 is ${digest.sha256}, but the checksum manifest records ${recorded.sha256}`;
  return undefined;
}

export function checksumOf(digest: Digest): FileChecksum {
  return { size: digest.bytes, sha256: digest.sha256 };
}

/** Why `name` (relative to the backup's folder) cannot be a key of its manifest, or undefined. */
function keyProblem(backupName: string, name: string): string | undefined {
  if (name.startsWith('/') || name.startsWith('\\')) return 'is an absolute path';
  const segments = name.split(/[/\\]/);
  if (segments.includes('..')) return "climbs out of the backup folder with '..'";
  if (segments.includes('.') || segments.includes('')) return 'has an empty or . segment';
  if (backupFileKind(backupName, name) === undefined) return 'is not a file this backup writes';
  return undefined;
}

function isChecksum(value: unknown): value is FileChecksum {
  return isJsonObject(value) && Number.isSafeInteger(value.size) && (value.size as number) >= 0 && typeof value.sha256 === 'string' && SHA256.test(value.sha256);
}

function sorted(files: Map<string, FileChecksum>): Map<string, FileChecksum> {
  return new Map([...files].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}
