import * as core from '@actions/core';
import { connect, openStore, type Ports } from '../engine/connect.js';
import { parseLocationPolicy } from '../settings/backup-settings.js';
import { cancelOnSignals } from '../cancellation.js';
import { localHost } from '../local-host.js';
import { runHolder } from '../settings/run-identity.js';
import { parseConnectionSettings, parseMode, parseStoreSettings, STORE_ONLY_MODES, type Mode } from '../settings/settings.js';
import { errorMessage } from '../util/errors.js';
import { actionInputReader, actionProcessContext, maskKubeconfigFiles } from './inputs.js';
import { uploadDirectoryArtifact, uploadReport } from './artifacts.js';
import { scheduledCron } from './event.js';
import { actionLogger } from './logger.js';
import { backupMode } from './modes/backup.js';
import { pruneMode } from './modes/prune.js';
import { restoreMode } from './modes/restore.js';
import { syncMode } from './modes/sync.js';
import { verifyMode } from './modes/verify.js';
import { listMode } from './modes/list.js';
import { deleteMode } from './modes/delete.js';
import { copyMode } from './modes/copy.js';
import { diffMode } from './modes/diff.js';
import type { ModeRunner } from './modes/mode-context.js';

const MODES: Record<Mode, ModeRunner> = {
  backup: backupMode,
  restore: restoreMode,
  prune: pruneMode,
  sync: syncMode,
  verify: verifyMode,
  copy: copyMode,
  list: listMode,
  delete: deleteMode,
  diff: diffMode
};

/**
 * The action: parse the shared inputs, let the mode parse its own (a typo fails before anything is touched), then
 * connect, run, publish outputs and the job summary. Failures end the step with one clear line.
 */
export async function run(): Promise<void> {
  let ports: Ports | undefined;
  try {
    const reader = actionInputReader();
    const mode = parseMode(reader);
    // verify reads only the location: no kubeconfig is looked for, so a workflow without one can run it.
    const connection = STORE_ONLY_MODES.includes(mode) ? undefined : parseConnectionSettings(reader, actionProcessContext());
    if (connection) maskKubeconfigFiles(connection.kubeconfig);
    const storeSettings = connection ?? parseStoreSettings(reader, actionProcessContext().workingDirectory);
    const location = parseLocationPolicy(reader);
    await MODES[mode]({
      reader,
      connection,
      location,
      logger: actionLogger,
      holder: runHolder(process.env, localHost()),
      signal: cancelOnSignals((signal) => core.warning(`${signal}: the run was cancelled; cleaning up (lease, uploads, temporary files)`)),
      connect: async () => {
        if (!connection) throw new Error(`mode ${mode} does not connect to a cluster`);
        ports = await connect(connection);
        core.info(`Connected to ${ports.cluster.server} (Kubernetes ${ports.serverVersion}); location ${ports.store.url}`);
        return ports;
      },
      openStore: async () => {
        const store = await openStore(storeSettings);
        core.info(`Location ${store.url}`);
        return store;
      },
      setOutput: (name, value) => core.setOutput(name, value),
      summary: async (markdown) => {
        await core.summary.addRaw(markdown).write();
      },
      artifact: uploadReport,
      uploadDirectory: uploadDirectoryArtifact,
      runnerEnvironment: process.env.RUNNER_ENVIRONMENT,
      fail: (message) => core.setFailed(message),
      warn: (message) => core.warning(message),
      eventSchedule: scheduledCron(process.env)
    });
  } catch (err) {
    core.setFailed(errorMessage(err));
  } finally {
    ports?.cluster.close?.();
  }
}
