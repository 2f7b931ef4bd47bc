import { listStoredBackups, statusOf, type StoredBackup } from '../persistence/stored-backups.js';
import type { ListSettings } from '../settings/list-delete-settings.js';
import { BACKUPS_FOLDER } from '../storage/layout.js';
import type { ObjectStore } from '../storage/object-store.js';
import type { Logger } from '../util/logger.js';
import { LABELS } from '../velero/vocabulary.js';
import { checkFreshness, newestCompleted, type Freshness, type ListedBackup } from './freshness.js';

export interface ListContext {
  store: ObjectStore;
  logger: Logger;
  clock?: () => Date;
  signal?: AbortSignal;
}

export interface ListResult {
  location: string;
  now: Date;
  /** Every backup folder, newest first (by start; unfinished and corrupt ones last). */
  backups: ListedBackup[];
  /** The Completed backup (of the schedule, when given) that finished last. */
  newest?: ListedBackup;
  /** With max-age: whether the newest Completed backup is recent enough. */
  freshness?: Freshness;
  scheduleName?: string;
}

/** `mode: list`: the location's backups with phase, age, expiry, size and items; with max-age, the freshness alarm. */
export async function runList(context: ListContext, settings: ListSettings): Promise<ListResult> {
  const now = (context.clock ?? (() => new Date()))();
  const backups = await listBackups(context.store, context.signal);
  context.logger.info(`${backups.length} backup folders in ${context.store.url}`);
  const newest = newestCompleted(backups, settings.scheduleName);
  const result: ListResult = { location: context.store.url, now, backups, ...(newest ? { newest } : {}), ...(settings.scheduleName ? { scheduleName: settings.scheduleName } : {}) };
  if (settings.maxAgeMs !== undefined) {
    result.freshness = checkFreshness(backups, { maxAgeMs: settings.maxAgeMs, scheduleName: settings.scheduleName, now });
    context.logger.info(`Freshness: ${result.freshness.message}`);
  }
  return result;
}

/**
 * Every backup folder with its size. The sizes come from one listing of `backups/` (one request per thousand
 * objects), not one per folder; memory holds a number per folder, never the objects.
 */
export async function listBackups(store: ObjectStore, signal?: AbortSignal): Promise<ListedBackup[]> {
  const sizes = new Map<string, number>();
  for await (const object of store.list(BACKUPS_FOLDER)) {
    signal?.throwIfAborted();
    const name = object.key.slice(BACKUPS_FOLDER.length).split('/')[0]!;
    sizes.set(name, (sizes.get(name) ?? 0) + object.size);
  }
  const listed: ListedBackup[] = [];
  for await (const stored of listStoredBackups(store)) {
    signal?.throwIfAborted();
    listed.push(listedBackup(stored, sizes.get(stored.name) ?? 0));
  }
  const started = (b: ListedBackup) => (b.started ? Date.parse(b.started) || 0 : -1);
  return listed.sort((a, b) => started(b) - started(a) || b.name.localeCompare(a.name));
}

/** One stored backup as a row of the list (pure). */
export function listedBackup(stored: StoredBackup, sizeBytes: number): ListedBackup {
  if (stored.state === 'unfinished') return { name: stored.name, phase: 'Unfinished', sizeBytes };
  if (stored.state === 'corrupt') return { name: stored.name, phase: 'Corrupt', sizeBytes };
  const status = statusOf(stored.backup);
  const schedule = stored.backup.metadata.labels?.[LABELS.scheduleName];
  const completed = status.completionTimestamp;
  const items = status.progress?.itemsBackedUp ?? status.progress?.totalItems;
  return {
    name: stored.name,
    phase: status.phase ?? 'Unknown',
    ...(schedule ? { schedule } : {}),
    ...(status.startTimestamp ? { started: status.startTimestamp } : {}),
    ...(completed ? { completed } : {}),
    ...(status.expiration ? { expires: status.expiration } : {}),
    ...(items !== undefined ? { items } : {}),
    errors: status.errors ?? 0,
    warnings: status.warnings ?? 0,
    sizeBytes
  };
}
