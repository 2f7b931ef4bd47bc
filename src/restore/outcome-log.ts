import { describeChange } from '../compare/diff.js';
import { logItem, type Logger } from '../util/logger.js';
import { summarize } from './apply.js';
import type { ItemOutcome } from './tally.js';

/** Every item gets a line: a dry run's is its plan (with each change), a restore's what was done. */
export function logOutcome(log: Logger, outcome: ItemOutcome, dryRun: boolean): void {
  const what = `${outcome.groupResource} ${outcome.namespace ? `${outcome.namespace}/` : ''}${outcome.name}`;
  const verb = dryRun ? planVerb(outcome.action) : outcome.action;
  const line = `${verb}: ${what}${outcome.reason ? ` (${outcome.reason})` : ''}`;
  if (outcome.action === 'failed') log.error(line);
  else logItem(log, line);
  if (dryRun && outcome.changes?.length && outcome.action !== 'unchanged') {
    for (const change of outcome.changes) logItem(log, `    ${describeChange(change)}`);
  } else if (outcome.action === 'conflict' && outcome.changes) {
    log.debug(`    differs in ${summarize(outcome.changes)}`);
  }
}

function planVerb(action: ItemOutcome['action']): string {
  const verbs: Record<ItemOutcome['action'], string> = { created: 'create', updated: 'update', recreated: 'recreate', unchanged: 'unchanged', conflict: 'conflict', failed: 'fail', skipped: 'skip' };
  return verbs[action];
}
