import type { Cluster } from '../kube/cluster.js';
import { KubeApiError } from '../kube/http.js';
import type { KubeObject } from '../model/kube-object.js';
import type { ResourceRef } from '../model/resource-ref.js';
import { errorMessage } from '../util/errors.js';
import { isJsonObject } from '../util/json.js';
import type { Logger } from '../util/logger.js';
import { pollUntil } from '../util/poll.js';
import { parseQuantity } from '../util/quantity.js';
import { validLabelValue } from '../velero/label-value.js';
import { rfc3339 } from '../velero/time.js';
import { CSI, LABELS } from '../velero/vocabulary.js';
import { chooseSnapshotClass } from '../volumes/snapshot-class.js';
import type { SnapshotApi } from '../volumes/snapshot-api.js';

const STORAGE_CLASSES: ResourceRef = { group: 'storage.k8s.io', version: 'v1', resource: 'storageclasses', namespaced: false };

/** A claim's snapshot, taken and ready: what goes into the tarball and into Velero's volumeinfo. */
export interface TakenSnapshot {
  namespace: string;
  claim: string;
  persistentVolume?: string;
  driver: string;
  /** As written to the tarball: with Velero's annotations (snapshot), its backup label (content), final status. */
  snapshot: KubeObject;
  content: KubeObject;
  snapshotClass: KubeObject;
  handle: string;
  restoreSizeBytes: number;
  startTimestamp: string;
  completionTimestamp: string;
}

/** Why a claim is not snapshotted when no attempt was made (volumeinfo's skipped reason), or the snapshot. */
export type SnapshotOutcome = { taken: TakenSnapshot } | { notAttempted: string } | { failed: string };

export interface CsiSnapshotterOptions {
  cluster: Cluster;
  api: SnapshotApi;
  backupName: string;
  /** Per lower-cased driver: the class csi-snapshot-classes names. */
  classesByDriver: Readonly<Record<string, string>>;
  timeoutMs: number;
  log: Logger;
  clock: () => Date;
}

/**
 * CSI snapshots as Velero takes them (pkg/backup/actions/csi): a VolumeSnapshot of the claim in its namespace,
 * named `velero-<claim>-…`, labelled with the backup; once its content has a handle and is ready, the snapshot gets
 * Velero's annotations and the content the backup label, and both, with their class, go into the tarball. After the
 * backup, `release` keeps the snapshot and removes both objects from the cluster, as Velero does.
 */
export class CsiSnapshotter {
  private storageClasses = new Map<string, Promise<KubeObject | undefined>>();
  private classes: Promise<KubeObject[]> | undefined;

  constructor(private readonly options: CsiSnapshotterOptions) {}

  async snapshot(pvc: KubeObject, signal: AbortSignal): Promise<SnapshotOutcome> {
    const { cluster, api, log } = this.options;
    const namespace = pvc.metadata.namespace!;
    const claim = pvc.metadata.name!;
    const spec = isJsonObject(pvc.spec) ? pvc.spec : {};
    const storageClassName = typeof spec.storageClassName === 'string' ? spec.storageClassName : undefined;
    if (!storageClassName) return { notAttempted: 'csiSnapshot: the claim has no storage class;' };
    const storageClass = await this.storageClass(storageClassName);
    const driver = typeof storageClass?.provisioner === 'string' ? storageClass.provisioner : undefined;
    if (!driver) return { notAttempted: `csiSnapshot: storage class ${storageClassName} not found;` };
    const choice = chooseSnapshotClass(driver, await this.snapshotClasses(), pvc, this.options.classesByDriver);
    if (!choice.name) return { notAttempted: `csiSnapshot: ${choice.reason};` };
    const snapshotClass = (await this.snapshotClasses()).find((c) => c.metadata.name === choice.name)!;

    const started = this.options.clock();
    log.info(`Volume ${namespace}/${claim}: taking a CSI snapshot (class ${choice.name}, driver ${driver})`);
    let created: KubeObject;
    try {
      created = await cluster.create(api.snapshots, {
        apiVersion: `${CSI.group}/${api.version}`,
        kind: 'VolumeSnapshot',
        metadata: { generateName: `velero-${claim}-`, namespace, labels: { ...pvc.metadata.labels, [LABELS.backupName]: validLabelValue(this.options.backupName) } },
        spec: { source: { persistentVolumeClaimName: claim }, volumeSnapshotClassName: choice.name }
      }, { namespace });
    } catch (err) {
      return { failed: `cannot create a VolumeSnapshot of claim ${namespace}/${claim}: ${errorMessage(err)}` };
    }
    const name = created.metadata.name!;
    try {
      const { content, handle } = await this.waitUntilReady(namespace, name, signal);
      const contentSpec = (content.spec ?? {}) as { deletionPolicy?: string; driver?: string };
      const restoreSizeBytes = Number((content.status as { restoreSize?: number } | undefined)?.restoreSize ?? 0);
      const annotations = {
        [CSI.deletionPolicy]: contentSpec.deletionPolicy ?? 'Delete',
        [CSI.snapshotHandle]: handle,
        [CSI.driverName]: contentSpec.driver ?? driver,
        [CSI.restoreSize]: binaryQuantity(restoreSizeBytes)
      };
      const snapshot = await cluster.patch(api.snapshots, name, { metadata: { annotations } }, 'merge', { namespace });
      const labelled = await cluster.patch(api.contents, content.metadata.name!, { metadata: { labels: { [LABELS.backupName]: validLabelValue(this.options.backupName) } } }, 'merge');
      const completed = this.options.clock();
      log.info(`Volume ${namespace}/${claim}: snapshot ${name} ready (handle ${handle}, ${binaryQuantity(restoreSizeBytes)})`);
      return {
        taken: {
          namespace,
          claim,
          persistentVolume: typeof spec.volumeName === 'string' ? spec.volumeName : undefined,
          driver: contentSpec.driver ?? driver,
          snapshot,
          content: labelled,
          snapshotClass,
          handle,
          restoreSizeBytes,
          startTimestamp: rfc3339(started),
          completionTimestamp: rfc3339(completed)
        }
      };
    } catch (err) {
      // Velero's CleanupVolumeSnapshot: the content goes with the failed snapshot.
      await this.discard(namespace, name);
      if (signal.aborted) throw signal.reason;
      return { failed: `CSI snapshot of claim ${namespace}/${claim} failed: ${errorMessage(err)}` };
    }
  }

