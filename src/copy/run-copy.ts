import { addAbortSignal, pipeline } from 'node:stream';
import pLimit from 'p-limit';
import { acquireLease, LeaseLostError, type Lease, type LeaseOptions } from '../coordination/lease.js';
import { IntegrityError, readStoredManifest, type StoredManifest } from '../integrity/stored-manifest.js';
import type { KubeObject } from '../model/kube-object.js';
import { chooseBackup } from '../persistence/choose-backup.js';
import { copyMarkerBody, copyMarkerKey, snapshotsOwnedBy } from '../persistence/copy-origin.js';
import { listStoredBackups } from '../persistence/stored-backups.js';
import type { CopySettings } from '../settings/copy-settings.js';
import { backupKeys } from '../storage/layout.js';
import type { ObjectInfo, ObjectStore } from '../storage/object-store.js';
import { AlreadyExistsError, errorMessage } from '../util/errors.js';
import type { Logger } from '../util/logger.js';
import { ANNOTATIONS } from '../velero/vocabulary.js';
import { CheckedStream } from './checked-stream.js';
import { contentTypeOf, filesToCopy, type FileToCopy } from './copy-files.js';

/** A finding of a verification, by file (its key). */
export interface CopyProblem {
  file: string;
  problem: string;
}

/**
 * Verifies a backup where it now is (verify/verifyBackup, passed in by the edges: modes do not import each other).
 * `structural-only`: a backup without a checksum manifest, whose structure holds.
 */
export type VerifyStoredBackup = (store: ObjectStore, name: string, signal?: AbortSignal) => Promise<{ state: 'verified' | 'structural-only' | 'failed'; problems: CopyProblem[] }>;

export interface CopyContext {
  /** The location copied from: only read. */
  source: ObjectStore;
  /** The location copied to: written under its lease. */
  destination: ObjectStore;
  verify: VerifyStoredBackup;
  logger: Logger;
  /** Who runs this copy, shown to a run that has to wait for the destination's lease. */
  holder: string;
  /** Overrides for the lease (poll period, heartbeat); the ttl and wait come from the settings. */
  lease?: Partial<LeaseOptions>;
  clock?: () => Date;
  /** Aborted when the run is cancelled: the file being streamed fails, and what the copy wrote is removed. */
  signal?: AbortSignal;
  /** Files streamed at once; each holds at most a part of the destination's upload in memory. */
  concurrency?: number;
}

export interface CopiedBackup {
  name: string;
  files: number;
  bytes: number;
  /** How the destination verified: `structural-only` for a backup without a checksum manifest. */
  verification: 'verified' | 'structural-only';
  /** The location that owns its CSI snapshots (the annotation the copy carries). */
  snapshotsOwnedBy: string;
}

export interface SkippedCopy {
  name: string;
  reason: string;
}

export interface FailedCopy {
  name: string;
  message: string;
  problems: CopyProblem[];
}

export interface CopyResult {
  from: string;
  to: string;
  copied: CopiedBackup[];
  skipped: SkippedCopy[];
  failed: FailedCopy[];
}

const DEFAULT_CONCURRENCY = 4;

/**
 * `mode: copy` and `backup copy`: copies backups to a second location, each as its own write-once unit: a marker
 * naming the snapshots' owner first, every file streamed from the source through a check against the source's
 * checksum manifest, the manifest, and velero-backup.json last (annotated with the location owning its CSI
 * snapshots, which are never copied), then the destination is verified. A backup that fails anywhere before it is
 * committed has what it wrote removed; one that fails verification after is un-committed (velero-backup.json
 * first). The destination's lease is held throughout; the source is only read.
 */
