import { markdownTable } from './table.js';

/** GitHub keeps at most 1 MiB of job summary per step; a larger one is refused and the step shows none at all. */
export const SUMMARY_LIMIT_BYTES = 1024 * 1024;

/** Rows a summary table shows before it aggregates the rest into one line. */
export const TABLE_ROWS = 100;

/**
 * The summary cut to fit `limit` bytes (UTF-8), at a line boundary, with a note saying so and where the rest is.
 * Tables are aggregated before this (summaryTable), so a cut is the exception: a backup of 100,000 namespaces, or
 * error messages by the thousand.
 */
export function boundedSummary(markdown: string, limit = SUMMARY_LIMIT_BYTES): string {
  const size = Buffer.byteLength(markdown);
  if (size <= limit) return markdown;
  const note = `\n\n---\n**Summary truncated**: ${size} bytes do not fit the ${limit} bytes a job summary holds. The run's artifact and the location's results file hold everything.\n`;
  const room = limit - Buffer.byteLength(note);
  // Cut by bytes, then back to the last whole line: never half a table row or a broken multi-byte character.
  let cut = Buffer.from(markdown).subarray(0, room).toString('utf8');
  if (cut.endsWith('\uFFFD')) cut = cut.slice(0, -1);
  const lastLine = cut.lastIndexOf('\n');
  return `${lastLine > 0 ? cut.slice(0, lastLine) : cut}${note}`;
}

/**
 * A table of at most `maxRows` rows: the largest by `weight` first (ties by name), the rest summed into one row so
 * that totals still add up.
 */
export function summaryTable(headers: string[], rows: { key: string; cells: number[] }[], maxRows = TABLE_ROWS, what = 'more'): string {
  const weight = (cells: number[]) => cells.reduce((a, b) => a + b, 0);
  const sorted = rows.length > maxRows ? [...rows].sort((a, b) => weight(b.cells) - weight(a.cells) || a.key.localeCompare(b.key)) : [...rows].sort((a, b) => a.key.localeCompare(b.key));
  const shown = sorted.slice(0, maxRows).map((r) => [r.key, ...r.cells.map(String)]);
  const rest = sorted.slice(maxRows);
  if (rest.length) {
    const sums = headers.slice(1).map((_, i) => rest.reduce((sum, r) => sum + (r.cells[i] ?? 0), 0));
    shown.push([`… ${rest.length} ${what}`, ...sums.map(String)]);
  }
  return markdownTable(headers, shown);
}

/** A list of at most `max` lines, then how many more there are and where to find them. */
export function boundedList(lines: readonly string[], max: number, rest: string): string[] {
  return [...lines.slice(0, max), ...(lines.length > max ? [`- … and ${lines.length - max} more (${rest})`] : [])];
}

/** `12.3s`, `4m05s`: how long a run took. */
export function runDuration(startedAt: Date, completedAt: Date): string {
  const seconds = Math.max(0, (completedAt.getTime() - startedAt.getTime()) / 1000);
  if (seconds < 60) return `${seconds.toFixed(1)}s`;
  const minutes = Math.floor(seconds / 60);
  return `${minutes}m${String(Math.round(seconds % 60)).padStart(2, '0')}s`;
}
