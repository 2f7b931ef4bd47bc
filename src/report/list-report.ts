import type { ListResult } from '../list/run-list.js';
import type { ListedBackup } from '../list/freshness.js';
import { backupListColumns, backupListRows } from './backup-report.js';
import { markdownTable } from './table.js';

/** The step outputs of a list, by their action names. */
export function listOutputs(result: ListResult): Record<string, string> {
  return {
    backups: JSON.stringify(result.backups.map(backupJson)),
    newest: result.newest?.name ?? '',
    count: String(result.backups.length)
  };
}

/** The job summary: the freshness verdict first (it is why a scheduled list runs), then the table `backup get` prints. */
export function listSummary(result: ListResult): string {
  const lines = [`## Backups in \`${result.location}\``, ''];
  if (result.freshness) lines.push(`${result.freshness.fresh ? '**Fresh**' : '**Stale**'}: ${result.freshness.message}.`, '');
  lines.push(result.backups.length ? markdownTable(backupListColumns, backupListRows(result.backups, result.now)) : 'The location holds no backup.', '');
  return lines.join('\n');
}

/** One backup in the `backups` output: the fields a workflow reads, under stable names. */
function backupJson(b: ListedBackup): Record<string, string | number | null> {
  return {
    name: b.name,
    phase: b.phase,
    schedule: b.schedule ?? null,
    started: b.started ?? null,
    completed: b.completed ?? null,
    expires: b.expires ?? null,
    items: b.items ?? null,
    errors: b.errors ?? null,
    warnings: b.warnings ?? null,
    sizeBytes: b.sizeBytes
  };
}
