import type { DeleteResult, RestoreDeleteResult } from '../prune/run-delete.js';
import { formatBytes } from '../util/byte-size.js';
import { SNAPSHOT_HEADERS, snapshotRow } from './prune-report.js';
import { markdownTable } from './table.js';

/** The step outputs of a delete, under the names prune uses for the same things. */
export function deleteOutputs(result: DeleteResult): Record<string, string> {
  return { deleted: String(result.deleted.length), 'deleted-backups': JSON.stringify(result.deleted.map((b) => b.name)) };
}

/** The job summary: what was deleted with each backup, the snapshots, what could not be deleted and why. */
export function deleteSummary(result: DeleteResult): string {
  const lines = [`## Delete from \`${result.location}\``, ''];
  if (result.deleted.length) {
    const rows = result.deleted.map((b) => [
      b.name,
      b.phase ?? 'unfinished',
      b.restores.join(', '),
      b.snapshotsLeftAlone ? 'left to their owner' : String(b.snapshots.length),
      b.recordDeleted ? 'deleted' : b.recordLeftAlone ? `left alone: ${b.recordLeftAlone}` : 'none',
      String(b.objects),
      formatBytes(b.bytes)
    ]);
    lines.push('### Backups deleted', '', markdownTable(['Backup', 'Phase', 'Restores', 'CSI snapshots', 'Backup object', 'Objects', 'Size'], rows), '');
  }
  const snapshotRows = result.deleted.flatMap((b) => b.snapshots.map((s) => snapshotRow(b.name, s)));
  if (snapshotRows.length) lines.push('### CSI snapshots deleted', '', markdownTable(SNAPSHOT_HEADERS, snapshotRows), '');
  const leftToOwner = result.deleted.filter((b) => b.snapshotsLeftAlone);
  if (leftToOwner.length) lines.push(...leftToOwner.map((b) => `- ${b.name}: ${b.snapshotsLeftAlone}`), '');
  if (result.failures.length) {
    lines.push('### Not deleted', '', ...result.failures.map((f) => `- ${f.name}: ${f.message}`), '');
    const failedSnapshots = result.failures.flatMap((f) => (f.snapshots ?? []).map((s) => snapshotRow(f.name, s)));
    if (failedSnapshots.length) lines.push(markdownTable(SNAPSHOT_HEADERS, failedSnapshots), '');
  }
  if (result.warnings.length) lines.push('### Warnings', '', ...result.warnings.slice(0, 50).map((w) => `- ${w}`), '');
  return lines.join('\n');
}

/** `backup delete` on a terminal: one line per backup, as `velero backup delete` answers. */
export function deleteText(result: DeleteResult): string {
  return [
    ...result.deleted.map((b) => {
      const withIt = [b.restores.length ? `${b.restores.length} restores` : '', b.snapshots.length ? `${b.snapshots.length} CSI snapshots` : '', b.recordDeleted ? 'its Backup object' : ''].filter(Boolean);
      return `Backup "${b.name}" deleted${withIt.length ? ` with ${withIt.join(', ')}` : ''} (${b.objects} objects, ${formatBytes(b.bytes)}).${b.snapshotsLeftAlone ? ` ${b.snapshotsLeftAlone}.` : ''}`;
    }),
    ...result.failures.map((f) => `Backup "${f.name}" not deleted: ${f.message}`),
    ...result.warnings.map((w) => `warning: ${w}`)
  ].join('\n');
}

export function restoreDeleteText(result: RestoreDeleteResult): string {
  return result.deleted.map((r) => `Restore "${r.name}" deleted (${r.objects} objects, ${formatBytes(r.bytes)}).`).join('\n');
}