export async function runCopy(context: CopyContext, settings: CopySettings): Promise<CopyResult> {
  const { source, destination, logger } = context;
  const result: CopyResult = { from: source.url, to: destination.url, copied: [], skipped: [], failed: [] };
  const names = await namesToCopy(context, settings, result);
  if (names.length === 0) {
    logger.info(`Nothing to copy from ${source.url} to ${destination.url}`);
    return result;
  }
  const lease = await acquireLease(destination, {
    operation: 'copy',
    holder: context.holder,
    target: settings.target.kind === 'all' ? undefined : names[0]!.name,
    ttlMs: settings.lease.ttlMs,
    waitMs: settings.lease.waitMs,
    clock: context.clock,
    logger,
    ...context.lease
  });
  try {
    for (const { name, backup } of names) {
      context.signal?.throwIfAborted();
      lease.assertHeld();
      // Checked under the lease: a backup written there since the listing is not overwritten.
      if (await destination.head(backupKeys(name).metadata)) {
        result.skipped.push({ name, reason: `already in ${destination.url}` });
        continue;
      }
      await copyOne(context, lease, name, backup, result);
    }
  } finally {
    await lease.release();
  }
  return result;
}

interface SourceBackup {
  name: string;
  backup: KubeObject;
}

async function namesToCopy(context: CopyContext, { target }: CopySettings, result: CopyResult): Promise<SourceBackup[]> {
  const { source, destination } = context;
  if (target.kind !== 'all') {
    const chosen = await chooseBackup(source, target);
    if (await destination.head(backupKeys(chosen.name).metadata)) {
      result.skipped.push({ name: chosen.name, reason: `already in ${destination.url}` });
      context.logger.info(`Backup ${chosen.name} is already in ${destination.url}: nothing to copy`);
      return [];
    }
    return [chosen];
  }
  const there = new Set<string>();
  for await (const stored of listStoredBackups(destination)) if (stored.state !== 'unfinished') there.add(stored.name);
  const names: SourceBackup[] = [];
  for await (const stored of listStoredBackups(source)) {
    if (stored.state === 'unfinished') continue;
    if (there.has(stored.name)) result.skipped.push({ name: stored.name, reason: `already in ${destination.url}` });
    else if (stored.state === 'corrupt') result.failed.push({ name: stored.name, message: `cannot be read at the source: ${stored.problem}`, problems: [] });
    else names.push({ name: stored.name, backup: stored.backup });
  }
  return names;
}

/** One backup, copied and verified, or failed with nothing of it left visible at the destination. */
async function copyOne(context: CopyContext, lease: Lease, name: string, backup: KubeObject, result: CopyResult): Promise<void> {
  const { source, destination, logger } = context;
  const keys = backupKeys(name);
  const fail = (message: string, problems: CopyProblem[] = []) => {
    result.failed.push({ name, message, problems });
    logger.error(`Backup ${name} was not copied: ${message}`);
    for (const { file, problem } of problems.slice(0, 10)) logger.error(`  ${file}: ${problem}`);
  };

  let stored: StoredManifest | undefined;
  try {
    stored = await readStoredManifest(source, name, backup);
  } catch (err) {
    if (!(err instanceof IntegrityError)) throw err;
    return fail('its checksum manifest does not hold at the source', [{ file: err.file, problem: err.problem }]);
  }
  const plan = filesToCopy(name, stored?.manifest, await listFolder(source, keys.folder));
  if ('problems' in plan) return fail('its files do not match its checksum manifest at the source', plan.problems);

  const owner = snapshotsOwnedBy(backup) ?? source.url;
  const copied = { ...backup, metadata: { ...backup.metadata, annotations: { ...backup.metadata.annotations, [ANNOTATIONS.snapshotsOwnedBy]: owner } } };
  logger.info(`Copying backup ${name}: ${plan.files.length} files, ${plan.bytes} bytes, from ${source.url} to ${destination.url}`);

  const written: string[] = [];
  try {
    await destination.put(copyMarkerKey(name), copyMarkerBody(owner), { contentType: 'application/json' });
    written.push(copyMarkerKey(name));
    await copyFiles(context, plan.files, written);
    // Bytes already held to the sha256 velero-backup.json records, when the manifest was read above.
    if (stored) {
      await destination.put(keys.checksums, stored.bytes, { contentType: 'application/json' });
      written.push(keys.checksums);
    }
    context.signal?.throwIfAborted();
    // Committing after losing the lease could race the run that took the destination over.
    lease.assertHeld();
    await destination.put(keys.metadata, `${JSON.stringify(copied, null, 2)}\n`, { contentType: 'application/json', ifNoneMatch: true });
  } catch (err) {
    // Another writer's velero-backup.json: the files are theirs now as much as ours, so nothing is removed.
    if (!(err instanceof AlreadyExistsError)) await removeUncommitted(destination, name, written, logger);
    if (err instanceof LeaseLostError || context.signal?.aborted) throw err;
    if (err instanceof IntegrityError) return fail('a file does not match the checksum manifest at the source', [{ file: err.file, problem: err.problem }]);
    return fail(errorMessage(err));
  }

  const verification = await context.verify(destination, name, context.signal);
  if (verification.state === 'failed') {
    // Un-committed, velero-backup.json first, as prune deletes: a copy that does not verify must not be restorable.
    await destination.deleteMany([keys.metadata]);
    await removeUncommitted(destination, name, written, logger);
    return fail(`it did not verify at ${destination.url}, so it was removed there`, verification.problems);
  }
  result.copied.push({ name, files: plan.files.length + (stored ? 2 : 1), bytes: plan.bytes, verification: verification.state, snapshotsOwnedBy: owner });
  logger.info(`Copied backup ${name} to ${destination.url} and verified it there (${verification.state === 'verified' ? 'every file matches its checksum manifest' : 'structure only: it has no checksum manifest'})`);
}

