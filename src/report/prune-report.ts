import { markdownTable } from './table.js';
import { kindName, type Debris } from '../prune/debris.js';
import type { PruneResult } from '../prune/run-prune.js';
import type { SnapshotDeletion } from '../prune/snapshot-deleter.js';
import { formatGoDuration } from '../util/duration.js';

/** The step outputs of a prune, by their action names. With dry-run they describe what would be deleted. */
export function pruneOutputs(result: PruneResult): Record<string, string> {
  return {
    deleted: String(result.deleted.length),
    'deleted-backups': JSON.stringify(result.deleted.map((b) => b.name)),
    'freed-bytes': String(result.freedBytes)
  };
}

/**
 * The job summary: headline, the deleted backups, their CSI snapshots, the notable kept ones, the debris of
 * interrupted runs, failures (with each snapshot's result) and warnings.
 */
export function pruneSummary(result: PruneResult): string {
  const verb = result.dryRun ? 'would be deleted' : 'deleted';
  const lines = [
    `## Prune of \`${result.location}\`${result.dryRun ? ' (dry run)' : ''}`,
    '',
    `${result.deleted.length} backups ${verb}` +
      (snapshotTotal(result) ? ` with ${snapshotTotal(result)} CSI snapshots` : '') +
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
      String(b.snapshots.length),
      String(b.objects),
      formatBytes(b.bytes)
    ]);
    lines.push(`### Backups ${verb}`, '', markdownTable(['Backup', 'Why', 'Phase', 'Restores', 'CSI snapshots', 'Objects', 'Size'], rows), '');
  }
  const snapshotRows = result.deleted.flatMap((b) => b.snapshots.map((s) => snapshotRow(b.name, s)));
  if (snapshotRows.length) {
    lines.push(
      `### CSI snapshots ${result.dryRun ? 'that would be deleted' : 'deleted'}`,
      '',
      'Deleted before any file of their backup, through a temporary VolumeSnapshotContent their driver acts on.',
      '',
      markdownTable(SNAPSHOT_HEADERS, snapshotRows),
      ''
    );
  }
  const notable = result.kept.filter((k) => k.reason !== 'not-expired');
  if (notable.length) {
    lines.push('### Kept although not current', '', markdownTable(['Backup', 'Why'], notable.map((k) => [k.name, k.detail ?? k.reason])), '');
  }
  lines.push(...debrisSection(result));
  if (result.failures.length) {
    lines.push('### Failed (the next prune finishes them)', '', ...result.failures.map((f) => `- ${f.name}: ${f.message}`), '');
    const failedSnapshots = result.failures.flatMap((f) => (f.snapshots ?? []).map((s) => snapshotRow(f.name, s)));
    if (failedSnapshots.length) {
      lines.push('CSI snapshots of the backups kept for them (all their files stay until every one is deleted):', '', markdownTable(SNAPSHOT_HEADERS, failedSnapshots), '');
    }
  }
  if (result.warnings.length) lines.push('### Warnings', '', ...result.warnings.slice(0, 50).map((w) => `- ${w}`), '');
  return lines.join('\n');
}

export const SNAPSHOT_HEADERS = ['Backup', 'Claim', 'Driver', 'Snapshot handle', 'Result'];

const RESULT_WORDS: Record<SnapshotDeletion['result'], string> = {
  deleted: 'deleted',
  'already-gone': 'already gone',
  'would-delete': 'would be deleted',
  failed: 'failed'
};

export function snapshotRow(backup: string, s: SnapshotDeletion): string[] {
  return [backup, s.claim ?? '', s.driver, s.handle, s.message ? `${RESULT_WORDS[s.result]}: ${s.message}` : RESULT_WORDS[s.result]];
}

/** CSI snapshots of the deleted backups (with dry-run: that would be), those an earlier prune deleted included. */
function snapshotTotal(result: PruneResult): number {
  return result.deleted.reduce((sum, b) => sum + b.snapshots.length, 0);
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
