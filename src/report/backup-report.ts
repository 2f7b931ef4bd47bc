import type { BackupResult } from '../backup/run.js';
import type { ListedBackup } from '../list/freshness.js';
import { markdownTable, terminalTable } from './table.js';
import { flattenResults } from './results.js';
import { formatBytes } from '../util/byte-size.js';
import { boundedList, boundedSummary, runDuration, summaryTable, TABLE_ROWS } from './summary-limits.js';

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

/**
 * The job summary: headline (phase, name, duration, source cluster, location), why it failed, items per resource
 * type and per namespace, volumes, claims whose data is not in the backup, the first errors in full, warnings. Large
 * tables are aggregated and the whole is held under GitHub's 1 MiB (boundedSummary).
 */
export function backupSummary(result: BackupResult): string {
  const lines = [
    `## Backup \`${result.name}\`: ${result.phase}`,
    '',
    `${result.items} items from \`${result.cluster}\` to \`${result.location}\` in ${runDuration(result.startedAt, result.completedAt)}; ${result.errors} errors, ${result.warnings} warnings; expires ${result.expiration.toISOString()}.`,
    ''
  ];
  if (result.failure) lines.push(`**Failed:** ${result.failure}`, '');
  if (result.itemsByResource.size) {
    lines.push('### Items per resource type', '', countTable('Resource', result.itemsByResource, 'more resource types'), '');
    lines.push('### Items per namespace', '', countTable('Namespace', result.itemsByNamespace, 'more namespaces'), '');
  }
  const volumes = volumeRows(result);
  if (volumes.length) lines.push('### Volumes', '', markdownTable(['Volume', 'Method', 'Size', 'Result'], volumes.slice(0, TABLE_ROWS)), ...(volumes.length > TABLE_ROWS ? ['', `… and ${volumes.length - TABLE_ROWS} more`] : []), '');
  if (result.claimsWithoutData.length) {
    const rows = result.claimsWithoutData.slice(0, TABLE_ROWS).map((c) => [`${c.namespace}/${c.name}`, c.reason]);
    const more = result.claimsWithoutData.length - rows.length;
    lines.push('### Claims whose volume data is not in this backup', '', 'Their objects are backed up; a restore gives them new, empty volumes (or binds the old one, if it still exists).', '', markdownTable(['Claim', 'Why'], rows), ...(more > 0 ? ['', `… and ${more} more`] : []), '');
  }
  const errors = flattenResults(result.results.errors);
  if (errors.length) lines.push('### Errors', '', ...boundedList(errors.map((e) => `- ${e}`), 50, 'see the results file'), '');
  const warnings = flattenResults(result.results.warnings);
  if (warnings.length) lines.push('### Warnings', '', ...boundedList(warnings.map((w) => `- ${w}`), 30, 'see the results file'), '');
  return boundedSummary(lines.join('\n'));
}

function countTable(what: string, counts: ReadonlyMap<string, number>, rest: string): string {
  return summaryTable([what, 'Items'], [...counts].map(([key, n]) => ({ key, cells: [n] })), TABLE_ROWS, rest);
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

/** The backup list's columns, shared by `backup get` (terminal) and `mode: list` (job summary). */
export const backupListColumns = ['NAME', 'STATUS', 'ERRORS', 'WARNINGS', 'CREATED', 'AGE', 'EXPIRES', 'SCHEDULE', 'ITEMS', 'SIZE'];

/** One row per backup folder in the location, unfinished and corrupt ones included. */
export function backupListRows(backups: readonly ListedBackup[], now: Date): string[][] {
  return backups.map((b) => {
    const age = b.started ? shortAge(now.getTime() - Date.parse(b.started)) : '';
    return [b.name, b.phase, b.errors === undefined ? '' : String(b.errors), b.warnings === undefined ? '' : String(b.warnings), b.started ?? '', age, b.expires ?? '', b.schedule ?? '', b.items === undefined ? '' : String(b.items), formatBytes(b.sizeBytes)];
  });
}

/** `backup get`: the list as a terminal table. */
export function backupListTable(backups: readonly ListedBackup[], now: Date): string {
  return terminalTable(backupListColumns, backupListRows(backups, now));
}

/** An age as `velero backup get` shows times: its two largest units (`3d4h`, `5h12m`, `40s`). */
export function shortAge(ms: number): string {
  if (!Number.isFinite(ms)) return '';
  const seconds = Math.max(0, Math.floor(ms / 1000));
  const units: [string, number][] = [['d', Math.floor(seconds / 86_400)], ['h', Math.floor(seconds / 3600) % 24], ['m', Math.floor(seconds / 60) % 60], ['s', seconds % 60]];
  const first = units.findIndex(([, n]) => n > 0);
  if (first === -1) return '0s';
  return units.slice(first, first + 2).filter(([, n]) => n > 0).map(([unit, n]) => `${n}${unit}`).join('');
}
