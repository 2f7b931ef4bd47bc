import * as core from '@actions/core';
import { connect } from '../engine/connect.js';
import { parseConnectionSettings, parseMode } from '../settings/settings.js';
import { errorMessage } from '../util/errors.js';
import { actionInputReader, actionProcessContext } from './inputs.js';

/** The action: parse inputs once, connect, run the mode, report. Failures end the step with one clear line. */
export async function run(): Promise<void> {
  let close: (() => void) | undefined;
  try {
    const reader = actionInputReader();
    const mode = parseMode(reader);
    const connection = parseConnectionSettings(reader, actionProcessContext());
    core.info(`kube-backup-action: mode ${mode}, location ${connection.location.url}`);
    const ports = await connect(connection, { kubeconfig: 'kubeconfig', context: 'context' });
    close = () => ports.cluster.close?.();
    core.info(`Connected to ${ports.cluster.server} (Kubernetes ${ports.serverVersion})`);
    throw new Error(`mode '${mode}' is not available in this version of kube-backup-action yet`);
  } catch (err) {
    core.setFailed(errorMessage(err));
  } finally {
    close?.();
  }
}
