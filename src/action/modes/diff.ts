import os from 'node:os';
import { runDrift } from '../../engine/drift.js';
import { driftJson, driftOutputs, driftSummary } from '../../report/diff-report.js';
import { parseDiffSettings } from '../../settings/diff-settings.js';
import type { ModeContext } from './mode-context.js';

/** `mode: diff`: what changed in the cluster since a backup (or between two backups); fail-on-drift for gates. */
export async function diffMode(context: ModeContext): Promise<void> {
  const settings = parseDiffSettings(context.reader);
  const { cluster, store } = await context.connect();
  const result = await runDrift({ cluster, store, logger: context.logger, tempDirectory: process.env.RUNNER_TEMP || os.tmpdir(), signal: context.signal }, settings);
  for (const [name, value] of Object.entries(driftOutputs(result))) context.setOutput(name, value);
  const summary = driftSummary(result);
  await context.summary(summary);
  // Changes come masked by the comparison (compare/value-masking.ts): paths only for Secrets, ConfigMaps, custom resources.
  await context.artifact(`kube-drift-${result.backupName}`, { 'summary.md': summary, 'drift.json': driftJson(result) });
  if (!result.drifted) return;
  const { added, removed, changed } = result.counts;
  const message = `The cluster drifted from backup ${result.backupName}: ${added} added, ${removed} removed, ${changed} changed (see the job summary)`;
  if (settings.failOnDrift) context.fail(message);
  else context.warn(message);
}
