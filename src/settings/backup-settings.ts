import type { BackupHooksSpec } from '../hooks/hook-types.js';
import { parseLabelSelector, type LabelSelector } from '../kube/label-selector.js';
import { parseBackupHooksSpec } from './hook-specs.js';
import { InputError } from '../util/errors.js';
import { formatGoDuration, parseGoDuration } from '../util/duration.js';
import { readBoolean, readChoice, readPositiveInteger, type InputReader } from './input-reader.js';
import { checkName, parseNamespacePatterns, parseResourceNames } from './names.js';
import type { ScopeFilters } from './scope-filters.js';
import { parseBackupVolumeSettings, type BackupVolumeSettings } from './volume-settings.js';
import type { SigningKey } from '../integrity/manifest-signature.js';
import { readSigningKey } from './signature-keys.js';
import type { EncryptionKeys } from '../encryption/age-cipher.js';
import { parseEncryptionKeys } from './encryption-settings.js';
import { DEFAULT_PAGE_ITEMS } from '../kube/page-sizer.js';

export const ACCESS_MODES = ['ReadWrite', 'ReadOnly'] as const;
export type AccessMode = (typeof ACCESS_MODES)[number];

/** How the location is named and may be used: Velero's BackupStorageLocation name and access mode. */
export interface LocationPolicy {
  name: string;
  accessMode: AccessMode;
}

export interface BackupSettings {
  /** Explicit name; otherwise derived from the schedule name or the time. */
  name?: string;
  scheduleName?: string;
  ttlMs: number;
  /** As Velero writes it into spec.ttl: `720h0m0s`. */
  ttl: string;
  filters: ScopeFilters;
  /** Server-side label selector; with orSelectors, one list per selector. */
  labelSelector?: LabelSelector;
  orLabelSelectors: LabelSelector[];
  allApiVersions: boolean;
  /** The hooks input, parsed; no rules when it is empty. */
  hooks: BackupHooksSpec;
  concurrency: number;
  pageSize: number;
  compressionLevel: number;
  failOnPartial: boolean;
  volumes: BackupVolumeSettings;
  /** signing-key: signs the checksum manifest; none: the backup is unsigned. */
  signingKey?: SigningKey;
  /** encryption-recipients or encryption-passphrase; none: the backup's files are plain, as Velero writes them. */
  encryption?: EncryptionKeys;
}

export const DEFAULT_TTL = '720h0m0s';
export const DEFAULT_CONCURRENCY = 8;
export const DEFAULT_COMPRESSION_LEVEL = 6;

export function parseLocationPolicy(reader: InputReader): LocationPolicy {
  const name = reader.get('location-name') ?? 'default';
  checkName('location-name', name);
  return { name, accessMode: readChoice(reader, 'storage-access-mode', ACCESS_MODES, 'ReadWrite') };
}

export function parseBackupSettings(reader: InputReader): BackupSettings {
  const name = reader.get('backup-name');
  if (name !== undefined) checkName('backup-name', name);
  const scheduleName = reader.get('schedule-name');
  if (scheduleName !== undefined) checkName('schedule-name', scheduleName, 63 - '-YYYYMMDDhhmmss'.length);

  const ttlMs = parseGoDuration(reader.get('ttl') ?? DEFAULT_TTL, 'ttl');
  const includeCluster = reader.get('include-cluster-resources');
  const labelSelector = reader.get('selector');
  const orLabelSelectors = (reader.get('or-selector') ?? '')
    .split(/\s+or\s+/)
    .map((s) => s.trim())
    .filter(Boolean);
  if (labelSelector && orLabelSelectors.length) {
    throw new InputError('or-selector', 'cannot be combined with selector', 'Use one of selector or or-selector, as Velero does');
  }

  return {
    name,
    scheduleName,
    ttlMs,
    ttl: formatGoDuration(ttlMs),
    filters: {
      includeNamespaces: parseNamespacePatterns(reader.get('include-namespaces'), 'include-namespaces'),
      excludeNamespaces: parseNamespacePatterns(reader.get('exclude-namespaces'), 'exclude-namespaces'),
      includeResources: parseResourceNames(reader.get('include-resources'), 'include-resources'),
      excludeResources: parseResourceNames(reader.get('exclude-resources'), 'exclude-resources'),
      includeClusterResources: includeCluster === undefined || includeCluster === 'auto' ? undefined : readBoolean(reader, 'include-cluster-resources', false)
    },
    labelSelector: labelSelector === undefined ? undefined : parseLabelSelector(labelSelector, 'selector'),
    orLabelSelectors: orLabelSelectors.map((s) => parseLabelSelector(s, 'or-selector')),
    allApiVersions: readBoolean(reader, 'all-api-versions', false),
    hooks: parseBackupHooksSpec(reader.get('hooks')),
    concurrency: readPositiveInteger(reader, 'concurrency', DEFAULT_CONCURRENCY, 64),
    pageSize: readPositiveInteger(reader, 'page-size', DEFAULT_PAGE_ITEMS, 10_000),
    compressionLevel: readPositiveInteger(reader, 'compression-level', DEFAULT_COMPRESSION_LEVEL, 9),
    failOnPartial: readBoolean(reader, 'fail-on-partial', false),
    volumes: parseBackupVolumeSettings(reader),
    signingKey: readSigningKey(reader),
    encryption: parseEncryptionKeys(reader)
  };
}
