import type { FieldChange } from '../compare/diff.js';
import type { AddedObject, ChangedObject, DriftedObject, DriftResult, DriftRow } from '../diff/drift-result.js';
import { markdownTable } from './table.js';

/** Objects listed per section of the job summary; the JSON artifact has them all. */
const LISTED = 50;
/** Changed fields listed per object in the summary. */
const FIELDS_LISTED = 10;

/** Step outputs: `drifted` (true/false) and the three counts. */
export function driftOutputs(result: DriftResult): Record<string, string> {
  return { drifted: String(result.drifted), added: String(result.counts.added), removed: String(result.counts.removed), changed: String(result.counts.changed) };
}

/** The JSON artifact: the whole result. Changes carry values only where value-masking.ts allowed them. */
export function driftJson(result: DriftResult): string {
  return JSON.stringify(result, null, 2);
}

/** The job summary: the verdict first, then where (namespaces, types), then what, capped so a big drift stays readable. */
export function driftSummary(result: DriftResult): string {
  const { counts } = result;
  const lines = [`## Drift since backup \`${result.backupName}\``, '', headline(result), ''];
  if (result.drifted) {
    lines.push(markdownTable(['Namespace', 'Added', 'Removed', 'Changed'], result.byNamespace.map((row) => rowCells(row, row.key || '(cluster-scoped)'))), '');
    lines.push(markdownTable(['Resource', 'Added', 'Removed', 'Changed'], result.byResource.map((row) => rowCells(row, row.key))), '');
  }
  if (result.changed.length) lines.push(`### Changed (${counts.changed})`, '', ...capped(result.changed, changedLines), '');
  if (result.added.length) lines.push(`### Added live (${counts.added})`, '', ...capped(addedGroups(result.added), (group) => [group]), '');
  if (result.removed.length) lines.push(`### Removed live (${counts.removed})`, '', ...capped(result.removed, (object) => [`- ${objectName(object)}`]), '');
  if (result.problems.length) lines.push(`### Not compared (${result.problems.length})`, '', ...capped(result.problems, (problem) => [`- ${problem}`]), '');
  if (result.warnings.length) lines.push(`### Warnings (${result.warnings.length})`, '', ...capped(result.warnings, (warning) => [`- ${warning}`]), '');
  return lines.join('\n');
}

/** The CLI's text: the same content without Markdown tables. */
export function driftText(result: DriftResult): string {
  const lines = [headline(result).replace(/\*\*/g, '')];
  for (const object of result.changed) lines.push(...changedLines(object).map((line) => line.replace(/`/g, '')));
  for (const group of addedGroups(result.added)) lines.push(group.replace(/`/g, '').replace(/^- /, '+ '));
  for (const object of result.removed) lines.push(`- ${objectName(object).replace(/`/g, '')}`);
  for (const problem of result.problems) lines.push(`! not compared: ${problem}`);
  return lines.join('\n');
}

function headline(result: DriftResult): string {
  const { counts } = result;
  const compared = `compared with ${result.comparedWith}`;
  const seconds = ((result.completedAt.getTime() - result.startedAt.getTime()) / 1000).toFixed(1);
  const skipped = counts.skipped ? `, ${counts.skipped} a restore would skip` : '';
  if (!result.drifted) return `**No drift**: ${counts.unchanged} objects unchanged${skipped}, ${compared} (${seconds}s).`;
  return `**Drifted**: ${counts.added} added, ${counts.removed} removed, ${counts.changed} changed; ${counts.unchanged} unchanged${skipped}, ${compared} (${seconds}s).`;
}

function rowCells(row: DriftRow, label: string): string[] {
  return [label, String(row.added), String(row.removed), String(row.changed)];
}

function objectName(object: DriftedObject): string {
  return `${object.kind ?? object.groupResource} \`${object.namespace ? `${object.namespace}/` : ''}${object.name}\``;
}

function changedLines(object: ChangedObject): string[] {
  const fields = object.changes.slice(0, FIELDS_LISTED).map((change) => `  - ${changeText(change)}`);
  const more = object.changes.length > FIELDS_LISTED ? [`  - and ${object.changes.length - FIELDS_LISTED} more fields`] : [];
  return [`- ${objectName(object)}`, ...fields, ...more];
}

/**
 * A change as drift reads it: the backup's value, then the live one (restore's FieldChange says it the other way
 * round: `to` is the backup's). Withheld values say only that the field differs.
 */
export function changeText(change: FieldChange): string {
  const path = `\`${change.path}\``;
  if (change.op === 'remove') return change.masked ? `${path} added live (values not shown)` : `${path}: unset in the backup, ${shown(change.from)} live`;
  if (change.masked) return `${path} ${change.op === 'add' ? 'removed live' : 'changed'} (values not shown)`;
  if (change.op === 'add') return `${path}: ${shown(change.to)} in the backup, unset live`;
  return `${path}: ${shown(change.to)} → ${shown(change.from)}`;
}

function shown(value: unknown): string {
  const text = JSON.stringify(value) ?? 'undefined';
  return `\`${(text.length > 80 ? `${text.slice(0, 77)}...` : text).replace(/`/g, "'")}\``;
}

/**
 * Added objects grouped under the added object they came with: `Deployment shop/web, with 1 ReplicaSet, 2 Pod`.
 * Those whose owner was there before (a new Pod of an existing ReplicaSet) name it.
 */
export function addedGroups(added: readonly AddedObject[]): string[] {
  const followers = new Map<string, Map<string, number>>();
  for (const object of added) {
    if (!object.cameWith) continue;
    const key = identity(object.cameWith);
    const kinds = followers.get(key) ?? new Map<string, number>();
    const kind = object.kind ?? object.groupResource;
    kinds.set(kind, (kinds.get(kind) ?? 0) + 1);
    followers.set(key, kinds);
  }
  return added
    .filter((object) => !object.cameWith)
    .map((object) => {
      const kinds = followers.get(identity(object));
      const brought = kinds ? `, with ${[...kinds].sort(([a], [b]) => a.localeCompare(b)).map(([kind, n]) => `${n} ${kind}`).join(', ')}` : '';
      const owner = object.owner ? ` (owned by ${object.owner.kind} \`${object.owner.name}\`)` : '';
      return `- ${objectName(object)}${brought}${owner}`;
    });
}

function identity(object: DriftedObject): string {
  return `${object.groupResource}/${object.namespace ?? ''}/${object.name}`;
}

function capped<T>(items: readonly T[], render: (item: T) => string[]): string[] {
  const lines = items.slice(0, LISTED).flatMap(render);
  if (items.length > LISTED) lines.push(`- … and ${items.length - LISTED} more (see the drift report artifact, drift.json)`);
  return lines;
}
