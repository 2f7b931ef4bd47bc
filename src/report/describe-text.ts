import { formatLabelSelector, type LabelSelector } from '../kube/label-selector.js';
import type { KubeObject } from '../model/kube-object.js';
import type { ResultBucket } from '../util/run-results.js';

/**
 * `backup describe` and `restore describe` as Velero prints them: `Key:  value` sections, lists indented, `<none>`
 * for nothing; `--details` adds the resource list and each error and warning. Pure: the command reads the files.
 */

export interface DescribeDetails {
  /** `<name>-resource-list.json.gz`: `group/version/Kind` → `namespace/name` (or `name`). */
  resourceList?: Record<string, string[]>;
  /** `<name>-results.gz`. */
  results?: { errors?: ResultBucket; warnings?: ResultBucket };
  /** Why a details file could not be read (an encrypted backup without its key); shown instead of it. */
  unavailable?: string;
}

type Spec = Record<string, unknown>;
type Status = Record<string, unknown>;

export function describeBackupText(backup: KubeObject, extra: { verification?: string; details?: DescribeDetails }): string {
  const spec = (backup.spec ?? {}) as Spec;
  const status = (backup.status ?? {}) as Status;
  const progress = (status.progress ?? {}) as { totalItems?: number; itemsBackedUp?: number };
  const sections = [
    metadataSection(backup),
    pairs([['Phase', text(status.phase)]]),
    ...(extra.verification ? [pairs([['Verification', extra.verification]])] : []),
    filterSection(spec),
    pairs([['Label selector', selectorText(spec.labelSelector)]]),
    pairs([['Or label selector', orSelectorText(spec.orLabelSelectors)]]),
    pairs([['Storage Location', text(spec.storageLocation)]]),
    pairs([
      ['Velero-Native Snapshot PVs', spec.snapshotVolumes === undefined ? 'auto' : String(spec.snapshotVolumes)],
      ['File System Backup (Default)', String(spec.defaultVolumesToFsBackup ?? false)]
    ]),
    pairs([['TTL', text(spec.ttl)]]),
    pairs([['CSISnapshotTimeout', text(spec.csiSnapshotTimeout)]]),
    pairs([['Backup Format Version', text(status.formatVersion)]]),
    pairs([
      ['Started', text(status.startTimestamp)],
      ['Completed', text(status.completionTimestamp)]
    ]),
    pairs([['Expiration', text(status.expiration)]]),
    pairs([
      ['Total items to be backed up', String(progress.totalItems ?? 0)],
      ['Items backed up', String(progress.itemsBackedUp ?? 0)]
    ]),
    ...(status.csiVolumeSnapshotsAttempted !== undefined
      ? [pairs([
          ['CSI Volume Snapshots Attempted', String(status.csiVolumeSnapshotsAttempted)],
          ['CSI Volume Snapshots Completed', String(status.csiVolumeSnapshotsCompleted ?? 0)]
        ])]
      : []),
    ...resultSections(status, extra.details),
    ...(extra.details ? [resourceListSection(extra.details)] : [pairs([['Resource List', '<backup resource list only rendered with --details>']])])
  ];
  return sections.join('\n\n');
}

export function describeRestoreText(restore: KubeObject, extra: { details?: DescribeDetails }): string {
  const spec = (restore.spec ?? {}) as Spec;
  const status = (restore.status ?? {}) as Status;
  const progress = (status.progress ?? {}) as { totalItems?: number; itemsRestored?: number };
  const mapping = (spec.namespaceMapping ?? {}) as Record<string, string>;
  const sections = [
    metadataSection(restore),
    pairs([['Phase', text(status.phase)], ...(status.failureReason ? ([['Failure reason', String(status.failureReason)]] as [string, string][]) : [])]),
    pairs([
      ['Total items to be restored', String(progress.totalItems ?? 0)],
      ['Items restored', String(progress.itemsRestored ?? 0)]
    ]),
    pairs([
      ['Started', text(status.startTimestamp)],
      ['Completed', text(status.completionTimestamp)]
    ]),
    pairs([['Backup', text(spec.backupName)]]),
    filterSection(spec),
    pairs([['Namespace mappings', Object.keys(mapping).length ? Object.entries(mapping).map(([from, to]) => `${from}=${to}`).join(', ') : '<none>']]),
    pairs([['Label selector', selectorText(spec.labelSelector)]]),
    pairs([['Or label selector', orSelectorText(spec.orLabelSelectors)]]),
    pairs([['Existing Resource Policy', text(spec.existingResourcePolicy)]]),
    pairs([['Preserve Service NodePorts', String(spec.preserveNodePorts ?? false)]]),
    ...resultSections(status, extra.details),
    ...(extra.details ? [resourceListSection(extra.details)] : [])
  ];
  return sections.join('\n\n');
}

