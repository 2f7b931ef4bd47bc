import { InputError } from '../../util/errors.js';

/**
 * Refuses namespace mappings whose source the backup holds nothing of. Velero ignores them silently, and the
 * restore then lands under the original names: a typo in `prod:prod-copy` would write into production itself.
 */
export function checkMappingSources(mappings: Record<string, string>, namespacesInBackup: ReadonlySet<string>, backupName: string): void {
  const unknown = Object.keys(mappings).filter((source) => !namespacesInBackup.has(source));
  if (unknown.length === 0) return;
  const held = [...namespacesInBackup].sort();
  const shown = held.length > 10 ? `${held.slice(0, 10).join(', ')} and ${held.length - 10} more` : held.join(', ') || 'none';
  throw new InputError(
    'namespace-mappings',
    `maps ${unknown.map((n) => `'${n}'`).join(', ')}, of which backup '${backupName}' holds nothing (its namespaces: ${shown}); nothing was written`,
    'Map namespaces the backup holds (the source comes first: source:target)'
  );
}
