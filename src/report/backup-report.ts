import type { BackupResult } from '../backup/run.js';
import { statusOf, type StoredBackup } from '../persistence/stored-backups.js';
import { markdownTable, terminalTable } from './table.js';
import { flattenResults } from './results.js';
import { formatBytes } from '../util/byte-size.js';

/** The step outputs of a backup, by their action names. */
export function backupOutputs(result: BackupResult): Record<string, string> {
  return {
    'backup-name': result.name,
    phase: result.phase,
    items: String(result.items),
    errors: String(result.errors),
    warnings: String(result.warnings),
    location: result.location
  };
}

/** The job summary: headline, then items per resource type and per namespace, then the first errors. */
export function backupSummary(result: BackupResult): string {
  const seconds = ((result.completedAt.getTime() - result.startedAt.getTime()) / 1000).toFixed(1);
  const lines = [
    `## Backup \`${result.name}\`: ${result.phase}`,
    '',
    `${result.items} items in ${seconds}s to \`${result.location}\`; ${result.errors} errors, ${result.warnings} warnings; expires ${result.expiration.toISOString()}.`,
    ''
  ];
  if (result.failure) lines.push(`**Failed:** ${result.failure}`, '');
  if (result.itemsByResource.size) {
    lines.push('### Items per resource type', '', markdownTable(['Resource', 'Items'], sortedCounts(result.itemsByResource)), '');
    lines.push('### Items per namespace', '', markdownTable(['Namespace', 'Items'], sortedCounts(result.itemsByNamespace)), '');
  }
  const volumes = volumeRows(result);
  if (volumes.length) lines.push('### Volumes', '', markdownTable(['Volume', 'Method', 'Size', 'Result'], volumes), '');
  const errors = flattenResults(result.results.errors);
  if (errors.length) lines.push('### Errors', '', ...errors.slice(0, 50).map((e) => `- ${e}`), errors.length > 50 ? `- … and ${errors.length - 50} more (see the results file)` : '', '');
  const warnings = flattenResults(result.results.warnings);
  if (warnings.length) lines.push('### Warnings', '', ...warnings.slice(0, 20).map((w) => `- ${w}`), '');
  return lines.join('\n');
}

/** One row per volume copy or snapshot: what, how, how big (uncompressed, or the snapshot's restore size), result. */
function volumeRows(result: BackupResult): string[][] {
  const copies = result.volumeCopies.map((copy) => [
    copy.claim ? `${copy.namespace}/${copy.claim}` : `${copy.namespace}/${copy.pod} (${copy.volume})`,
    `file-system copy (${copy.method === 'pod-exec' ? `through pod ${copy.pod}` : 'data-mover pod'})`,
    copy.tar ? formatBytes(copy.tar.bytes) : '',
    copy.result === 'succeeded' ? 'copied' : `failed: ${copy.error ?? ''}`
  ]);
  const snapshots = result.volumeSnapshots.map((s) => [`${s.namespace}/${s.claim}`, `CSI snapshot (${s.driver})`, formatBytes(s.sizeBytes), `snapshot ${s.handle}`]);
  return [...copies, ...snapshots];
}

function sortedCounts(counts: Map<string, number>): string[][] {
  return [...counts.entries()].sort(([a], [b]) => a.localeCompare(b)).map(([key, n]) => [key, String(n)]);
}

/** `backup get`: one row per backup folder in the location, unfinished and corrupt ones included. */
export function backupListTable(backups: StoredBackup[]): string {
  const rows = backups.map((stored) => {
    if (stored.state !== 'complete') return [stored.name, stored.state === 'unfinished' ? 'Unfinished' : 'Corrupt', '', '', '', ''];
    const status = statusOf(stored.backup);
    return [stored.name, status.phase ?? '', String(status.errors ?? 0), String(status.warnings ?? 0), status.startTimestamp ?? '', status.expiration ?? ''];
  });
  return terminalTable(['NAME', 'STATUS', 'ERRORS', 'WARNINGS', 'CREATED', 'EXPIRES'], rows);
}
