import type { Cluster } from '../kube/cluster.js';
import { chooseBackup } from '../persistence/choose-backup.js';
import type { LocationPolicy } from '../settings/backup-settings.js';
import type { RestoreSettings } from '../settings/restore-settings.js';
import { BackupDecryption } from '../persistence/backup-encryption.js';
import type { ObjectStore } from '../storage/object-store.js';
import { InputError, errorMessage } from '../util/errors.js';
import type { Logger } from '../util/logger.js';
import type { RunResults } from '../util/run-results.js';
import { timestampSuffix } from '../velero/time.js';
import type { RestorePhase } from './restore-object.js';
import { RestoreRun, type RestoredClaim } from './restore-run.js';
import { ANNOTATIONS } from '../velero/vocabulary.js';
import { applyWaves } from './steps/apply-waves.js';
import { runExecHooks } from './steps/exec-hooks.js';
import { restoreOwnerReferences } from './steps/owner-references.js';
import { planRestore } from './steps/plan-restore.js';
import { recordRestore } from './steps/record.js';
import { claimCopiesOf, fillRestoredClaims } from './steps/fill-claims.js';
import { fillRestoredPodVolumes, podVolumeCopiesOf } from './steps/fill-pod-volumes.js';
import { readVolumeCopies } from '../volumes/volume-copy-record.js';
import { restoreName } from './steps/restore-name.js';
import { SpooledBackup } from './steps/spooled-backup.js';
import { BackupIntegrity } from './steps/backup-integrity.js';
import { waitForWorkloads, type WorkloadsWait } from './steps/wait-workloads.js';
import type { ItemOutcome, RestoreTally } from './tally.js';

export interface RestoreContext {
  cluster: Cluster;
  store: ObjectStore;
  logger: Logger;
  clock?: () => Date;
  /** Where the archive is spooled, in a private directory made per restore (RUNNER_TEMP on a runner). */
  tempDirectory: string;
  /** Aborted when the run is cancelled (SIGINT/SIGTERM at the edges): no new work starts, cleanup still runs. */
  signal?: AbortSignal;
}

export interface RestoreRequest {
  settings: RestoreSettings;
  location: LocationPolicy;
}

export interface RestoreResult {
  name: string;
  backupName: string;
  phase: RestorePhase;
  dryRun: boolean;
  startedAt: Date;
  completedAt: Date;
  counts: RestoreTally['counts'];
  outcomes: ItemOutcome[];
  /**
   * For the report (optional so a result can be built by hand): the API server restored into, the location and
   * source cluster (as the backup records it) restored from, the mappings, counts per resource type and per target
   * namespace, the first skipped items with why, and where each claim's data comes from.
   */
  cluster?: string;
  location?: string;
  sourceCluster?: string;
  namespaceMappings?: Readonly<Record<string, string>>;
  byResource?: RestoreTally['byResource'];
  byNamespace?: RestoreTally['byNamespace'];
  skippedItems?: readonly ItemOutcome[];
  claims?: readonly RestoredClaim[];
  results: RunResults;
  /**
   * Whether the restore's files were written to the location (not for dry runs or ReadOnly locations; not when the
   * store failed or the backup was pruned meanwhile: a warning in `results` says so).
   */
  recorded: boolean;
  /** Claims (`name`) and pods' own volumes (`pod/volume`) filled from the backup's file-system copies. */
  filledVolumes: readonly { namespace: string; name: string; bytes: number }[];
  /** With wait-for-workloads (not in a dry run, not when the restore failed before): what became ready. */
  workloads?: WorkloadsWait;
  failure?: string;
}

/**
 * One restore: choose the backup, spool and verify its archive before the first write, select, then create in
 * Velero's order, one wave at a time, items of a wave in parallel. A dry run does everything but write: the API
 * server validates each create (`dryRun=All`) and the plan says what would happen to every object.
 */
