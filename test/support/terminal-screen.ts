import { Writable } from 'node:stream';

/**
 * A stream that says it is a terminal and keeps what a terminal would show: the text, with the cursor moves and
 * erases cli-progress and readline send (column, up/down, erase line/right/below) applied. Lines are read back
 * without trailing spaces, so a test sees what a person would see, not the escape codes.
 */
export class FakeTerminal extends Writable {
  readonly isTTY = true;
  /** Everything written, escape codes included. */
  raw = '';
  private readonly screen: string[][] = [[]];
  private row = 0;
  private col = 0;

  constructor(readonly columns = 160) {
    super({ decodeStrings: false });
  }

  override _write(chunk: Buffer | string, _encoding: BufferEncoding, done: (error?: Error | null) => void): void {
    const text = chunk.toString();
    this.raw += text;
    this.apply(text);
    done();
  }

  /** The screen's lines, top to bottom; the line the cursor sits on is left off when it is empty. */
  lines(): string[] {
    const lines = this.screen.map((l) => l.join('').trimEnd());
    if (lines.length > 0 && lines[lines.length - 1] === '') lines.pop();
    return lines;
  }

  private apply(text: string): void {
    // eslint-disable-next-line no-control-regex
    const tokens = text.match(/\x1b\[[?]?[0-9;]*[A-Za-z]|\x1b[78]|[\s\S]/g) ?? [];
    for (const token of tokens) {
      if (token === '\n') this.moveTo(this.row + 1, 0);
      else if (token === '\r') this.col = 0;
      else if (token.startsWith('\x1b[')) this.control(token);
      else if (token.startsWith('\x1b')) continue;
      else this.put(token);
    }
  }

  private control(token: string): void {
    const command = token[token.length - 1]!;
    if (token[2] === '?') return; // modes (cursor visibility, line wrap): nothing to draw
    const n = token.length > 3 ? Number(token.slice(2, -1)) : undefined;
    const line = this.line(this.row);
    switch (command) {
      case 'G':
        this.col = (n ?? 1) - 1;
        break;
      case 'A':
        this.moveTo(Math.max(this.row - (n ?? 1), 0), this.col);
        break;
      case 'B':
        this.moveTo(this.row + (n ?? 1), this.col);
        break;
      case 'C':
        this.col += n ?? 1;
        break;
      case 'D':
        this.col = Math.max(this.col - (n ?? 1), 0);
        break;
      case 'K':
        if (n === 2) line.length = 0;
        else if (n === 1) line.fill(' ', 0, this.col + 1);
        else line.length = Math.min(line.length, this.col);
        break;
      case 'J':
        line.length = Math.min(line.length, this.col);
        this.screen.length = this.row + 1;
        break;
      default:
        throw new Error(`FakeTerminal: no support for ${JSON.stringify(token)}`);
    }
  }

  private put(char: string): void {
    if (this.col >= this.columns) this.moveTo(this.row + 1, 0);
    const line = this.line(this.row);
    while (line.length < this.col) line.push(' ');
    line[this.col] = char;
    this.col++;
  }

  private moveTo(row: number, col: number): void {
    this.row = row;
    this.col = col;
    this.line(row);
  }

  private line(row: number): string[] {
    while (this.screen.length <= row) this.screen.push([]);
    return this.screen[row]!;
  }
}
