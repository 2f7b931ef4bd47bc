import { createHash } from 'node:crypto';

/**
 * Age keys as users hold them: recipients (`age1…`, X25519 public keys) and identities (`AGE-SECRET-KEY-1…`), in
 * the shapes age's own files use: one or more per line, `#` comments (age-keygen writes `# public key: age1…`).
 * Only X25519: it is what every age implementation reads, Debian's `age` 1.1 included, so a backup can always be
 * opened without this tool. Pure: the checksum of each key is checked by the age library when it is first used.
 */
const RECIPIENT = /^age1[02-9ac-hj-np-z]{58}$/;
const IDENTITY = /^AGE-SECRET-KEY-1[02-9AC-HJ-NP-Z]{58}$/;

/** The keys in a recipients or identity text: split on commas and white space, comment lines dropped. */
export function keysIn(text: string): string[] {
  return text
    .split(/\r?\n/)
    .filter((line) => !line.trim().startsWith('#'))
    .flatMap((line) => line.split(/[\s,]+/))
    .filter((key) => key !== '');
}

/** What is wrong with a recipient, or undefined. Never echoes an identity pasted by mistake. */
export function recipientProblem(key: string): string | undefined {
  if (RECIPIENT.test(key)) return undefined;
  if (/^AGE-SECRET-KEY-/i.test(key)) return 'holds a private key (AGE-SECRET-KEY-…): a backup needs only the public recipient (age1…)';
  if (/^age1pq1|^age1tag/.test(key)) return `'${key.slice(0, 12)}…' is a post-quantum or tag recipient, which age 1.1 and older cannot decrypt`;
  return `'${key.length > 16 ? `${key.slice(0, 16)}…` : key}' is not an X25519 age recipient (age1 followed by 58 characters)`;
}

/** What is wrong with an identity, or undefined; the message never contains the key. */
export function identityProblem(key: string): string | undefined {
  if (IDENTITY.test(key)) return undefined;
  if (RECIPIENT.test(key)) return 'holds a public recipient (age1…), which cannot decrypt: pass the private key (AGE-SECRET-KEY-1…)';
  return 'holds something that is not an X25519 age identity (AGE-SECRET-KEY-1 followed by 58 characters)';
}

/**
 * A short, stable name for a recipient, recorded with each encrypted backup so a user can tell which key opens it
 * without the backup listing the keys themselves: the first 16 hex digits of the recipient's sha256.
 */
export function recipientFingerprint(recipient: string): string {
  return createHash('sha256').update(recipient).digest('hex').slice(0, 16);
}
