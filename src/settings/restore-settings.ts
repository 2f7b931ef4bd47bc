import { parseRestoreVolumeSettings, type RestoreVolumeSettings } from './volume-settings.js';
import type { DecryptionKeys } from '../encryption/age-cipher.js';
import { parseDecryptionKeys } from './encryption-settings.js';
import { archiveLimits, DEFAULT_MAX_ARCHIVE_SIZE, type ArchiveLimits } from '../archive/archive-limits.js';
import { formatBytes, MiB, parseByteSize } from '../util/byte-size.js';
import type { RestoreHooksSpec } from '../hooks/hook-types.js';
import { parseRestoreHooksSpec } from './restore-hook-specs.js';
import type { BackupChoice } from '../persistence/choose-backup.js';
import { parseNamespaceMappings, parseStorageClassMappings } from './mappings.js';
import type { ResourceModifiers } from './resource-modifier-rules.js';
import { InputError } from '../util/errors.js';
import { formatGoDuration, parseGoDuration } from '../util/duration.js';
import { splitList } from '../util/lists.js';
import { checkName } from './names.js';
import { readBoolean, readChoice, readPositiveInteger, type InputReader } from './input-reader.js';
import { parseRestoreFilters, type RestoreFilters } from './restore-filters.js';
import { parseResourceModifiers } from './resource-modifiers.js';
import type { VerifyKey } from '../integrity/manifest-signature.js';
import { readVerifyKeys } from './signature-keys.js';

/** What a restore does with an object the target already has (Velero's existingResourcePolicy, plus recreate). */
export const EXISTING_RESOURCE_POLICIES = ['none', 'update', 'recreate'] as const;
export type ExistingResourcePolicy = (typeof EXISTING_RESOURCE_POLICIES)[number];

export interface RestoreSettings {
  backup: BackupChoice;
  restoreName?: string;
  filters: RestoreFilters;
  namespaceMappings: Record<string, string>;
  storageClassMappings: Record<string, string>;
  resourceModifiers?: ResourceModifiers;
  existingResourcePolicy: ExistingResourcePolicy;
  /** Custom resources (`resource.group` globs) that recreate may delete; others are updated in place. */
  recreateCustomResources: string[];
  preserveNodePorts: boolean;
  preserveOwnerReferences: boolean;
  /** The restore-hooks input (Velero's Restore spec.hooks), parsed; no rules when it is empty. */
  restoreHooks: RestoreHooksSpec;
  dryRun: boolean;
  concurrency: number;
  failOnPartial: boolean;
  /** Caps on the backup's tarball: max-archive-size (uncompressed), and the fixed per-entry cap. */
  archiveLimits: ArchiveLimits;
  volumes: RestoreVolumeSettings;
  /** verify-key: the backup must be signed by one of these; empty: a signature is not required. */
  verifyKeys: VerifyKey[];
  /** encryption-identity / encryption-passphrase: what opens an encrypted backup. */
  decryption?: DecryptionKeys;
  /** wait-for-workloads: after the writes, wait for the restored workloads to be ready (not in a dry run). */
  waitForWorkloads: boolean;
  /** workloads-timeout: how long that wait may take. */
  workloadsTimeoutMs: number;
}

/** Long enough for images to be pulled and a rollout to finish on a busy cluster; a drill sets its own. */
export const DEFAULT_WORKLOADS_TIMEOUT_MS = 10 * 60_000;

/** Creates in flight: the API server takes ~4x the rate of one-at-a-time creates at 16-32 (see README). */
export const DEFAULT_RESTORE_CONCURRENCY = 16;

