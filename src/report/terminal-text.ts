import { terminalTable } from './table.js';

/**
 * A report written for the job summary (GitHub-flavoured Markdown), as a terminal shows it: headings as plain
 * titles, tables as aligned columns, no `**` or backticks. Only the Markdown the reports write is handled (headings,
 * pipe tables, bullets, bold, code spans), so each report has one source for both screens. Pure.
 */
export function markdownToText(markdown: string): string {
  const out: string[] = [];
  const lines = markdown.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    if (line.startsWith('|')) {
      const rows: string[][] = [];
      for (; i < lines.length && lines[i]!.startsWith('|'); i++) rows.push(tableCells(lines[i]!));
      i--;
      // The second row is the header separator (`| --- |`).
      const [headers, , ...body] = rows;
      out.push(...terminalTable(headers ?? [], body).split('\n').map((row) => `  ${row}`));
      continue;
    }
    const heading = /^(#{1,6})\s+(.*)$/.exec(line);
    if (heading) {
      const text = inline(heading[2]!);
      out.push(heading[1]!.length <= 2 ? text : `${text}:`);
      continue;
    }
    out.push(inline(line));
  }
  return collapseBlankLines(out).join('\n').trimEnd();
}

/** `| a | b\|c |` → ['a', 'b|c']: the cells as markdownTable escaped them. */
function tableCells(row: string): string[] {
  const cells: string[] = [];
  let cell = '';
  const body = row.trim().replace(/^\|/, '').replace(/\|$/, '');
  for (let i = 0; i < body.length; i++) {
    if (body[i] === '\\' && body[i + 1] === '|') {
      cell += '|';
      i++;
    } else if (body[i] === '|') {
      cells.push(inline(cell.trim()));
      cell = '';
    } else cell += body[i];
  }
  cells.push(inline(cell.trim()));
  return cells;
}

/** Bold and code spans lose their marks; the text stays. */
function inline(text: string): string {
  return text.replace(/\*\*(.+?)\*\*/g, '$1').replace(/`([^`]*)`/g, '$1');
}

function collapseBlankLines(lines: string[]): string[] {
  return lines.filter((line, i) => line.trim() !== '' || (i > 0 && lines[i - 1]!.trim() !== ''));
}
