import * as core from '@actions/core';
import { runBackup } from '../backup/run.js';
import { connect, type Ports } from '../engine/connect.js';
import { backupOutputs, backupSummary } from '../report/backup-report.js';
import { parseBackupSettings, parseLocationPolicy } from '../settings/backup-settings.js';
import { parseConnectionSettings, parseMode } from '../settings/settings.js';
import { errorMessage } from '../util/errors.js';
import { actionInputReader, actionProcessContext } from './inputs.js';
import { actionLogger } from './logger.js';

const NAMES = { kubeconfig: 'kubeconfig', context: 'context' };

/**
 * The action: parse every input first (a typo fails before anything is touched), connect, run the mode, publish
 * outputs and the job summary. Failures end the step with one clear line.
 */
export async function run(): Promise<void> {
  let ports: Ports | undefined;
  try {
    const reader = actionInputReader();
    const mode = parseMode(reader);
    const connection = parseConnectionSettings(reader, actionProcessContext());
    const location = parseLocationPolicy(reader);

    if (mode === 'backup') {
      const settings = parseBackupSettings(reader);
      ports = await connect(connection, NAMES);
      core.info(`Connected to ${ports.cluster.server} (Kubernetes ${ports.serverVersion}); location ${ports.store.url}`);
      const result = await runBackup({ cluster: ports.cluster, store: ports.store, logger: actionLogger }, { settings, location });
      for (const [name, value] of Object.entries(backupOutputs(result))) core.setOutput(name, value);
      await core.summary.addRaw(backupSummary(result)).write();
      if (result.phase === 'Failed') core.setFailed(`Backup ${result.name} failed: ${result.failure}`);
      else if (result.phase === 'PartiallyFailed') {
        const message = `Backup ${result.name} is PartiallyFailed: ${result.errors} errors (see the job summary)`;
        if (settings.failOnPartial) core.setFailed(message);
        else core.warning(message);
      }
      return;
    }
    throw new Error(`mode '${mode}' is not available in this version of kube-backup-action yet`);
  } catch (err) {
    core.setFailed(errorMessage(err));
  } finally {
    ports?.cluster.close?.();
  }
}
