import type { Ports } from '../../engine/connect.js';
import type { LocationPolicy } from '../../settings/backup-settings.js';
import type { InputReader } from '../../settings/input-reader.js';
import type { ConnectionSettings } from '../../settings/settings.js';
import type { ObjectStore } from '../../storage/object-store.js';
import type { Logger } from '../../util/logger.js';

/** What every action mode gets: its inputs, the parsed connection, and the runner's outputs. */
export interface ModeContext {
  reader: InputReader;
  /** Absent for the modes that read only the location (verify): they need no kubeconfig, and none is looked for. */
  connection?: ConnectionSettings;
  location: LocationPolicy;
  logger: Logger;
  /** Who this run is (the workflow run), shown to a run that has to wait for the location's lease. */
  holder: string;
  /** Aborted when the workflow run is cancelled (SIGINT, then SIGTERM): the mode stops and cleans up. */
  signal: AbortSignal;
  /** Connects to the cluster and the store; called after the mode has parsed its own inputs. */
  connect(): Promise<Ports>;
  /** Opens the store alone (checked to answer), for the modes that never touch a cluster. */
  openStore(): Promise<ObjectStore>;
  setOutput(name: string, value: string): void;
  summary(markdown: string): Promise<void>;
  /** Uploads report files (results, summary, plan) as a workflow artifact; never fails the run. */
  artifact(name: string, files: Record<string, string>): Promise<void>;
  /** Uploads every file under `directory` as a workflow artifact; resolves whether it was uploaded, never fails the run. */
  uploadDirectory(name: string, directory: string): Promise<boolean>;
  /** RUNNER_ENVIRONMENT: `github-hosted` (the disk goes with the job) or `self-hosted`; unset outside a runner. */
  runnerEnvironment?: string;
  fail(message: string): void;
  warn(message: string): void;
  /** The `github.event.schedule` cron of a scheduled run, when there is one. */
  eventSchedule?: string;
}

export type ModeRunner = (context: ModeContext) => Promise<void>;