/**
 * The files, a few at a time, each key added to `written` once stored. The first failure stops the others (their
 * uploads are abandoned, so never visible), and is thrown once every one has settled: `written` is then complete.
 */
async function copyFiles(context: CopyContext, files: readonly FileToCopy[], written: string[]): Promise<void> {
  const stop = new AbortController();
  const signal = context.signal ? AbortSignal.any([context.signal, stop.signal]) : stop.signal;
  const limit = pLimit(context.concurrency ?? DEFAULT_CONCURRENCY);
  let first: unknown;
  await Promise.all(
    files.map((file) =>
      limit(async () => {
        if (signal.aborted) return;
        try {
          await copyFile(context, file, signal);
          written.push(file.key);
        } catch (err) {
          if (first === undefined) first = err;
          stop.abort(err);
        }
      })
    )
  );
  context.signal?.throwIfAborted();
  if (first !== undefined) throw first;
}

/** One file from source to destination, streamed through its check; the put fails when the check does. */
async function copyFile(context: CopyContext, file: FileToCopy, signal: AbortSignal): Promise<void> {
  const checked = new CheckedStream(file.key, file.expected);
  addAbortSignal(signal, checked);
  // The callback only keeps pipeline's error from being unhandled: the put gets the same error through `checked`.
  const body = pipeline(await context.source.get(file.key), checked, () => {});
  await context.destination.put(file.key, body, { contentType: contentTypeOf(file.key) });
  // A put that returned without reading to the end would have stored part of the file.
  if (!checked.finished) throw new IntegrityError(file.key, 'was not read to its end while copied');
}

/** What a copy wrote before it failed, removed (the marker last, so an interrupted removal stays safe from prune). */
async function removeUncommitted(destination: ObjectStore, name: string, written: readonly string[], logger: Logger): Promise<void> {
  const marker = copyMarkerKey(name);
  try {
    await destination.deleteMany(written.filter((key) => key !== marker));
    if (written.includes(marker)) await destination.deleteMany([marker]);
  } catch (err) {
    logger.warn(`Could not remove what an unfinished copy wrote to ${destination.url} (${errorMessage(err)}); it holds no velero-backup.json, so no one sees it, and prune removes it after unfinished-grace`);
  }
}

async function listFolder(store: ObjectStore, folder: string): Promise<ObjectInfo[]> {
  const listing: ObjectInfo[] = [];
  for await (const info of store.list(folder)) listing.push(info);
  return listing;
}
