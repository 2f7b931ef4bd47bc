import type { CopyResult } from '../copy/run-copy.js';
import { formatBytes } from './prune-report.js';
import { markdownTable, terminalTable } from './table.js';

/** The step outputs of a copy: the names copied and skipped (JSON arrays), and how many failed. */
export function copyOutputs(result: CopyResult): Record<string, string> {
  return {
    copied: JSON.stringify(result.copied.map((c) => c.name)),
    skipped: JSON.stringify(result.skipped.map((s) => s.name)),
    failed: String(result.failed.length)
  };
}

/** The job summary: what was copied and how it verified, what was skipped and why, and every failure's problems. */
export function copySummary(result: CopyResult): string {
  const lines = [`## Copy from \`${result.from}\` to \`${result.to}\``, '', `${result.copied.length} copied, ${result.skipped.length} skipped, ${result.failed.length} failed.`, ''];
  if (result.copied.length) {
    lines.push(markdownTable(['Backup', 'Files', 'Size', 'At the destination', 'CSI snapshots stay with'], result.copied.map((c) => [c.name, String(c.files), formatBytes(c.bytes), c.verification, c.snapshotsOwnedBy])), '');
  }
  if (result.skipped.length) lines.push('### Skipped', '', markdownTable(['Backup', 'Why'], result.skipped.map((s) => [s.name, s.reason])), '');
  if (result.failed.length) {
    lines.push('### Not copied', '', 'Nothing of these is visible at the destination.', '', markdownTable(['Backup', 'Why', 'File', 'Problem'], result.failed.flatMap((f) => (f.problems.length ? f.problems.map((p) => [f.name, f.message, p.file, p.problem]) : [[f.name, f.message, '', '']]))), '');
  }
  return lines.join('\n');
}

/** `backup copy` on a terminal. */
export function copyText(result: CopyResult): string {
  const rows = [
    ...result.copied.map((c) => [c.name, `copied (${c.verification})`, formatBytes(c.bytes)]),
    ...result.skipped.map((s) => [s.name, `skipped: ${s.reason}`, '']),
    ...result.failed.map((f) => [f.name, `FAILED: ${f.message}`, ''])
  ];
  const problems = result.failed.flatMap((f) => f.problems.map((p) => `  ${f.name}: ${p.file}: ${p.problem}`));
  return [`${result.from} -> ${result.to}`, rows.length ? terminalTable(['Name', 'Result', 'Size'], rows) : 'nothing to copy', ...(problems.length ? ['', 'Problems:', ...problems] : [])].join('\n');
}
