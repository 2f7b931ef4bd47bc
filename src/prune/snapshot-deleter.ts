import { randomUUID } from 'node:crypto';
import type { Cluster } from '../kube/cluster.js';
import type { KubeObject } from '../model/kube-object.js';
import { errorMessage } from '../util/errors.js';
import type { Logger } from '../util/logger.js';
import { pollUntil } from '../util/poll.js';
import { CSI } from '../velero/vocabulary.js';
import { snapshotApiOf, type SnapshotApi } from '../volumes/snapshot-api.js';
import type { CsiSnapshotRef } from './snapshots.js';

/** What became of one CSI snapshot of a backup prune deletes. */
export interface SnapshotDeletion {
  handle: string;
  driver: string;
  /** `namespace/claim` it was taken of, when the backup says. */
  claim?: string;
  /**
   * - `deleted`: its driver was asked to delete it through a temporary VolumeSnapshotContent, which is gone;
   * - `already-gone`: an earlier prune deleted it (recorded in the folder's prune marker), or the driver reports no
   *   such snapshot;
   * - `would-delete`: a dry run;
   * - `failed`: not deleted (see message); the backup's files stay, and the next prune tries again.
   */
  result: 'deleted' | 'already-gone' | 'would-delete' | 'failed';
  message?: string;
}

/** Deletes CSI snapshots for prune. The real one is ClusterSnapshotDeleter; tests may pass another. */
export interface SnapshotDeleter {
  /** Why no snapshot can be deleted at all (no cluster connection, no snapshot API), or undefined. Never throws. */
  unavailable(): Promise<string | undefined>;
  /** Never throws for the snapshot's own trouble (that is a `failed` result); throws only when `signal` aborts. */
  delete(backupName: string, snapshot: CsiSnapshotRef, signal?: AbortSignal): Promise<SnapshotDeletion>;
}

export interface SnapshotWaits {
  /** How long the driver's sidecar may take to find the snapshot (the content's status.snapshotHandle, readyToUse). */
  readyTimeoutMs: number;
  /** How long a deleted content may take to disappear (its protection finalizer is removed once the driver deleted the snapshot). */
  goneTimeoutMs: number;
  /** After ready: how long to wait for the controller's protection finalizer before deleting anyway (Velero waits 2 s). */
  settleMs: number;
  pollMs: number;
  /** Measures the waits; the prune's own clock is "now" for expiry, which tests freeze. */
  clock: () => Date;
}

export const DEFAULT_SNAPSHOT_WAITS: SnapshotWaits = { readyTimeoutMs: 120_000, goneTimeoutMs: 120_000, settleMs: 2_000, pollMs: 500, clock: () => new Date() };

/** The external-snapshotter's finalizer on a content: removed only after the driver has deleted the snapshot (policy Delete). */
export const CONTENT_PROTECTION_FINALIZER = 'snapshot.storage.kubernetes.io/volumesnapshotcontent-bound-protection';
/** On the temporary contents prune creates, so one left behind (its deletion still pending) can be told apart. */
export const SNAPSHOT_DELETION_LABEL = 'kube-backup.io/snapshot-deletion';
export const SNAPSHOT_DELETION_BACKUP_ANNOTATION = 'kube-backup.io/deletes-snapshot-of';

interface ContentView {
  metadata?: { deletionTimestamp?: string; finalizers?: string[] };
  status?: { snapshotHandle?: string; readyToUse?: boolean; error?: { message?: string } };
}

/**
 * Deletes a CSI snapshot by its handle as Velero's deletion does (internal/delete/actions/csi): a temporary
 * VolumeSnapshotContent `vsc-<uuid>` with deletionPolicy Delete, the driver, `source.snapshotHandle`, a
 * volumeSnapshotRef to a VolumeSnapshot that does not exist (`ns-<uuid>/name-<uuid>`) and no class, deleted again so
 * that the driver's sidecar deletes the snapshot.
 *
 * The sidecar issues DeleteSnapshot only for a content whose status already holds the handle, and only if it sees
 * the deletion (a content deleted within milliseconds of its creation can be missed: Velero's issue #9699). So,
 * instead of Velero's blind 2 s: wait until the sidecar has set the content's status (snapshotHandle, readyToUse),
 * then briefly for the controller's protection finalizer, delete, and wait until the content is gone. Where the
 * finalizer is present, gone means the driver deleted the snapshot; a content still there after `goneTimeoutMs`
 * is a failure (the sidecar keeps trying; the next prune tries again). A content never made ready (no sidecar for
 * the driver, the driver refusing) is a failure too, and is withdrawn without touching the snapshot: set to Retain,
 * then deleted. Where the driver reports the snapshot does not exist, it is `already-gone`. A driver that once failed to answer in time is not waited for again in the same run.
 */
