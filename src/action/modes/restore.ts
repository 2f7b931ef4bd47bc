import os from 'node:os';
import { runRestore } from '../../restore/run.js';
import { restoreOutputs, restoreSummary } from '../../report/restore-report.js';
import { parseRestoreSettings } from '../../settings/restore-settings.js';
import type { ModeContext } from './mode-context.js';

export async function restoreMode(context: ModeContext): Promise<void> {
  const settings = parseRestoreSettings(context.reader);
  const { cluster, store } = await context.connect();
  const result = await runRestore({ cluster, store, logger: context.logger, tempDirectory: process.env.RUNNER_TEMP || os.tmpdir(), signal: context.signal }, { settings, location: context.location });
  for (const [name, value] of Object.entries(restoreOutputs(result))) context.setOutput(name, value);
  const summary = restoreSummary(result);
  await context.summary(summary);
  await context.artifact(`kube-restore-${result.name}`, {
    'summary.md': summary,
    'results.json': JSON.stringify(result.results.toJSON(), null, 2),
    // The plan or outcome per object. Changes come masked by the comparison (compare/value-masking.ts): Secrets,
    // ConfigMaps, custom resources and credential-looking fields carry field paths only, never values.
    'outcomes.json': JSON.stringify(result.outcomes, null, 2),
    // wait-for-workloads: each restored workload's state, for a drill's record.
    ...(result.workloads ? { 'workloads.json': JSON.stringify(result.workloads, null, 2) } : {})
  });
  if (result.phase === 'Failed') context.fail(`Restore ${result.name} failed: ${result.failure}`);
  else if (result.phase === 'PartiallyFailed') {
    const notReady = result.workloads ? result.workloads.workloads.length - result.workloads.ready : 0;
    const what = [`${result.counts.failed} items failed`, ...(notReady ? [`${notReady} workloads not ready`] : [])].join(', ');
    const message = `Restore ${result.name} is PartiallyFailed: ${what} (see the job summary)`;
    if (settings.failOnPartial) context.fail(message);
    else context.warn(message);
  }
}
