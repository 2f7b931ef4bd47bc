import { timestampSuffix } from '../velero/time.js';

/**
 * The backup's name: explicit, else `<schedule>-<stamp>` (stamped with the cron slot when one is known, so two runs
 * for one slot pick the same name), else `backup-<stamp>`.
 */
export function backupName(options: { name?: string; scheduleName?: string; now: Date; slot?: Date }): string {
  if (options.name) return options.name;
  const stamp = timestampSuffix(options.slot ?? options.now);
  return options.scheduleName ? `${options.scheduleName}-${stamp}` : `backup-${stamp}`;
}
