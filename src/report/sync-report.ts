import { markdownTable } from './table.js';
import type { SyncResult } from '../sync/run-sync.js';

/** The step outputs of a sync, by their action names. */
export function syncOutputs(result: SyncResult): Record<string, string> {
  return { created: String(result.created.length), deleted: String(result.deleted.length) };
}

export function syncSummary(result: SyncResult): string {
  const lines = [
    `## Sync of \`${result.location}\` into namespace \`${result.namespace}\``,
    '',
    `${result.created.length} Backup objects created, ${result.deleted.length} deleted, ${result.present} already present, ${result.skipped.length} skipped.`,
    ''
  ];
  if (result.crdInstalled) lines.push('Installed the `backups.velero.io` CRD.', '');
  if (result.namespaceCreated) lines.push(`Created namespace \`${result.namespace}\`.`, '');
  const rows = [...result.created.map((name) => [name, 'created']), ...result.deleted.map((name) => [name, 'deleted (folder gone)'])];
  if (rows.length) lines.push('### Changes', '', markdownTable(['Backup', 'Change'], rows), '');
  if (result.skipped.length) lines.push('### Not synced', '', markdownTable(['Backup', 'Problem'], result.skipped.map((s) => [s.name, s.problem])), '');
  return lines.join('\n');
}
