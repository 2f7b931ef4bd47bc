import { InputError } from '../util/errors.js';
import { readBoolean, type InputReader } from './input-reader.js';
import { checkName } from './names.js';

/** Which backups a verification reads: one by name, the newest Completed one, or every complete one. */
export type VerifyTarget = { kind: 'name'; name: string } | { kind: 'latest' } | { kind: 'all' };

export interface VerifySettings {
  target: VerifyTarget;
}

/** `from-backup` (a name or `latest`) or `verify-all: true`, exactly one of them. */
export function parseVerifySettings(reader: InputReader): VerifySettings {
  const fromBackup = reader.get('from-backup');
  const all = readBoolean(reader, 'verify-all', false);
  if (fromBackup && all) throw new InputError('verify-all', 'cannot be combined with from-backup', 'Name one backup (or latest), or verify them all');
  if (all) return { target: { kind: 'all' } };
  if (!fromBackup) throw new InputError('from-backup', 'is required to verify a backup', "Name a backup, use 'latest' for the newest Completed one, or set verify-all: true");
  if (fromBackup === 'latest') return { target: { kind: 'latest' } };
  checkName('from-backup', fromBackup);
  return { target: { kind: 'name', name: fromBackup } };
}