export async function runRestore(context: RestoreContext, request: RestoreRequest): Promise<RestoreResult> {
  const { cluster, store } = context;
  const clock = context.clock ?? (() => new Date());
  const { settings } = request;
  const startedAt = clock();

  const backup = await chooseBackup(store, settings.backup);
  // An encrypted backup without a key that could open it fails here, before anything is read or written.
  const decryption = BackupDecryption.for(backup.backup, backup.name, settings.decryption);
  const record = !settings.dryRun && request.location.accessMode === 'ReadWrite';
  const name = await restoreName(store, settings.restoreName, `${backup.name}-${timestampSuffix(startedAt)}`, record);
  const run = new RestoreRun({ cluster, settings, clock, logger: context.logger, backupName: backup.name, name, signal: context.signal, decryption });
  run.log.info(`${settings.dryRun ? 'Planning (dry run) restore' : 'Starting restore'} ${name} of backup ${backup.name} from ${store.url} into ${cluster.server}`);

  let spooled: SpooledBackup | undefined;
  let phase: RestorePhase = 'Completed';
  let failure: string | undefined;
  let selected: number | undefined;
  let workloads: WorkloadsWait | undefined;
  try {
    // Every file read before the first write is held to the backup's checksum manifest, when it has one.
    const integrity = await BackupIntegrity.check(store, backup, run.log, settings.verifyKeys);
    spooled = await SpooledBackup.open(store, backup.name, context.tempDirectory, { limits: settings.archiveLimits, warn: (message) => run.warn(message), integrity, decryption });
    const { catalog } = spooled;
    run.log.info(`Archive of ${backup.name} verified${integrity.manifest ? ' (checksum too)' : ''}: format ${catalog.formatVersion ?? 'unknown'}, ${catalog.groupResources().length} resource types`);
    // Read and checked before the first write, as the archive is: a bad record fails the restore here.
    const copies = settings.volumes.restoreVolumes ? await readVolumeCopies(store, backup.name, (bytes) => integrity.checkCopiesRecord(bytes)) : [];
    integrity.checkCopies(copies);
    if (copies.length) run.log.info(`The backup holds ${copies.length} file-system volume copies; what this restore creates is filled before its pods start`);
    const plan = await planRestore(run, catalog, { claims: claimCopiesOf(copies), podVolumes: podVolumeCopiesOf(copies) });
    selected = plan.selection.total;
    await applyWaves(run, plan, async (wave) => {
      if (wave.includes('persistentvolumeclaims')) await fillRestoredClaims(run, store, plan.volumeCopies.claims);
      if (wave.includes('pods') && !settings.dryRun) await fillRestoredPodVolumes(run, store);
    });
    if (run.pendingOwnerReferences.length) await restoreOwnerReferences(run, plan.target);
    if (!settings.dryRun) await runExecHooks(run);
    // Last: hooks may be what makes a workload ready, and no write waits on it.
    if (settings.waitForWorkloads && !settings.dryRun) workloads = await waitForWorkloads(run);
    else if (settings.waitForWorkloads) run.log.info('Dry run: nothing was written, so wait-for-workloads has nothing to wait for');
  } catch (err) {
    phase = 'Failed';
    failure = errorMessage(err);
    if (err instanceof InputError) throw err;
    run.results.error(`restore failed: ${failure}`, undefined, 'velero');
    run.log.error(`Restore failed: ${failure}`);
  } finally {
    // The cluster may have been written to: a spool that cannot be removed is a warning, not the run's end.
    await spooled?.close().catch((err: unknown) => run.warn(`cannot remove the spooled archive: ${errorMessage(err)}`));
  }
  if (phase !== 'Failed' && run.results.errorTotal > 0) phase = 'PartiallyFailed';

  const completedAt = clock();
  const { counts } = run.tally;
  run.log.info(
    settings.dryRun
      ? `Dry run of restore ${name} (${phase}), nothing written: would create ${counts.created}, update ${counts.updated}, leave ${counts.unchanged} unchanged, skip ${counts.skipped}; ${counts.failed} would fail`
      : `Restore ${name} ${phase}: ${counts.created} created, ${counts.updated} updated, ${counts.unchanged} unchanged, ${counts.skipped} skipped, ${counts.failed} failed`
  );
  const recorded = record && (await recordRestore(store, run, { phase, startedAt, completedAt, failure, selected }));
  const { tally } = run;
  const sourceCluster = backup.backup.metadata.annotations?.[ANNOTATIONS.sourceServer];
  const report = { cluster: cluster.server, location: store.url, sourceCluster, namespaceMappings: settings.namespaceMappings, byResource: tally.byResource, byNamespace: tally.byNamespace, skippedItems: tally.skippedItems, claims: run.claims };
  return { name, backupName: backup.name, phase, dryRun: settings.dryRun, startedAt, completedAt, counts, outcomes: run.tally.outcomes, ...report, results: run.results, recorded, filledVolumes: run.filledVolumes, workloads, failure };
}
