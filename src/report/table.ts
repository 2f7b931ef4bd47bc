/**
 * Tables for the two screens a run reports to: GitHub-flavoured Markdown for job summaries, aligned columns for a
 * terminal (kubectl's look). Both take the same headers and rows.
 */

/** Markdown; cell text is escaped so a `|` in a name cannot break the table. */
export function markdownTable(headers: string[], rows: string[][]): string {
  const cell = (text: string) => text.replace(/\|/g, '\\|').replace(/\n/g, ' ');
  return [
    `| ${headers.map(cell).join(' | ')} |`,
    `| ${headers.map(() => '---').join(' | ')} |`,
    ...rows.map((row) => `| ${row.map(cell).join(' | ')} |`)
  ].join('\n');
}

/** Columns padded to their widest cell, three spaces apart, upper-case headers as kubectl prints them. */
export function terminalTable(headers: string[], rows: string[][]): string {
  const all = [headers.map((h) => h.toUpperCase()), ...rows];
  const widths = all[0]!.map((_, i) => Math.max(...all.map((r) => (r[i] ?? '').length)));
  return all.map((r) => r.map((cell, i) => cell.padEnd(widths[i]!)).join('   ').trimEnd()).join('\n');
}
