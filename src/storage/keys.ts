/**
 * Orders keys the way S3 lists them: by the bytes of their UTF-8 encoding. JavaScript's `<` compares UTF-16 code
 * units, which disagrees for characters above U+FFFF against those in U+E000..U+FFFF.
 */
export function compareKeys(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));
}

/**
 * Refuses keys that cannot name a file safely: empty, absolute, with empty, `.` or `..` segments, backslashes or NUL.
 * S3 accepts all of these, but a store that maps keys to paths must not let one escape its directory.
 */
export function checkPathKey(key: string, what: 'key' | 'prefix' = 'key'): void {
  const problem = pathKeyProblem(key, what);
  if (problem) throw new Error(`invalid object ${what} '${key}': ${problem}`);
}

function pathKeyProblem(key: string, what: 'key' | 'prefix'): string | undefined {
  if (key.includes('\0')) return 'contains a NUL character';
  if (key.includes('\\')) return 'contains a backslash';
  if (key.startsWith('/')) return 'starts with /';
  if (what === 'key' && (key === '' || key.endsWith('/'))) return 'is empty or ends with /';
  // A prefix may end in a partial segment or '/', so only its complete segments are checked.
  const segments = key.split('/');
  const complete = what === 'key' ? segments : segments.slice(0, -1);
  if (complete.some((s) => s === '' || s === '.' || s === '..')) return "has an empty, '.' or '..' segment";
  return undefined;
}

/**
 * Scopes a store to the prefix of its location (`''` or ending in `/`): callers use keys relative to it, the
 * backend sees full keys. Listing goes through `relative` so callers never see the prefix.
 */
export class KeyPrefix {
  constructor(readonly prefix: string) {
    if (prefix !== '' && !prefix.endsWith('/')) throw new Error(`a key prefix must be empty or end with '/': '${prefix}'`);
  }

  full(key: string): string {
    return this.prefix + key;
  }

  relative(fullKey: string): string {
    if (!fullKey.startsWith(this.prefix)) throw new Error(`listed key '${fullKey}' is outside the prefix '${this.prefix}'`);
    return fullKey.slice(this.prefix.length);
  }
}
