/**
 * Velero reads every patch and match `value` as a string (its Go field is a string, and YAML scalars land there as
 * their text) and then decides what JSON it stands for (json_patch.go, addQuotes):
 *   ''                  → the empty string
 *   '"text"'            → the string text (how to write a string that looks like a number, boolean or null)
 *   'null'              → null
 *   'true' / 'false'    → a boolean
 *   starts with { or [  → that JSON object or array
 *   a number            → that number
 *   anything else       → itself, as a string
 * Differences, all where Velero would produce invalid JSON and fail the item: 'True'/'FALSE' are read as
 * booleans; only JSON's number syntax counts as a number ('.5' and '+1' stay strings); invalid JSON after { or [
 * is reported when the input is read rather than at restore time.
 */
export function patchValue(raw: string): unknown {
  if (raw === '') return '';
  if (raw.startsWith('"') && raw.endsWith('"')) return raw.slice(1, raw.length > 1 ? -1 : undefined);
  if (raw === 'null') return null;
  const lower = raw.toLowerCase();
  if (lower === 'true' || lower === 'false') return lower === 'true';
  if (raw.startsWith('{') || raw.startsWith('[')) return JSON.parse(raw) as unknown;
  if (JSON_NUMBER.test(raw)) return Number(raw);
  return raw;
}

const JSON_NUMBER = /^-?(0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?$/;
