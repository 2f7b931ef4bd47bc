import { cronSlot } from './cron-slot.js';
import { parseBackupSettings, type BackupSettings } from './backup-settings.js';
import { readBoolean, type InputReader } from './input-reader.js';
import { parseLeaseSettings, parseScheduleSettings, type LeaseSettings, type ScheduleSettings } from './lifecycle-settings.js';

/** Everything a backup run needs from its inputs, for the action and `backup create` alike. */
export interface BackupRunSettings {
  settings: BackupSettings;
  lease: LeaseSettings;
  schedule?: ScheduleSettings;
  /** The cron tick this run belongs to, not its (possibly late) start: twin runs pick the same name. */
  slot?: Date;
  /** Upload the backup's folder as a workflow artifact when the location is a local directory (action only). */
  uploadLocalBackup: boolean;
}

export function parseBackupRun(reader: InputReader, eventSchedule: string | undefined, now: Date): BackupRunSettings {
  const settings = parseBackupSettings(reader);
  const schedule = parseScheduleSettings(reader, eventSchedule, settings);
  return { settings, lease: parseLeaseSettings(reader), schedule, slot: schedule ? cronSlot(schedule.cron, now) : undefined, uploadLocalBackup: readBoolean(reader, 'upload-local-backup', false) };
}