export class ClusterSnapshotDeleter implements SnapshotDeleter {
  private api: Promise<SnapshotApi | { unavailable: string }> | undefined;
  private readonly silentDrivers = new Map<string, string>();
  private readonly waits: SnapshotWaits;

  constructor(
    private readonly cluster: Cluster | undefined,
    private readonly logger: Logger,
    waits: Partial<SnapshotWaits> = {}
  ) {
    this.waits = { ...DEFAULT_SNAPSHOT_WAITS, ...waits };
  }

  async unavailable(): Promise<string | undefined> {
    const api = await this.snapshotApi();
    return 'unavailable' in api ? api.unavailable : undefined;
  }

  async delete(backupName: string, snapshot: CsiSnapshotRef, signal?: AbortSignal): Promise<SnapshotDeletion> {
    const outcome = (result: SnapshotDeletion['result'], message?: string): SnapshotDeletion => ({
      handle: snapshot.handle,
      driver: snapshot.driver,
      ...(snapshot.claim ? { claim: snapshot.claim } : {}),
      result,
      ...(message ? { message } : {})
    });
    const api = await this.snapshotApi();
    if ('unavailable' in api) return outcome('failed', api.unavailable);
    const silent = this.silentDrivers.get(snapshot.driver);
    if (silent) return outcome('failed', `not attempted: ${silent}`);
    const cluster = this.cluster!;
    const id = randomUUID();
    const name = `vsc-${id}`;
    const what = `snapshot ${snapshot.handle} (driver ${snapshot.driver}${snapshot.claim ? `, of ${snapshot.claim}` : ''})`;
    try {
      await cluster.create(api.contents, temporaryContent(api, name, id, backupName, snapshot));
    } catch (err) {
      return outcome('failed', `cannot create the VolumeSnapshotContent that deletes it: ${errorMessage(err)}`);
    }
    let deleted = false;
    try {
      const ready = await this.waitUntilReady(api, name, snapshot.handle, signal);
      if (ready.state !== 'ready') {
        await this.withdraw(api, name);
        deleted = true;
        if (ready.state === 'missing') {
          this.logger.info(`Backup ${backupName}: ${what} does not exist any more (${ready.message})`);
          return outcome('already-gone', `the driver reports no such snapshot: ${ready.message}`);
        }
        if (ready.state === 'timeout') {
          this.silentDrivers.set(snapshot.driver, `driver ${snapshot.driver} did not answer for an earlier snapshot of this run`);
        }
        return outcome('failed', ready.message);
      }
      const protectedContent = await this.waitForFinalizer(api, name, signal);
      await cluster.delete(api.contents, name);
      deleted = true;
      const gone = await pollUntil(
        async () => {
          signal?.throwIfAborted();
          return (await cluster.get(api.contents, name)) === undefined;
        },
        { timeoutMs: this.waits.goneTimeoutMs, intervalMs: this.waits.pollMs, clock: this.waits.clock }
      );
      if (!gone) {
        const left = (await cluster.get(api.contents, name).catch(() => undefined)) as ContentView | undefined;
        const error = left?.status?.error?.message;
        return outcome(
          'failed',
          `its VolumeSnapshotContent ${name} is still being deleted after ${seconds(this.waits.goneTimeoutMs)}: the driver has not confirmed the deletion` +
            `${error ? ` (${error})` : ''}; the content stays, its sidecar keeps trying`
        );
      }
      this.logger.info(
        `Backup ${backupName}: deleted ${what}` +
          (protectedContent ? '; the snapshot controller confirmed it' : '; the content carried no protection finalizer, so its sidecar deletes the snapshot on its own time')
      );
      return outcome('deleted');
    } catch (err) {
      if (!deleted) await this.withdraw(api, name).catch(() => undefined);
      if (signal?.aborted) throw err;
      return outcome('failed', errorMessage(err));
    }
  }

  /**
   * Takes back a temporary content that is not to delete the snapshot (never made ready, or given up on): Retain
   * first, so that no controller that sees its deletion later (a sidecar back from an outage, catching up) deletes
   * the snapshot while the backup is kept for it.
   */
  private async withdraw(api: SnapshotApi, name: string): Promise<void> {
    const cluster = this.cluster!;
    await cluster.patch(api.contents, name, { spec: { deletionPolicy: 'Retain' } }, 'merge').catch((err: unknown) => {
      this.logger.warn(`Could not set VolumeSnapshotContent ${name} to Retain before deleting it: ${errorMessage(err)}`);
    });
    await cluster.delete(api.contents, name);
  }

