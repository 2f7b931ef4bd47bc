import type { RestoreResult } from '../restore/run.js';
import { describeChange } from '../compare/diff.js';
import { flattenResults } from './results.js';
import { formatBytes } from '../util/byte-size.js';
import { markdownTable } from './table.js';

export function restoreOutputs(result: RestoreResult): Record<string, string> {
  return {
    'restore-name': result.name,
    'backup-name': result.backupName,
    phase: result.phase,
    created: String(result.counts.created),
    updated: String(result.counts.updated),
    unchanged: String(result.counts.unchanged),
    skipped: String(result.counts.skipped),
    failed: String(result.counts.failed)
  };
}

const PLAN_VERBS: Record<string, string> = { created: 'create', updated: 'update', recreated: 'recreate', unchanged: 'unchanged', conflict: 'conflict', failed: 'fail', skipped: 'skip' };

/**
 * The job summary: counts, then (dry run) the plan with what updates would change, or (restore) what failed. The
 * changes arrive masked (compare/value-masking.ts); describeChange prints a masked one as its path only.
 */
export function restoreSummary(result: RestoreResult): string {
  const c = result.counts;
  const title = result.dryRun ? `## Restore plan (dry run) \`${result.name}\` from \`${result.backupName}\`` : `## Restore \`${result.name}\` from \`${result.backupName}\`: ${result.phase}`;
  const lines = [title, '', markdownTable(['Created', 'Updated', 'Unchanged', 'Skipped', 'Failed'], [[c.created, c.updated, c.unchanged, c.skipped, c.failed].map(String)]), ''];
  if (result.failure) lines.push(`**Failed:** ${result.failure}`, '');
  if (result.dryRun) {
    lines.push('### Plan', '');
    const rows = result.outcomes.map((o) => [
      PLAN_VERBS[o.action] ?? o.action,
      o.groupResource,
      o.namespace ?? '',
      o.name,
      [o.reason, ...(o.action !== 'unchanged' ? (o.changes ?? []).slice(0, 10).map(describeChange) : [])].filter(Boolean).join('; ')
    ]);
    lines.push(markdownTable(['Action', 'Resource', 'Namespace', 'Name', 'Details'], rows), '');
  }
  if (result.filledVolumes.length) {
    const rows = result.filledVolumes.map((v) => [`${v.namespace}/${v.name}`, formatBytes(v.bytes)]);
    lines.push('### Volume data restored (verified)', '', markdownTable(['Volume', 'Size'], rows), '');
  }
  const errors = flattenResults(result.results.errors);
  if (errors.length) lines.push('### Errors', '', ...errors.slice(0, 50).map((e) => `- ${e}`), '');
  const warnings = flattenResults(result.results.warnings);
  if (warnings.length) lines.push('### Warnings', '', ...warnings.slice(0, 30).map((w) => `- ${w}`), warnings.length > 30 ? `- … and ${warnings.length - 30} more` : '', '');
  return lines.join('\n');
}
