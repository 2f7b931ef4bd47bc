import { CronError, parseCron } from './cron-slot.js';
import { DEFAULT_LEASE_TTL_MS, DEFAULT_LEASE_WAIT_MS } from '../coordination/lease.js';
import { InputError } from '../util/errors.js';
import { formatGoDuration, parseGoDuration } from '../util/duration.js';
import { readBoolean, type InputReader } from './input-reader.js';

export const DEFAULT_UNFINISHED_GRACE = '24h';
export const DEFAULT_VELERO_NAMESPACE = 'velero';
const MIN_LEASE_TTL_MS = 30_000;
const DNS_LABEL = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;

export interface LeaseSettings {
  ttlMs: number;
  waitMs: number;
}

export interface PruneSettings {
  dryRun: boolean;
  /** 0: no backup is kept beyond its expiration. */
  keepLast: number;
  unfinishedGraceMs: number;
  veleroNamespace: string;
  lease: LeaseSettings;
}

export interface SyncSettings {
  veleroNamespace: string;
  installCrds: boolean;
  lease: LeaseSettings;
}

/** The cron a backup's slot is computed from, and where it came from (for messages). */
export interface ScheduleSettings {
  cron: string;
  source: 'schedule event' | 'cron input';
}

export function parseLeaseSettings(reader: InputReader): LeaseSettings {
  const ttlMs = parseGoDuration(reader.get('lease-ttl') ?? formatGoDuration(DEFAULT_LEASE_TTL_MS), 'lease-ttl');
  if (ttlMs < MIN_LEASE_TTL_MS) throw new InputError('lease-ttl', `'${reader.get('lease-ttl')}' is too short`, 'Use at least 30s; the lease is renewed every third of it');
  const waitMs = parseGoDuration(reader.get('lease-wait') ?? formatGoDuration(DEFAULT_LEASE_WAIT_MS), 'lease-wait');
  return { ttlMs, waitMs };
}

export function parsePruneSettings(reader: InputReader): PruneSettings {
  return {
    dryRun: readBoolean(reader, 'dry-run', false),
    keepLast: readCount(reader, 'keep-last'),
    unfinishedGraceMs: parseGoDuration(reader.get('unfinished-grace') ?? DEFAULT_UNFINISHED_GRACE, 'unfinished-grace'),
    veleroNamespace: readNamespace(reader),
    lease: parseLeaseSettings(reader)
  };
}

export function parseSyncSettings(reader: InputReader): SyncSettings {
  return { veleroNamespace: readNamespace(reader), installCrds: readBoolean(reader, 'install-crds', false), lease: parseLeaseSettings(reader) };
}

/**
 * The cron a backup is slotted by: `github.event.schedule` when a schedule event started the run, else the `cron`
 * input. Only backups named by schedule-name have slots; an explicit backup-name has none.
 */
export function parseScheduleSettings(reader: InputReader, eventSchedule: string | undefined, backup: { name?: string; scheduleName?: string }): ScheduleSettings | undefined {
  const cronInput = reader.get('cron');
  if (cronInput !== undefined) {
    checkCron(cronInput, 'cron');
    if (!backup.scheduleName) throw new InputError('cron', 'needs schedule-name', "Set schedule-name: backups are named '<schedule-name>-<slot>'");
    if (backup.name) throw new InputError('cron', 'cannot be combined with backup-name', 'Leave backup-name empty so the backup is named after its cron slot');
  }
  if (!backup.scheduleName || backup.name) return undefined;
  const event = eventSchedule?.trim();
  if (event) {
    checkCron(event, 'github.event.schedule');
    return { cron: event, source: 'schedule event' };
  }
  return cronInput !== undefined ? { cron: cronInput, source: 'cron input' } : undefined;
}

function checkCron(expression: string, input: string): void {
  try {
    parseCron(expression);
  } catch (err) {
    if (err instanceof CronError) throw new InputError(input, err.message, "Use GitHub's five-field UTC syntax, such as '0 2 * * *' for 02:00 every day");
    throw err;
  }
}

function readCount(reader: InputReader, name: string): number {
  const raw = reader.get(name);
  if (raw === undefined) return 0;
  const value = Number(raw);
  if (!/^\d+$/.test(raw) || !Number.isSafeInteger(value)) throw new InputError(name, `'${raw}' is not a whole number of 0 or more`);
  return value;
}

export function readNamespace(reader: InputReader): string {
  const value = reader.get('velero-namespace') ?? DEFAULT_VELERO_NAMESPACE;
  if (!DNS_LABEL.test(value)) {
    throw new InputError('velero-namespace', `'${value}' is not a valid namespace name`, "Use at most 63 lower-case letters, digits or '-', starting and ending with a letter or digit");
  }
  return value;
}