  /** After the backup: keep the snapshot (content Retain), and remove both objects, content first, as Velero does. */
  async release(taken: TakenSnapshot): Promise<void> {
    const { cluster, api } = this.options;
    const contentName = taken.content.metadata.name!;
    await cluster.patch(api.contents, contentName, { spec: { deletionPolicy: 'Retain' } }, 'merge');
    await cluster.delete(api.contents, contentName);
    await cluster.delete(api.snapshots, taken.snapshot.metadata.name!, { namespace: taken.namespace });
  }

  /** A snapshot that failed or was cancelled, or of a failed backup: its content is deleted with it, so nothing is left behind. */
  async discard(namespace: string, name: string): Promise<void> {
    const { cluster, api } = this.options;
    const snapshot = await cluster.get(api.snapshots, name, namespace).catch(() => undefined);
    const contentName = (snapshot?.status as { boundVolumeSnapshotContentName?: string } | undefined)?.boundVolumeSnapshotContentName;
    if (contentName) await cluster.patch(api.contents, contentName, { spec: { deletionPolicy: 'Delete' } }, 'merge').catch(() => undefined);
    await cluster.delete(api.snapshots, name, { namespace }).catch(() => undefined);
  }

  private async waitUntilReady(namespace: string, name: string, signal: AbortSignal): Promise<{ content: KubeObject; handle: string }> {
    const { cluster, api } = this.options;
    let content: KubeObject | undefined;
    let handle: string | undefined;
    let state = 'no content bound yet';
    const ready = await pollUntil(
      async () => {
        signal.throwIfAborted();
        const snapshot = await cluster.get(api.snapshots, name, namespace);
        if (!snapshot) throw new Error(`VolumeSnapshot ${namespace}/${name} disappeared`);
        const status = (snapshot.status ?? {}) as { boundVolumeSnapshotContentName?: string; error?: { message?: string } };
        if (status.error?.message) state = `the snapshot reports: ${status.error.message}`;
        if (!status.boundVolumeSnapshotContentName) return false;
        content = await cluster.get(api.contents, status.boundVolumeSnapshotContentName);
        const contentStatus = (content?.status ?? {}) as { snapshotHandle?: string; readyToUse?: boolean; error?: { message?: string } };
        handle = contentStatus.snapshotHandle;
        state = contentStatus.error?.message ? `the content reports: ${contentStatus.error.message}` : handle ? 'not ready to use yet' : 'no snapshot handle yet';
        return Boolean(handle && contentStatus.readyToUse);
      },
      { timeoutMs: this.options.timeoutMs, intervalMs: 1000, clock: this.options.clock }
    );
    if (!ready) throw new Error(`not ready within csi-snapshot-timeout (${this.options.timeoutMs / 1000}s): ${state}`);
    return { content: content!, handle: handle! };
  }

  private storageClass(name: string): Promise<KubeObject | undefined> {
    let found = this.storageClasses.get(name);
    if (!found) {
      found = this.options.cluster.get(STORAGE_CLASSES, name);
      this.storageClasses.set(name, found);
    }
    return found;
  }

  private snapshotClasses(): Promise<KubeObject[]> {
    this.classes ??= (async () => {
      const classes: KubeObject[] = [];
      try {
        for await (const c of this.options.cluster.list(this.options.api.classes)) classes.push(c);
      } catch (err) {
        if (!(err instanceof KubeApiError && err.statusCode === 403)) throw err;
        this.options.log.warn(`Cannot list VolumeSnapshotClasses (forbidden): claims are not snapshotted`);
      }
      return classes;
    })();
    return this.classes;
  }
}

/** `10Gi`, `1536Mi`, `123`: the size as Velero writes it (resource.NewQuantity(size, BinarySI)). */
export function binaryQuantity(bytes: number): string {
  for (const [unit, size] of [['Ei', 2 ** 60], ['Pi', 2 ** 50], ['Ti', 2 ** 40], ['Gi', 2 ** 30], ['Mi', 2 ** 20], ['Ki', 2 ** 10]] as const) {
    if (bytes >= size && bytes % size === 0) return `${bytes / size}${unit}`;
  }
  return String(bytes);
}

/** The larger of a claim's request and the snapshot's restore size, as Velero raises the request. */
export function raisedRequest(request: string | undefined, restoreSizeBytes: number): string | undefined {
  if (!restoreSizeBytes) return undefined;
  try {
    if (request && parseQuantity(request).compare(parseQuantity(String(restoreSizeBytes))) >= 0) return undefined;
  } catch {
    return undefined;
  }
  return binaryQuantity(restoreSizeBytes);
}
