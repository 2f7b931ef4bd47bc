import { randomUUID } from 'node:crypto';
import pLimit, { type LimitFunction } from 'p-limit';
import type { Cluster } from '../kube/cluster.js';
import type { KubeObject } from '../model/kube-object.js';
import type { ResourceRef } from '../model/resource-ref.js';
import type { BackupDecryption } from '../persistence/backup-encryption.js';
import type { RestoreSettings } from '../settings/restore-settings.js';
import type { Logger } from '../util/logger.js';
import { RunLog } from '../util/run-log.js';
import { RunResults } from '../util/run-results.js';
import { VELERO_NAMESPACE } from '../velero/vocabulary.js';
import { globMatcher } from '../util/glob.js';
import { deletionHazard } from './deletion-hazard.js';
import { OwnerRegistry } from './owner-registry.js';
import { RestoreTally } from './tally.js';
import type { PodAwaitingData } from './steps/fill-pod-volumes.js';

/** An object created without its ownerReferences, to be given them once every owner exists. */
export interface PendingOwnerReferences {
  desired: KubeObject;
  groupResource: string;
  version: string;
}

export interface RestoredClaim {
  sourceNamespace: string;
  /** Where it is in the target (after namespace mapping). */
  namespace: string;
  name: string;
  /** Created by this run (not found existing, not a dry run). */
  created: boolean;
  /** Where its data comes from, or why it has none (for the report). */
  volumeData?: string;
}

/** A workload (WORKLOAD_KINDS) this run created or updated: what `wait-for-workloads` waits for. */
export interface RestoredWorkload {
  groupResource: string;
  /** The version it was written at, so it is read back at the same one. */
  ref: ResourceRef;
  namespace: string;
  name: string;
}

export interface RestoreRunOptions {
  cluster: Cluster;
  settings: RestoreSettings;
  clock: () => Date;
  logger: Logger;
  backupName: string;
  name: string;
  signal?: AbortSignal;
  /** How the backup's encrypted files are read; a plain backup's files pass as they are. */
  decryption: BackupDecryption;
}

/**
 * What the steps of one restore share: what it was asked, and what it has done so far. The record written at the
 * end is made of these, so every step adds to them rather than keeping its own.
 */
export class RestoreRun {
  readonly cluster: Cluster;
  readonly settings: RestoreSettings;
  readonly clock: () => Date;
  readonly backupName: string;
  /** Cancellation: checked before each item, so a cancelled restore stops between writes. */
  readonly signal: AbortSignal | undefined;
  readonly name: string;
  readonly decryption: BackupDecryption;
  /** Velero's restore UID: restored CSI snapshots are named from it; recorded in velero-restore.json. */
  readonly uid = randomUUID();
  readonly log: RunLog;
  readonly results = new RunResults();
  readonly tally = new RestoreTally(this.results);
  /** One bound for every parallel call of the run (items, ownerReference patches, exec hooks): `concurrency`. */
  readonly limit: LimitFunction;
  /** Uids of what this run created or found, for rewriting ownerReferences. */
  readonly owners = new OwnerRegistry();
  readonly pendingOwnerReferences: PendingOwnerReferences[] = [];
  /** The claims of the backup this run restored or found: only those it created may be filled with data. */
  readonly claims: RestoredClaim[] = [];
  /** Claims (`name`) and pods' own volumes (`pod/volume`) filled from their file-system copies, verified. */
  readonly filledVolumes: { namespace: string; name: string; bytes: number }[] = [];
  /** Pods created with the wait container, whose own volumes are filled after the pods' wave. */
  readonly podsAwaitingData: PodAwaitingData[] = [];
  /** Pods this run created or recreated: the only ones its exec hooks run in. */
  readonly restoredPods: KubeObject[] = [];
  /** Workloads this run created, recreated or updated (not those found unchanged or left alone). */
  readonly restoredWorkloads: RestoredWorkload[] = [];
  /** Why `recreate` must update an object of a kind in place instead of deleting it (undefined: it may delete). */
  readonly deletionHazard: (groupResource: string) => string | undefined;

  constructor(options: RestoreRunOptions) {
    this.cluster = options.cluster;
    this.settings = options.settings;
    this.clock = options.clock;
    this.backupName = options.backupName;
    this.signal = options.signal;
    this.decryption = options.decryption;
    this.name = options.name;
    this.log = new RunLog(options.logger, `restore=${VELERO_NAMESPACE}/${options.name}`, options.clock);
    this.limit = pLimit(options.settings.concurrency);
    const customAllowed = globMatcher(options.settings.recreateCustomResources);
    this.deletionHazard = (groupResource) => deletionHazard(groupResource, customAllowed);
  }

  /** A warning about the run as a whole (discovery, scope): in its results, and shown in its log as it happens. */
  warn(message: string): void {
    this.results.warning(message);
    this.log.warn(message);
  }
}
