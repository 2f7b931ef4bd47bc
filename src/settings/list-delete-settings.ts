import { parseGoDuration } from '../util/duration.js';
import { InputError } from '../util/errors.js';
import { splitList } from '../util/lists.js';
import type { InputReader } from './input-reader.js';
import { parseLeaseSettings, readNamespace, type LeaseSettings } from './lifecycle-settings.js';
import { checkName } from './names.js';

export interface ListSettings {
  /** The freshness alarm: the newest Completed backup (of `scheduleName`, when set) must be younger than this. */
  maxAgeMs?: number;
  scheduleName?: string;
}

export interface DeleteSettings {
  /** The backups to delete, each with its CSI snapshots, restores and Backup object. */
  names: string[];
  veleroNamespace: string;
  lease: LeaseSettings;
}

export interface RestoreDeleteSettings {
  names: string[];
  lease: LeaseSettings;
}

export function parseListSettings(reader: InputReader): ListSettings {
  const maxAge = reader.get('max-age');
  const scheduleName = reader.get('schedule-name');
  if (scheduleName !== undefined) checkName('schedule-name', scheduleName);
  const maxAgeMs = maxAge === undefined ? undefined : parseGoDuration(maxAge, 'max-age');
  if (maxAgeMs === 0) throw new InputError('max-age', `'${maxAge}' would fail every run`, 'Give the longest a backup may be missed, such as 26h for a nightly schedule');
  return { ...(maxAgeMs !== undefined ? { maxAgeMs } : {}), ...(scheduleName !== undefined ? { scheduleName } : {}) };
}

/** `mode: delete` names one backup in `backup-name`; the CLI passes its arguments, comma-joined, under the same key. */
export function parseDeleteSettings(reader: InputReader): DeleteSettings {
  return { names: readNames(reader, 'backup-name', 'the backup to delete'), veleroNamespace: readNamespace(reader), lease: parseLeaseSettings(reader) };
}

export function parseRestoreDeleteSettings(reader: InputReader): RestoreDeleteSettings {
  return { names: readNames(reader, 'restore-name', 'the restore to delete'), lease: parseLeaseSettings(reader) };
}

function readNames(reader: InputReader, input: string, what: string): string[] {
  const names = [...new Set(splitList(reader.get(input)))];
  if (names.length === 0) throw new InputError(input, `is required: it names ${what}`, "List the location's backups and restores with mode: list, or 'kube-backup backup get'");
  for (const name of names) checkName(input, name, 253);
  return names;
}