  private snapshotApi(): Promise<SnapshotApi | { unavailable: string }> {
    this.api ??= (async () => {
      if (!this.cluster) return { unavailable: 'prune runs without a cluster connection, and a CSI snapshot can only be deleted through its cluster' };
      try {
        const api = snapshotApiOf(await this.cluster.discover());
        return api ?? { unavailable: `the cluster ${this.cluster.server} serves no ${CSI.group} API (v1 or v1beta1), through which CSI snapshots are deleted` };
      } catch (err) {
        return { unavailable: `cannot discover the cluster's snapshot API: ${errorMessage(err)}` };
      }
    })();
    return this.api;
  }

  /** Until the sidecar has set the content's status with the handle (it then deletes the snapshot with the content). */
  private async waitUntilReady(
    api: SnapshotApi,
    name: string,
    handle: string,
    signal: AbortSignal | undefined
  ): Promise<{ state: 'ready' } | { state: 'missing' | 'gone' | 'timeout'; message: string }> {
    let state = 'no status yet: no sidecar of the driver has seen it';
    let missing: string | undefined;
    let vanished = false;
    const ready = await pollUntil(
      async () => {
        signal?.throwIfAborted();
        const content = (await this.cluster!.get(api.contents, name)) as ContentView | undefined;
        if (!content) return (vanished = true);
        const status = content.status ?? {};
        const error = status.error?.message;
        if (error && saysSnapshotMissing(error, handle)) {
          missing = error;
          return true;
        }
        if (status.snapshotHandle && status.readyToUse === true) return true;
        state = error ? `the content reports: ${error}` : status.snapshotHandle ? 'not ready to use' : 'no snapshot handle in its status yet';
        return false;
      },
      { timeoutMs: this.waits.readyTimeoutMs, intervalMs: this.waits.pollMs, clock: this.waits.clock }
    );
    if (missing !== undefined) return { state: 'missing', message: missing };
    if (vanished) return { state: 'gone', message: `its VolumeSnapshotContent ${name} disappeared before the driver found the snapshot` };
    if (!ready) return { state: 'timeout', message: `the driver did not find the snapshot within ${seconds(this.waits.readyTimeoutMs)} (${state})` };
    return { state: 'ready' };
  }

  /** Whether the content carries the controller's protection finalizer, waiting up to settleMs for it. */
  private async waitForFinalizer(api: SnapshotApi, name: string, signal: AbortSignal | undefined): Promise<boolean> {
    let found = false;
    await pollUntil(
      async () => {
        signal?.throwIfAborted();
        const content = (await this.cluster!.get(api.contents, name)) as ContentView | undefined;
        found = content?.metadata?.finalizers?.includes(CONTENT_PROTECTION_FINALIZER) ?? false;
        return found;
      },
      { timeoutMs: this.waits.settleMs, intervalMs: Math.min(this.waits.pollMs, 250), clock: this.waits.clock }
    );
    return found;
  }
}

/** The temporary content: Velero's, built from volumeinfo instead of the tarball's content. */
export function temporaryContent(api: SnapshotApi, name: string, id: string, backupName: string, snapshot: CsiSnapshotRef): KubeObject {
  const apiVersion = `${CSI.group}/${api.version}`;
  return {
    apiVersion,
    kind: 'VolumeSnapshotContent',
    metadata: { name, labels: { [SNAPSHOT_DELETION_LABEL]: 'true' }, annotations: { [SNAPSHOT_DELETION_BACKUP_ANNOTATION]: backupName } },
    spec: {
      deletionPolicy: 'Delete',
      driver: snapshot.driver,
      source: { snapshotHandle: snapshot.handle },
      volumeSnapshotRef: { apiVersion, kind: 'VolumeSnapshot', namespace: `ns-${id}`, name: `name-${id}` }
    }
  };
}

/**
 * Whether a content's error says its snapshot does not exist: the external-snapshotter's "can not find snapshot for
 * snapshotID <handle>" and the like. The handle must be in the message, so an unrelated "not found" (a missing
 * credentials Secret) is never taken for a deleted snapshot.
 */
export function saysSnapshotMissing(message: string, handle: string): boolean {
  return message.includes(handle) && /can ?not find|not found|does not exist|no such snapshot/i.test(message);
}

function seconds(ms: number): string {
  return `${Math.round(ms / 100) / 10}s`;
}
