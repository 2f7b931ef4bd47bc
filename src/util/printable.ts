/**
 * Values from an archive in messages: whatever a hostile item's JSON or entry name holds (newlines that would start
 * a workflow command on a runner's log, terminal escapes, megabytes) is shown escaped and cut, never as is.
 */
const MAX_SHOWN = 100;
/** An archive entry path of a valid item is at most ~650 characters (resource.group, namespace, name, version). */
export const MAX_PATH_SHOWN = 1024;

/** `s` with every character outside printable ASCII as `\u{…}`, and at most `max` characters of it. */
export function printable(s: string, max = MAX_SHOWN): string {
  const chars = [...s];
  const shown = chars.length > max ? `${chars.slice(0, max).join('')}…(${chars.length} characters)` : s;
  return shown.replace(/[^\x20-\x7e…]/gu, (c) => `\\u{${c.codePointAt(0)!.toString(16)}}`);
}

/** A string value from an archive, quoted: `'kube-system'`. */
export function quoted(s: string): string {
  return `'${printable(s)}'`;
}

/** Any JSON value from an archive, as a short description: `7 (not a string)`, `missing`, `empty`. */
export function describeValue(value: unknown): string {
  if (value === undefined) return 'missing';
  if (value === '') return 'empty';
  if (typeof value === 'string') return quoted(value);
  return `${printable(JSON.stringify(value) ?? String(value))} (not a string)`;
}
