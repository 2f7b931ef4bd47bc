import { signatureText } from '../integrity/backup-signature.js';
import type { BackupVerification, VerificationState } from '../verify/verification.js';
import type { VerifyResult } from '../verify/run-verify.js';
import { markdownTable, terminalTable } from './table.js';

const STATE_TEXT: Record<VerificationState, string> = {
  verified: 'verified (checksums match)',
  'structural-only': 'structure only (no checksum manifest)',
  failed: 'FAILED'
};

/** The step outputs of a verification: counts, and every problem as JSON `[{backup, file, problem}]`. */
export function verifyOutputs(result: VerifyResult): Record<string, string> {
  return {
    verified: String(result.verified),
    'structural-only': String(result.structuralOnly),
    failed: String(result.failed),
    problems: JSON.stringify(problemsOf(result))
  };
}

export function problemsOf(result: VerifyResult): { backup: string; file: string; problem: string }[] {
  return result.backups.flatMap((b) => b.problems.map(({ file, problem }) => ({ backup: b.name, file, problem })));
}

/** The job summary: one row per backup, then every problem, file by file. */
export function verifySummary(result: VerifyResult): string {
  const lines = [
    `## Verification of \`${result.location}\``,
    '',
    `${result.backups.length} backups: ${result.verified} verified, ${result.structuralOnly} checked for structure only (no checksum manifest), ${result.failed} failed.`,
    ''
  ];
  if (result.backups.length) lines.push(markdownTable(['Backup', 'State', 'Files', 'Items', 'Problems', 'Signature'], result.backups.map((b) => [b.name, STATE_TEXT[b.state], String(b.filesChecked), itemsCell(b), String(b.problems.length), signatureCell(b)])), '');
  const problems = problemsOf(result);
  if (problems.length) lines.push('### Problems', '', markdownTable(['Backup', 'File', 'Problem'], problems.map((p) => [p.backup, p.file, p.problem])), '');
  return lines.join('\n');
}

/** `backup verify` on a terminal: the table, then the problems. */
export function verifyText(result: VerifyResult): string {
  const table = terminalTable(['Name', 'State', 'Files', 'Items', 'Signature'], result.backups.map((b) => [b.name, STATE_TEXT[b.state], String(b.filesChecked), itemsCell(b), signatureCell(b)]));
  const problems = problemsOf(result).map((p) => `${p.backup}: ${p.file}: ${p.problem}`);
  return [table, ...(problems.length ? ['', 'Problems:', ...problems.map((p) => `  ${p}`)] : [])].join('\n');
}

/** One line for `backup describe`. */
export function verificationLine(verification: BackupVerification): string {
  const problems = verification.problems.length ? `: ${verification.problems.map((p) => `${p.file}: ${p.problem}`).join('; ')}` : '';
  const { signature } = verification;
  const signed = signature && signature.state !== 'unsigned' ? `; ${signatureText(signature)}` : '';
  const unread = verification.encryption === 'hashes-only' ? `; ${UNREAD}` : '';
  return `${STATE_TEXT[verification.state]}${signed}${unread}${problems}`;
}

const UNREAD = 'encrypted: contents checked by hash only (no encryption-identity)';

/** Items counted in the tarball, or why they were not: an encrypted backup verified without its key. */
function itemsCell(verification: BackupVerification): string {
  return verification.encryption === 'hashes-only' ? UNREAD : String(verification.items);
}

/** The signature as checked, or `-` when the manifest could not be read to check it (a problem says why). */
function signatureCell(verification: BackupVerification): string {
  return verification.signature ? signatureText(verification.signature) : '-';
}
