import type { ArchiveLimits } from '../archive/archive-limits.js';
import { signatureText } from '../integrity/backup-signature.js';
import { chooseBackup, noSuchBackup } from '../persistence/choose-backup.js';
import { listStoredBackups, readStoredBackup } from '../persistence/stored-backups.js';
import type { VerifySettings } from '../settings/verify-settings.js';
import type { ObjectStore } from '../storage/object-store.js';
import type { Logger } from '../util/logger.js';
import type { BackupVerification } from './verification.js';
import { verifyBackup } from './verify-backup.js';

export interface VerifyContext {
  store: ObjectStore;
  logger: Logger;
  /** Aborted when the run is cancelled: verification stops between files. */
  signal?: AbortSignal;
  limits?: ArchiveLimits;
}

export interface VerifyResult {
  location: string;
  backups: BackupVerification[];
  /** Backups whose every file matched their checksum manifest. */
  verified: number;
  /** Backups without a manifest whose structure holds. */
  structuralOnly: number;
  failed: number;
}

/** How many problems of a failed backup are logged; the result (and the job summary) has them all. */
const PROBLEMS_LOGGED = 10;

/**
 * `mode: verify` and `backup verify`: reads one backup (by name, or the newest Completed one) or every complete one
 * and checks it (verifyBackup). Reads only the location: no cluster, no lease (nothing is written).
 */
export async function runVerify(context: VerifyContext, settings: VerifySettings): Promise<VerifyResult> {
  const { store, logger } = context;
  const backups: BackupVerification[] = [];
  for (const name of await namesToVerify(store, settings)) {
    context.signal?.throwIfAborted();
    logger.info(`Verifying backup ${name} in ${store.url}`);
    const verification = await verifyBackup(store, name, { limits: context.limits, signal: context.signal, verifyKeys: settings.verifyKeys, decryption: settings.decryption });
    backups.push(verification);
    logVerification(logger, verification);
  }
  const count = (state: BackupVerification['state']) => backups.filter((b) => b.state === state).length;
  return { location: store.url, backups, verified: count('verified'), structuralOnly: count('structural-only'), failed: count('failed') };
}

async function namesToVerify(store: ObjectStore, { target }: VerifySettings): Promise<string[]> {
  switch (target.kind) {
    case 'latest':
      return [(await chooseBackup(store, { kind: 'latest' })).name];
    case 'name': {
      // Any phase: a backup that cannot be restored may still be worth knowing intact. A corrupt one fails verification.
      const stored = await readStoredBackup(store, target.name);
      if (stored.state === 'unfinished') throw await noSuchBackup(store, target.name, 'from-backup');
      return [target.name];
    }
    case 'all': {
      const names: string[] = [];
      // Unfinished folders have nothing to verify yet (prune removes them); unreadable records fail verification.
      for await (const stored of listStoredBackups(store)) if (stored.state !== 'unfinished') names.push(stored.name);
      return names;
    }
  }
}

function logVerification(logger: Logger, verification: BackupVerification): void {
  const { name, state, problems, filesChecked, items, signature } = verification;
  const signed = signature && signature.state !== 'unsigned' && signature.state !== 'failed' ? `; ${signatureText(signature)}` : '';
  const read = `${filesChecked} files, ${items} items${signed}`;
  if (state === 'verified') logger.info(`Backup ${name} verified: every file matches its checksum manifest (${read})`);
  else if (state === 'structural-only') logger.info(`Backup ${name} has no checksum manifest (made by Velero, or by a version without one): its structure holds (${read}), its content could not be checked against checksums`);
  else {
    logger.error(`Backup ${name} FAILED verification: ${problems.length} problems`);
    for (const { file, problem } of problems.slice(0, PROBLEMS_LOGGED)) logger.error(`  ${file}: ${problem}`);
    if (problems.length > PROBLEMS_LOGGED) logger.error(`  … ${problems.length - PROBLEMS_LOGGED} more (see the report)`);
  }
}