export function parseRestoreSettings(reader: InputReader): RestoreSettings {
  const fromBackup = reader.get('from-backup');
  const fromSchedule = reader.get('from-schedule');
  if (fromBackup && fromSchedule) throw new InputError('from-schedule', 'cannot be combined with from-backup', 'Name a backup, or a schedule whose newest Completed backup to restore');
  let backup: BackupChoice;
  if (fromSchedule) checkName('from-schedule', fromSchedule);
  if (fromBackup && fromBackup !== 'latest') checkName('from-backup', fromBackup);
  if (fromSchedule) backup = { kind: 'schedule', schedule: fromSchedule };
  else if (!fromBackup) throw new InputError('from-backup', 'is required for a restore', "Name a backup, or use 'latest' for the newest Completed one");
  else backup = fromBackup === 'latest' ? { kind: 'latest' } : { kind: 'name', name: fromBackup };

  const restoreName = reader.get('restore-name');
  if (restoreName !== undefined) checkName('restore-name', restoreName);
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
      }
    ),
    namespaceMappings: parseNamespaceMappings(reader.get('namespace-mappings'), 'namespace-mappings'),
    storageClassMappings: parseStorageClassMappings(reader.get('storage-class-mappings'), 'storage-class-mappings'),
    resourceModifiers: parseResourceModifiers(reader.get('resource-modifiers'), 'resource-modifiers'),
    existingResourcePolicy: readChoice(reader, 'existing-resource-policy', EXISTING_RESOURCE_POLICIES, 'none'),
    recreateCustomResources: parseGroupResourceGlobs(reader, 'recreate-custom-resources'),
    preserveNodePorts: readBoolean(reader, 'preserve-nodeports', false),
    preserveOwnerReferences: readBoolean(reader, 'preserve-owner-references', false),
    restoreHooks: parseRestoreHooksSpec(reader.get('restore-hooks')),
    dryRun: readBoolean(reader, 'dry-run', false),
    concurrency: readPositiveInteger(reader, 'concurrency', DEFAULT_RESTORE_CONCURRENCY, 128),
    failOnPartial: readBoolean(reader, 'fail-on-partial', false),
    archiveLimits: archiveLimits(readArchiveSize(reader, 'max-archive-size')),
    volumes: parseRestoreVolumeSettings(reader),
    verifyKeys: readVerifyKeys(reader),
    decryption: parseDecryptionKeys(reader),
    waitForWorkloads: readBoolean(reader, 'wait-for-workloads', false),
    workloadsTimeoutMs: parseGoDuration(reader.get('workloads-timeout') ?? formatGoDuration(DEFAULT_WORKLOADS_TIMEOUT_MS), 'workloads-timeout')
  };
}

/** Below this, a max-archive-size is a unit left out (`50` meant as 50 GiB), not a cap anyone wants. */
const MIN_ARCHIVE_SIZE = MiB;

/** `50Gi`, `500Mi`, `1Ti`, `50G` or plain bytes; default 20Gi (see DEFAULT_MAX_ARCHIVE_SIZE for why). */
function readArchiveSize(reader: InputReader, input: string): number {
  const raw = reader.get(input);
  if (raw === undefined) return DEFAULT_MAX_ARCHIVE_SIZE;
  const bytes = parseByteSize(raw);
  const units = 'Write a size with a unit: 50Gi, 500Mi or 1Ti (binary, as Kubernetes quantities), 50G (decimal), or a number of bytes';
  if (bytes === undefined) throw new InputError(input, `'${raw}' is not a size`, units);
  if (bytes < MIN_ARCHIVE_SIZE) throw new InputError(input, `'${raw}' is only ${formatBytes(bytes)}, below the smallest cap accepted (1 MiB)`, `${units}; the default is ${formatBytes(DEFAULT_MAX_ARCHIVE_SIZE)}`);
  return bytes;
}

const GROUP_RESOURCE_GLOB = /^[a-z0-9*?[\]!.-]+$/;

/** `widgets.example.com, *.example.com`: group-resource names as the archive's folders name them, globs allowed. */
function parseGroupResourceGlobs(reader: InputReader, input: string): string[] {
  const entries = splitList(reader.get(input));
  for (const entry of entries) {
    if (!GROUP_RESOURCE_GLOB.test(entry)) throw new InputError(input, `'${entry}' is not a resource.group name or glob`, 'Write plural resource names with their group, e.g. widgets.example.com or *.example.com');
  }
  return entries;
}
