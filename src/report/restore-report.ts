import type { RestoreResult } from '../restore/run.js';
import type { WorkloadsWait } from '../restore/steps/wait-workloads.js';
import { formatGoDuration } from '../util/duration.js';
import { describeChange } from '../compare/diff.js';
import { flattenResults } from './results.js';
import { formatBytes } from '../util/byte-size.js';
import { markdownTable } from './table.js';
import { boundedList, boundedSummary } from './summary-limits.js';
import { claimsSection, countTables, mappingsSection, restoreHeadline, skippedSection } from './restore-sections.js';

export function restoreOutputs(result: RestoreResult): Record<string, string> {
  return {
    'restore-name': result.name,
    'backup-name': result.backupName,
    phase: result.phase,
    created: String(result.counts.created),
    updated: String(result.counts.updated),
    unchanged: String(result.counts.unchanged),
    skipped: String(result.counts.skipped),
    failed: String(result.counts.failed),
    ...(result.workloads ? workloadOutputs(result.workloads) : {})
  };
}

/** `workloads-not-ready` names each as Kind/namespace/name, the way a workflow step can split and use it. */
function workloadOutputs(wait: WorkloadsWait): Record<string, string> {
  const notReady = wait.workloads.filter((w) => w.condition !== 'ready').map((w) => `${w.kind}/${w.namespace}/${w.name}`);
  return { 'workloads-ready': String(wait.ready), 'workloads-not-ready': notReady.join(',') };
}

/** Rows in the summary's workload table: every one that is not ready, then ready ones up to this. */
const READY_ROWS = 100;

function workloadsSection(wait: WorkloadsWait): string[] {
  const total = wait.workloads.length;
  const heading = `### Workloads: ${wait.ready} of ${total} ready (waited ${wait.seconds.toFixed(0)} s of ${formatGoDuration(wait.timeoutMs)})`;
  if (total === 0) return [heading, '', 'The restore created or updated no Deployment, StatefulSet, DaemonSet, ReplicaSet, Job or claim.', ''];
  const notReady = wait.workloads.filter((w) => w.condition !== 'ready');
  const shown = [...notReady, ...wait.workloads.filter((w) => w.condition === 'ready').slice(0, READY_ROWS)];
  const rows = shown.map((w) => [w.condition === 'ready' ? 'ready' : w.condition === 'failed' ? '**failed**' : '**not ready**', w.kind, w.namespace, w.name, w.detail]);
  const hidden = total - shown.length;
  return [heading, '', markdownTable(['State', 'Kind', 'Namespace', 'Name', 'Details'], rows), ...(hidden ? ['', `… and ${hidden} more ready`] : []), ''];
}

const PLAN_VERBS: Record<string, string> = { created: 'create', updated: 'update', recreated: 'recreate', unchanged: 'unchanged', conflict: 'conflict', failed: 'fail', skipped: 'skip' };

/**
 * The job summary: headline (restore-sections.ts), why it failed, mappings, counts per resource type and namespace,
 * then (dry run) the plan with what updates would change, skipped items with why, each claim's data, errors in full.
 * The changes arrive masked (compare/value-masking.ts); describeChange prints a masked one as its path only. Held
 * under GitHub's 1 MiB per step (boundedSummary).
 */
export function restoreSummary(result: RestoreResult): string {
  const lines = restoreHeadline(result);
  if (result.failure) lines.push(`**Failed:** ${result.failure}`, '');
  lines.push(...mappingsSection(result), ...countTables(result));
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
    const unlisted = Object.values(result.counts).reduce((a, b) => a + b, 0) - rows.length;
    if (unlisted > 0) lines.push(`… and ${unlisted} more objects (the restore log lists each)`, '');
  }
  lines.push(...skippedSection(result), ...claimsSection(result));
  if (result.filledVolumes.length) {
    const rows = result.filledVolumes.map((v) => [`${v.namespace}/${v.name}`, formatBytes(v.bytes)]);
    lines.push('### Volume data restored (verified)', '', markdownTable(['Volume', 'Size'], rows), '');
  }
  if (result.workloads) lines.push(...workloadsSection(result.workloads));
  const errors = flattenResults(result.results.errors);
  if (errors.length) lines.push('### Errors', '', ...boundedList(errors.map((e) => `- ${e}`), 50, 'see the results file'), '');
  const warnings = flattenResults(result.results.warnings);
  if (warnings.length) lines.push('### Warnings', '', ...boundedList(warnings.map((w) => `- ${w}`), 30, 'see the results file'), '');
  return boundedSummary(lines.join('\n'));
}