function metadataSection(object: KubeObject): string {
  const list = (map: Record<string, string> | undefined) => (map && Object.keys(map).length ? Object.entries(map).sort(([a], [b]) => a.localeCompare(b)).map(([k, v]) => `${k}=${v}`) : ['<none>']);
  return [...keyed('Name', [object.metadata.name ?? '']), ...keyed('Namespace', [object.metadata.namespace ?? '']), ...keyed('Labels', list(object.metadata.labels)), ...keyed('Annotations', list(object.metadata.annotations))].join('\n');
}

/** `Key:         first` and the rest of the values under it, aligned as Velero aligns its header block. */
function keyed(key: string, values: string[]): string[] {
  const pad = 14;
  return values.map((value, i) => (i === 0 ? `${`${key}:`.padEnd(pad)}${value}` : `${' '.repeat(pad)}${value}`));
}

/** A block of `Key:  value` lines with the values aligned. */
function pairs(entries: [string, string][]): string {
  const width = Math.max(...entries.map(([key]) => key.length)) + 3;
  return entries.map(([key, value]) => `${`${key}:`.padEnd(width)}${value}`).join('\n');
}

function filterSection(spec: Spec): string {
  return [
    'Namespaces:',
    indent(pairs([['Included', listText(spec.includedNamespaces, '*')], ['Excluded', listText(spec.excludedNamespaces)]])),
    '',
    'Resources:',
    indent(
      pairs([
        ['Included', listText(spec.includedResources, '*')],
        ['Excluded', listText(spec.excludedResources)],
        ['Cluster-scoped', spec.includeClusterResources === undefined ? 'auto' : spec.includeClusterResources ? 'included' : 'excluded']
      ])
    )
  ].join('\n');
}

/** Errors and warnings: their counts, and with details each message by Velero's grouping. */
function resultSections(status: Status, details: DescribeDetails | undefined): string[] {
  const counts = pairs([
    ['Errors', String(status.errors ?? 0)],
    ['Warnings', String(status.warnings ?? 0)]
  ]);
  if (!details?.results) return [counts];
  return [bucketSection('Errors', details.results.errors), bucketSection('Warnings', details.results.warnings)];
}

function bucketSection(title: string, bucket: ResultBucket | undefined): string {
  const lines = [`${title}:`, `  Velero:     ${bucket?.velero?.length ? '' : '<none>'}`, ...(bucket?.velero ?? []).map((m) => `    ${m}`), `  Cluster:    ${bucket?.cluster?.length ? '' : '<none>'}`, ...(bucket?.cluster ?? []).map((m) => `    ${m}`)];
  const namespaces = Object.entries(bucket?.namespaces ?? {});
  lines.push(`  Namespaces: ${namespaces.length ? '' : '<none>'}`);
  for (const [namespace, messages] of namespaces) lines.push(`    ${namespace}:`, ...messages.map((m) => `      ${m}`));
  return lines.map((line) => line.trimEnd()).join('\n');
}

function resourceListSection(details: DescribeDetails): string {
  if (details.unavailable) return pairs([['Resource List', `<${details.unavailable}>`]]);
  const list = details.resourceList ?? {};
  const kinds = Object.keys(list).sort();
  if (!kinds.length) return pairs([['Resource List', '<none>']]);
  return ['Resource List:', ...kinds.flatMap((kind) => [`  ${kind}:`, ...[...(list[kind] ?? [])].sort().map((item) => `    - ${item}`)])].join('\n');
}

function indent(block: string): string {
  return block
    .split('\n')
    .map((line) => `  ${line}`)
    .join('\n');
}

function text(value: unknown): string {
  return value === undefined || value === null || value === '' ? '<none>' : String(value);
}

function listText(value: unknown, empty = '<none>'): string {
  return Array.isArray(value) && value.length ? value.join(', ') : empty;
}

function selectorText(value: unknown): string {
  return value && typeof value === 'object' ? formatLabelSelector(value as LabelSelector) || '<none>' : '<none>';
}

function orSelectorText(value: unknown): string {
  return Array.isArray(value) && value.length ? value.map((s) => formatLabelSelector(s as LabelSelector)).join(' or ') : '<none>';
}
