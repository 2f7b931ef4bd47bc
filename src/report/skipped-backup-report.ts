import type { BackupResult } from '../backup/run.js';

/** The job summary of a scheduled run that found its cron slot's backup made (or being made) by a twin run. */
export function skippedBackupSummary(result: BackupResult, slot: Date | undefined): string {
  return [
    `## Backup \`${result.name}\`: nothing to do`,
    '',
    `${result.skipped ?? 'another run made this backup'}.${slot ? ` Cron slot ${slot.toISOString()}.` : ''}`,
    '',
    result.phase === 'InProgress'
      ? 'That run reports the outcome.'
      : `That backup is ${result.phase}: ${result.items} items, ${result.errors} errors, ${result.warnings} warnings; expires ${result.expiration.toISOString()}.`,
    ''
  ].join('\n');
}
