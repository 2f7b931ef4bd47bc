import { isCredentialName } from '../util/credentials.js';

/**
 * What of a hook's output may leave the hook. Hooks run arbitrary commands in containers that hold secrets
 * (`cat /etc/secret/token`, a database client echoing its connection string), and whatever is logged ends up in
 * the job log, the `-logs.gz` stored with the backup (readable by anyone with the bucket) and the results. The rule:
 *
 * - stdout is never logged or recorded, at any level: only its size;
 * - stderr likewise, except that a hook that *failed* (non-zero exit) reports the last line of its stderr, the
 *   usual place for the reason, passed through `maskCredentials` and cut to STDERR_EXCERPT_LIMIT characters, in its
 *   failure message (a warning or error of the run, so the log and the results);
 * - the exit code and the sizes of both streams are logged at info.
 *
 * Masking only recognises values by their shape (`token=…`, `password: …`, `Bearer …`, URL user info, runs of 20
 * or more base64 or hex characters): a bare short secret printed as the last line of a failing hook's stderr is not
 * recognisable and would be kept. That one line is the price of saying why a hook failed; the rest stays out.
 */

/** The most of a failed hook's last stderr line a message carries, after masking. */
export const STDERR_EXCERPT_LIMIT = 200;
/** What of that line is masked at all: its start, so masking stays cheap on a 1 MiB line; the rest is dropped. */
const MASKED_PREFIX_LIMIT = 1000;

const MASK = '***';

/**
 * `key=value`, `key: value`, `"key": "value"`, `key = 'a b'`: the value quoted whole, or up to a separator. Masked
 * when the key is a credential's name (util/credentials.ts: `token`, `PGPASSWORD`, `aws_secret_access_key`).
 */
const KEY_VALUE = /([\w.-]+)(["']?\s*[:=]\s*)("[^"]*"|'[^']*'|[^\s"',;&]+)/g;
const AUTH_SCHEME = /\b(Bearer|Basic)\s+[A-Za-z0-9._~+/=-]+/gi;
const URL_USER_INFO = /([a-z][a-z0-9+.-]*:\/\/[^\s:@/]+):[^\s@/]+@/gi;
/** A run long enough to be a key, token or hash in base64, base64url or hex. */
const LONG_RUN = /[A-Za-z0-9+/_-]{20,}={0,2}/g;

/**
 * The text with every value that looks like a credential replaced by `***`. Pure. Over-masks on purpose (a long
 * identifier mixing letters and digits goes too): what is left must be safe to put in a log.
 */
export function maskCredentials(text: string): string {
  const shapesMasked = text.replace(URL_USER_INFO, `$1:${MASK}@`).replace(AUTH_SCHEME, `$1 ${MASK}`);
  return maskAssignments(shapesMasked).replace(LONG_RUN, (run) => (looksRandom(run) ? MASK : run));
}

/** Masks the values of credential-named keys. A key that is not one lets its "value" be read as a key in turn. */
function maskAssignments(text: string): string {
  const pattern = new RegExp(KEY_VALUE);
  let masked = '';
  let copied = 0;
  for (let match = pattern.exec(text); match; match = pattern.exec(text)) {
    const [whole, key, separator, value] = match as unknown as [string, string, string, string];
    if (!isCredentialName(key)) {
      pattern.lastIndex = match.index + key.length + separator.length;
      continue;
    }
    const quote = value.startsWith('"') || value.startsWith("'") ? value[0] : '';
    masked += `${text.slice(copied, match.index)}${key}${separator}${quote}${MASK}${quote}`;
    copied = match.index + whole.length;
  }
  return masked + text.slice(copied);
}

/**
 * A token, not a word, a path or a Kubernetes name: upper case, lower case and digits mixed (base64, JWT parts), or
 * two of them without the separators names and paths are made of (hex digests, lower-case keys).
 */
function looksRandom(run: string): boolean {
  const classes = [/[a-z]/, /[A-Z]/, /[0-9]/].filter((re) => re.test(run)).length;
  return classes === 3 || (classes === 2 && !/[-_/]/.test(run));
}

/** `stdout 12 bytes, stderr 0 bytes`: all the log says of a hook's output. */
export function outputSizes(stdout: string, stderr: string): string {
  return `stdout ${Buffer.byteLength(stdout)} bytes, stderr ${Buffer.byteLength(stderr)} bytes`;
}

/** The last non-empty line of stderr, masked and bounded, quoted for a message; undefined when stderr is empty. */
export function stderrExcerpt(stderr: string): string | undefined {
  const lines = stderr.split(/\r?\n/).map((line) => line.trim()).filter(Boolean);
  const last = lines[lines.length - 1];
  if (last === undefined) return undefined;
  // A long line is cut before masking, back to a space: a value cut in two could be too short to be recognised.
  const prefix = last.length > MASKED_PREFIX_LIMIT ? last.slice(0, MASKED_PREFIX_LIMIT).replace(/\S*$/, '') : last;
  const masked = maskCredentials(prefix);
  const bounded = masked.length > STDERR_EXCERPT_LIMIT ? `${masked.slice(0, STDERR_EXCERPT_LIMIT)}…` : masked;
  return JSON.stringify(bounded);
}

/**
 * How a finished hook command is reported: undefined on success, else the failure (exit code and the masked
 * excerpt). Pure; the one place deciding what of the output a message carries.
 */
export function exitFailure(exitCode: number, stderr: string): string | undefined {
  if (exitCode === 0) return undefined;
  const excerpt = stderrExcerpt(stderr);
  return `exited with code ${exitCode}${excerpt ? ` (last line of stderr: ${excerpt})` : ''}`;
}
