import { runVerify } from '../../verify/run-verify.js';
import { verifyOutputs, verifySummary } from '../../report/verify-report.js';
import { parseVerifySettings } from '../../settings/verify-settings.js';
import type { ModeContext } from './mode-context.js';

/** `mode: verify`: checks one backup (from-backup, a name or latest) or all (verify-all) in the location; no cluster. */
export async function verifyMode(context: ModeContext): Promise<void> {
  const settings = parseVerifySettings(context.reader);
  const store = await context.openStore();
  const result = await runVerify({ store, logger: context.logger, signal: context.signal }, settings);
  for (const [name, value] of Object.entries(verifyOutputs(result))) context.setOutput(name, value);
  const summary = verifySummary(result);
  await context.summary(summary);
  await context.artifact(`kube-verify-${new Date().toISOString().replace(/[:.]/g, '-')}`, { 'summary.md': summary, 'problems.json': JSON.stringify(result.backups, null, 2) });
  if (result.failed) {
    const failed = result.backups.filter((b) => b.state === 'failed').map((b) => `${b.name} (${b.problems.length} problems)`);
    context.fail(`${result.failed} of ${result.backups.length} backups failed verification: ${failed.join(', ')} (see the job summary)`);
  }
}
