import type { BackupPhase } from '../velero/vocabulary.js';

/** A namespace `include-namespaces` names literally (no glob) that the cluster does not have. */
export interface MissingNamespace {
  name: string;
  /** Existing namespaces whose names are close, for the "did you mean". */
  close: string[];
}

export interface BackupTally {
  items: number;
  errors: number;
  missingNamespaces: readonly MissingNamespace[];
  /** The first error, quoted in the failure so the headline says why. */
  firstError?: string;
}

/** The warning for a missing namespace: the input, the name, the cluster, and what it may have meant. */
export function missingNamespaceWarning(missing: MissingNamespace, server: string): string {
  const hint = missing.close.length ? ` Existing namespaces with close names: ${missing.close.join(', ')}.` : '';
  return `include-namespaces: namespace '${missing.name}' does not exist in ${server}; nothing of it is backed up.${hint}`;
}

/**
 * The phase of a backup whose walk finished. Stricter than Velero, which completes a backup of 0 items whatever the
 * cause: a backup that holds nothing because every namespace it named is missing, or that holds nothing and met
 * errors, is Failed, with the reason; such a backup restores nothing, and a green step would hide that.
 */
export function backupPhase(tally: BackupTally): { phase: BackupPhase; failure?: string } {
  if (tally.items === 0 && tally.missingNamespaces.length) {
    const names = tally.missingNamespaces.map((m) => `'${m.name}'`).join(', ');
    const close = tally.missingNamespaces.flatMap((m) => m.close);
    const hint = close.length ? ` (close existing names: ${[...new Set(close)].join(', ')})` : '';
    return { phase: 'Failed', failure: `0 items backed up: include-namespaces names ${names}, which the cluster does not have${hint}` };
  }
  if (tally.items === 0 && tally.errors > 0) {
    return { phase: 'Failed', failure: `0 items backed up, with ${tally.errors} error${tally.errors > 1 ? 's' : ''}${tally.firstError ? `; the first: ${tally.firstError}` : ''}` };
  }
  return { phase: tally.errors > 0 ? 'PartiallyFailed' : 'Completed' };
}
