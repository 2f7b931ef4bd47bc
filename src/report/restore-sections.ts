import type { RestoreResult } from '../restore/run.js';
import type { OutcomeCounts } from '../restore/tally.js';
import { markdownTable } from './table.js';
import { runDuration, summaryTable, TABLE_ROWS } from './summary-limits.js';

const COUNTERS = ['created', 'updated', 'unchanged', 'skipped', 'failed'] as const;
const DONE_HEADERS = ['Created', 'Updated', 'Unchanged', 'Skipped', 'Failed'];
const PLAN_HEADERS = ['Would create', 'Would update', 'Unchanged', 'Would skip', 'Would fail'];

/**
 * Title and headline: what ran (a dry run says so, and that nothing was written), its phase, from which backup,
 * cluster and location into which cluster, how long, and the counts in the dry run's own words.
 */
export function restoreHeadline(result: RestoreResult): string[] {
  const c = result.counts;
  const title = result.dryRun
    ? `## Restore plan (dry run) \`${result.name}\` from \`${result.backupName}\`: ${result.phase === 'Completed' ? 'planned' : result.phase}`
    : `## Restore \`${result.name}\` from \`${result.backupName}\`: ${result.phase}`;
  const source = result.sourceCluster ? ` (backed up from \`${result.sourceCluster}\`)` : '';
  const where = `From \`${result.location ?? '?'}\`${source} into \`${result.cluster ?? '?'}\`, in ${runDuration(result.startedAt, result.completedAt)}.`;
  const counts = result.dryRun
    ? `**Dry run, nothing was written**: would create ${c.created}, update ${c.updated}, leave ${c.unchanged} unchanged, skip ${c.skipped}; ${c.failed} would fail.`
    : `${c.created} created, ${c.updated} updated, ${c.unchanged} unchanged, ${c.skipped} skipped, ${c.failed} failed.`;
  return [title, '', where, counts, '', markdownTable(result.dryRun ? PLAN_HEADERS : DONE_HEADERS, [COUNTERS.map((k) => String(c[k]))]), ''];
}

/** Namespace mappings as applied: the plan and the tables below name target namespaces. */
export function mappingsSection(result: RestoreResult): string[] {
  const mappings = Object.entries(result.namespaceMappings ?? {});
  if (!mappings.length) return [];
  return ['### Namespace mappings', '', markdownTable(['Backed-up namespace', 'Restored into'], mappings.map(([from, to]) => [from, to])), ''];
}

/** Counts per resource type and per target namespace, aggregated past TABLE_ROWS rows. */
export function countTables(result: RestoreResult): string[] {
  if (!result.byResource?.size) return [];
  const headers = result.dryRun ? PLAN_HEADERS : DONE_HEADERS;
  const rows = (map: ReadonlyMap<string, OutcomeCounts>) => [...map].map(([key, counts]) => ({ key, cells: COUNTERS.map((k) => counts[k]) }));
  return [
    '### Per resource type',
    '',
    summaryTable(['Resource', ...headers], rows(result.byResource), TABLE_ROWS, 'more resource types'),
    '',
    '### Per namespace (target)',
    '',
    summaryTable(['Namespace', ...headers], rows(result.byNamespace ?? new Map()), TABLE_ROWS, 'more namespaces'),
    ''
  ];
}

/** Skipped items (by design, or left because they exist and differ), each with why; the first 200. */
export function skippedSection(result: RestoreResult): string[] {
  const skipped = result.skippedItems ?? [];
  if (!skipped.length) return [];
  const shown = skipped.slice(0, 200);
  const rows = shown.map((o) => [o.groupResource, o.namespace ?? '', o.name, o.reason ?? '']);
  const more = result.counts.skipped - shown.length;
  return [`### ${result.dryRun ? 'Would be skipped' : 'Skipped'}`, '', markdownTable(['Resource', 'Namespace', 'Name', 'Why'], rows), ...(more > 0 ? ['', `… and ${more} more (the restore log names each)`] : []), ''];
}

/** Every restored claim and where its data comes from: an empty volume must not come as a surprise. */
export function claimsSection(result: RestoreResult): string[] {
  const claims = (result.claims ?? []).filter((c) => c.volumeData);
  if (!claims.length) return [];
  const rows = claims.slice(0, TABLE_ROWS).map((c) => [`${c.namespace}/${c.name}`, c.volumeData!]);
  const more = claims.length - rows.length;
  return ['### Volume data per claim', '', markdownTable(['Claim', 'Volume data'], rows), ...(more > 0 ? ['', `… and ${more} more`] : []), ''];
}
