import { markdownTable } from './table.js';
import { kindName, type Debris } from '../prune/debris.js';
import type { PruneResult } from '../prune/run-prune.js';
import { formatGoDuration } from '../util/duration.js';

/** The step outputs of a prune, by their action names. With dry-run they describe what would be deleted. */
export function pruneOutputs(result: PruneResult): Record<string, string> {
  return {
    deleted: String(result.deleted.length),
    'deleted-backups': JSON.stringify(result.deleted.map((b) => b.name)),
    'freed-bytes': String(result.freedBytes)
  };
}

/** The job summary: headline, the deleted backups, the notable kept ones, the debris of interrupted runs, failures and warnings. */
export function pruneSummary(result: PruneResult): string {
  const verb = result.dryRun ? 'would be deleted' : 'deleted';
  const lines = [
    `## Prune of \`${result.location}\`${result.dryRun ? ' (dry run)' : ''}`,
    '',
    `${result.deleted.length} backups ${verb}` +
      (result.debris.removed.length ? ` and ${result.debris.removed.length} unfinished writes of interrupted runs ${result.dryRun ? 'would be removed' : 'removed'}` : '') +
      `, ${formatBytes(result.freedBytes)} ${result.dryRun ? 'would be freed' : 'freed'}; ${result.kept.length} kept. Expired as of ${result.now.toISOString()}.`,
    ''
  ];
  if (result.deleted.length) {
    const rows = result.deleted.map((b) => [
      b.name,
      b.reason === 'expired' ? `expired ${b.expiration ?? ''}`.trim() : 'unfinished',
      b.phase ?? '',
      b.restores.length ? b.restores.join(', ') : '',
      String(b.objects),
      formatBytes(b.bytes)
    ]);
    lines.push(`### Backups ${verb}`, '', markdownTable(['Backup', 'Why', 'Phase', 'Restores', 'Objects', 'Size'], rows), '');
  }
  const notable = result.kept.filter((k) => k.reason !== 'not-expired');
  if (notable.length) {
    lines.push('### Kept although not current', '', markdownTable(['Backup', 'Why'], notable.map((k) => [k.name, k.detail ?? k.reason])), '');
  }
  lines.push(...debrisSection(result));
  if (result.failures.length) {
    lines.push('### Failed (the next prune finishes them)', '', ...result.failures.map((f) => `- ${f.name}: ${f.message}`), '');
  }
  if (result.warnings.length) lines.push('### Warnings', '', ...result.warnings.slice(0, 50).map((w) => `- ${w}`), '');
  return lines.join('\n');
}

/** Debris removed (or that would be) and debris left alone for being recent; nothing when there is none. */
function debrisSection(result: PruneResult): string[] {
  const { removed, leftAlone, minAgeMs } = result.debris;
  const rows = (debris: Debris[]) => debris.map((d) => [d.key, kindName(d.kind), `${formatGoDuration(d.ageMs)} ago`, d.size !== undefined ? formatBytes(d.size) : 'unknown']);
  const headers = ['Key', 'What', 'Last written', 'Size'];
  const lines: string[] = [];
  if (removed.length) {
    lines.push(
      `### Debris of interrupted runs ${result.dryRun ? 'that would be removed' : 'removed'}`,
      '',
      `Unfinished uploads and temporary files not written to for ${formatGoDuration(minAgeMs)} or more.`,
      '',
      markdownTable(headers, rows(removed)),
      ''
    );
  }
  if (leftAlone.length) {
    lines.push(`### Unfinished writes left alone (written to within ${formatGoDuration(minAgeMs)}: a run may still be writing them)`, '', markdownTable(headers, rows(leftAlone)), '');
  }
  return lines;
}

export function formatBytes(bytes: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return unit === 0 ? `${bytes} B` : `${value.toFixed(1)} ${units[unit]}`;
}
