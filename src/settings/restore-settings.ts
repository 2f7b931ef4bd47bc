import { EXISTING_RESOURCE_POLICIES, type ExistingResourcePolicy } from '../restore/apply.js';
import type { BackupChoice } from '../persistence/choose-backup.js';
import { parseNamespaceMappings, parseStorageClassMappings } from './mappings.js';
import { parseRestoreFilters, type RestoreFilters } from '../restore/plan/filters.js';
import { parseResourceModifiers } from '../restore/transform/index.js';
import type { ResourceModifiers } from './resource-modifier-rules.js';
import { RESOURCE_NAME } from '../storage/layout.js';
import { InputError } from '../util/errors.js';
import { readBoolean, readChoice, readPositiveInteger, type InputReader } from './input-reader.js';

export interface RestoreSettings {
  backup: BackupChoice;
  restoreName?: string;
  filters: RestoreFilters;
  namespaceMappings: Record<string, string>;
  storageClassMappings: Record<string, string>;
  resourceModifiers?: ResourceModifiers;
  existingResourcePolicy: ExistingResourcePolicy;
  preserveNodePorts: boolean;
  preserveOwnerReferences: boolean;
  /** Raw restore-hooks input (YAML or JSON in the shape of Velero's Restore spec.hooks). */
  restoreHooks?: string;
  dryRun: boolean;
  concurrency: number;
  failOnPartial: boolean;
}

/** Creates in flight: the API server takes ~4x the rate of one-at-a-time creates at 16-32 (see README). */
export const DEFAULT_RESTORE_CONCURRENCY = 16;

export function parseRestoreSettings(reader: InputReader): RestoreSettings {
  const fromBackup = reader.get('from-backup');
  const fromSchedule = reader.get('from-schedule');
  if (fromBackup && fromSchedule) throw new InputError(reader.label('from-schedule'), 'cannot be combined with from-backup', 'Name a backup, or a schedule whose newest Completed backup to restore');
  let backup: BackupChoice;
  if (fromSchedule) backup = { kind: 'schedule', schedule: fromSchedule };
  else if (!fromBackup) throw new InputError(reader.label('from-backup'), 'is required for a restore', "Name a backup, or use 'latest' for the newest Completed one");
  else backup = fromBackup === 'latest' ? { kind: 'latest' } : { kind: 'name', name: fromBackup };

  const restoreName = reader.get('restore-name');
  if (restoreName !== undefined && (restoreName.length > 63 || !RESOURCE_NAME.test(restoreName))) {
    throw new InputError(reader.label('restore-name'), `'${restoreName}' is not a valid name`, "Use at most 63 lower-case letters, digits, '-' or '.'");
  }
  const includeCluster = reader.get('include-cluster-resources');
  return {
    backup,
    restoreName,
    filters: parseRestoreFilters(
      {
        includeNamespaces: reader.get('include-namespaces'),
        excludeNamespaces: reader.get('exclude-namespaces'),
        includeResources: reader.get('include-resources'),
        excludeResources: reader.get('exclude-resources'),
        includeClusterResources: includeCluster === undefined || includeCluster === 'auto' ? undefined : readBoolean(reader, 'include-cluster-resources', false),
        selector: reader.get('selector'),
        orSelector: reader.get('or-selector'),
        includeNames: reader.get('include-names')
      },
      (input) => reader.label(input)
    ),
    namespaceMappings: parseNamespaceMappings(reader.get('namespace-mappings'), reader.label('namespace-mappings')),
    storageClassMappings: parseStorageClassMappings(reader.get('storage-class-mappings'), reader.label('storage-class-mappings')),
    resourceModifiers: parseResourceModifiers(reader.get('resource-modifiers'), reader.label('resource-modifiers')),
    existingResourcePolicy: readChoice(reader, 'existing-resource-policy', EXISTING_RESOURCE_POLICIES, 'none'),
    preserveNodePorts: readBoolean(reader, 'preserve-nodeports', false),
    preserveOwnerReferences: readBoolean(reader, 'preserve-owner-references', false),
    restoreHooks: reader.get('restore-hooks'),
    dryRun: readBoolean(reader, 'dry-run', false),
    concurrency: readPositiveInteger(reader, 'concurrency', DEFAULT_RESTORE_CONCURRENCY, 128),
    failOnPartial: readBoolean(reader, 'fail-on-partial', false)
  };
}
