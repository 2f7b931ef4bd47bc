import type { Cluster } from '../kube/cluster.js';
import type { KubeObject } from '../model/kube-object.js';
import type { ResourceRef } from '../model/resource-ref.js';
import type { BackupVolumeSettings } from '../settings/volume-settings.js';
import { volumeCopyKey } from '../storage/layout.js';
import type { ObjectStore } from '../storage/object-store.js';
import { formatBytes } from '../util/byte-size.js';
import { errorMessage } from '../util/errors.js';
import { isJsonObject } from '../util/json.js';
import { logProgressLine, type Logger } from '../util/logger.js';
import type { RunResults } from '../util/run-results.js';
import { rfc3339 } from '../velero/time.js';
import { DATA_MOVER_START_TIMEOUT_MS, withDataMoverPod, type VolumeAccess } from '../volumes/data-mover-pod.js';
import { copyVolumeOut } from '../volumes/volume-stream.js';
import type { AgeEncryptor } from '../encryption/age-cipher.js';
import type { CopyMethod, VolumeCopyRecord } from '../volumes/volume-copy-record.js';
import { annotationWantsCopy, isRunning, neverCopiedReason, nodeOf, podVolumes, wholeVolumeMounts, type PodVolume } from './pod-volumes.js';
import type { ClaimInScope } from './volume-inventory.js';
import type { VolumePolicies } from '../settings/volume-policies.js';
import { chooseVolumePolicy, volumeFactsFrom } from './volume-policy.js';
import type { CsiSnapshotter, TakenSnapshot } from './csi-snapshots.js';

const CLAIMS: ResourceRef = { group: '', version: 'v1', resource: 'persistentvolumeclaims', namespaced: true };
const VOLUMES: ResourceRef = { group: '', version: 'v1', resource: 'persistentvolumes', namespaced: false };
/** Exit codes of a shell that could not find or run the command: the image has no tar. */
const NO_TAR_EXIT_CODES = [126, 127];

export interface VolumeBackupOptions {
  cluster: Cluster;
  store: ObjectStore;
  backupName: string;
  settings: BackupVolumeSettings;
  log: Logger;
  results: RunResults;
  clock: () => Date;
  compressionLevel: number;
  /** Resolved volume policies (a ConfigMap's already read): the first match decides before any annotation. */
  policies?: VolumePolicies;
  /** Takes CSI snapshots of the claims not copied; absent when snapshot-volumes is off or the cluster has no snapshot API. */
  snapshotter?: CsiSnapshotter;
  /** Encrypts each copy as it streams, when the backup has keys. */
  encryptor?: AgeEncryptor;
}

/** What decided a volume's fate: a copy, or not; `policyAction` when a volume policy decided. */
type Decision = { copy: boolean; policy?: string; policyAction?: string };

/**
 * The volume data of one backup: file-system copies and CSI snapshots. A pod's chosen volumes are copied between its
 * pre and post hooks, through a container of its own that mounts the volume whole, or, when that container has no
 * tar, through a data-mover pod on the same node; its other claims are snapshotted there (snapshotWanted). Claims
 * are handled once, whichever pods mount them; claims no running pod served are handled after the walk.
 */
export class VolumeBackup {
  private readonly records: VolumeCopyRecord[] = [];
  /** `namespace/claim` of every claim copied or being copied. */
  private readonly claimsTaken = new Set<string>();
  /** Claims asked for by pods that are not running: copied after the walk unless a running pod served them. */
  private readonly claimsAskedFor = new Map<string, string>();
  /** A claim and its volume, read once for the policies. */
  private readonly claimObjects = new Map<string, Promise<{ pvc?: KubeObject; pv?: KubeObject }>>();
  /** PVs a policy's `skip` left out: Velero's volumeinfo names that reason. */
  readonly skippedByPolicy = new Set<string>();
  /** CSI snapshots taken, ready and not yet released. */
  readonly snapshots: TakenSnapshot[] = [];
  /** Claims whose snapshot was not attempted, with Velero's skipped reason, by PV name. */
  readonly snapshotSkips = new Map<string, string>();
  snapshotsAttempted = 0;
  /** Pods of a namespace, listed once: whether any of them asks for a claim to be copied. */
  private readonly podsByNamespace = new Map<string, Promise<KubeObject[]>>();

  constructor(private readonly options: VolumeBackupOptions) {}

  get copies(): readonly VolumeCopyRecord[] {
    return this.records;
  }

  /** Copies the volumes this pod's annotations (or the backup's default) choose. Failures are the volume's, never the pod's. */
  async copyPodVolumes(pod: KubeObject, signal: AbortSignal): Promise<void> {
    const { settings } = this.options;
    const namespace = pod.metadata.namespace!;
    for (const volume of podVolumes(pod)) {
      const decision = await this.decide(volume, namespace, () => annotationWantsCopy(pod, volume.name, settings.defaultVolumesToFsBackup));
      if (!decision.copy) {
        // Snapshotted here, between the pod's pre and post hooks, so a freeze hook covers it.
        if (volume.claim && (await this.snapshotWanted(namespace, volume.claim, decision))) await this.snapshotOnce(namespace, volume.claim, signal);
        continue;
      }
      const never = neverCopiedReason(pod, volume);
      if (never) {
        this.options.log.debug(`Volume ${volume.name} of pod ${namespace}/${pod.metadata.name} is not copied: ${never}`);
        continue;
      }
      signal.throwIfAborted();
      if (volume.claim) {
        const key = `${namespace}/${volume.claim}`;
        if (this.claimsTaken.has(key)) continue;
        if (!isRunning(pod)) {
          this.claimsAskedFor.set(key, `pod ${pod.metadata.name} asks for it`);
          continue;
        }
        this.claimsTaken.add(key);
        await this.copyThroughPod(pod, volume, signal);
      } else if (isRunning(pod)) {
        await this.copyThroughPod(pod, volume, signal);
      } else {
        this.warn(`volume ${volume.name} of pod ${namespace}/${pod.metadata.name} was not copied: the pod is not running, and a ${volume.type} volume lives only in its pod`, namespace);
      }
    }
  }

  /**
   * After the walk: the bound claims in scope that were asked for (by a pod that is not running, or by
   * default-volumes-to-fs-backup) and that no running pod served, through a data-mover pod each.
   */
  async copyRemainingClaims(claims: Iterable<ClaimInScope>, signal: AbortSignal): Promise<void> {
    for (const claim of claims) {
      const key = `${claim.namespace}/${claim.name}`;
      if (this.claimsTaken.has(key)) continue;
      const volume: PodVolume = { name: claim.name, type: 'persistentVolumeClaim', claim: claim.name, source: { name: claim.name, persistentVolumeClaim: { claimName: claim.name } } };
      const asked = this.claimsAskedFor.get(key) ?? (this.options.settings.defaultVolumesToFsBackup ? 'default-volumes-to-fs-backup' : undefined);
      const decision = await this.decide(volume, claim.namespace, () => asked !== undefined);
      if (!decision.copy) {
        if (claim.phase === 'Bound' && (await this.snapshotWanted(claim.namespace, claim.name, decision))) await this.snapshotOnce(claim.namespace, claim.name, signal);
        continue;
      }
      const askedBy = decision.policy ?? asked;
      if (claim.phase !== 'Bound') {
        this.warn(`claim ${key} was not copied: it is ${claim.phase ?? 'in no phase'}, not Bound, so it has no data`, claim.namespace);
        continue;
      }
      signal.throwIfAborted();
      this.claimsTaken.add(key);
      this.options.log.info(`Volume ${key}: no running pod mounts it (${askedBy}); copying through a data-mover pod`);
      await this.copy(claim.namespace, volume, undefined, 'data-mover-pod', signal, this.throughDataMover(claim.namespace, claim.name, undefined, signal));
    }
  }

  /**
   * Velero's precedence: a matching volume policy decides (fs-backup copies, any other action does not), then the
   * annotations or the backup's default (`byAnnotation`).
   */
  private async decide(volume: PodVolume, namespace: string, byAnnotation: () => boolean): Promise<Decision> {
    const { policies } = this.options;
    if (!policies) return { copy: byAnnotation() };
    let policy;
    let pvName: string | undefined;
    try {
      let facts;
      if (volume.claim) {
        const { pvc, pv } = await this.claimAndVolume(namespace, volume.claim);
        if (!pvc && !pv) return { copy: byAnnotation() };
        facts = volumeFactsFrom({ pvc, pv });
        pvName = pv?.metadata.name;
      } else {
        facts = volumeFactsFrom({ podVolume: volume.source });
      }
      policy = chooseVolumePolicy(policies, facts);
    } catch (err) {
      this.warn(`volume policies cannot judge volume ${namespace}/${volume.claim ?? volume.name}: ${errorMessage(err)}; its annotations decide`, namespace);
      return { copy: byAnnotation() };
    }
    if (!policy) return { copy: byAnnotation() };
    const because = `volume policy #${policy.index + 1} (${policy.action.type})`;
    if (policy.action.type === 'skip' && pvName) this.skippedByPolicy.add(pvName);
    if (policy.action.type !== 'fs-backup') this.options.log.debug(`Volume ${namespace}/${volume.claim ?? volume.name} is not copied: ${because}`);
    return { copy: policy.action.type === 'fs-backup', policy: because, policyAction: policy.action.type };
  }

  /**
   * Velero's precedence for a claim not copied by this decision: a policy's `snapshot` snapshots it and its other
   * actions do not; without a policy it is snapshotted unless some pod of its namespace asks for it to be copied
   * (a volume chosen for a copy is never also snapshotted).
   */
  private async snapshotWanted(namespace: string, claim: string, decision: Decision): Promise<boolean> {
    if (!this.options.snapshotter || this.claimsTaken.has(`${namespace}/${claim}`)) return false;
    if (decision.policyAction) return decision.policyAction === 'snapshot';
    const { defaultVolumesToFsBackup } = this.options.settings;
    const pods = await this.podsOf(namespace);
    return !pods.some((pod) => podVolumes(pod).some((v) => v.claim === claim && annotationWantsCopy(pod, v.name, defaultVolumesToFsBackup)));
  }

  private async snapshotOnce(namespace: string, claim: string, signal: AbortSignal): Promise<void> {
    const key = `${namespace}/${claim}`;
    if (this.claimsTaken.has(key)) return;
    this.claimsTaken.add(key);
    const { pvc, pv } = await this.claimAndVolume(namespace, claim);
    if (!pvc) return;
    const outcome = await this.options.snapshotter!.snapshot(pvc, signal);
    if ('taken' in outcome) {
      this.snapshotsAttempted++;
      this.snapshots.push(outcome.taken);
    } else if ('failed' in outcome) {
      this.snapshotsAttempted++;
      this.options.results.error(outcome.failed, namespace);
      this.options.log.error(outcome.failed);
    } else {
      this.options.log.info(`Volume ${key} is not snapshotted: ${outcome.notAttempted}`);
      if (pv?.metadata.name) this.snapshotSkips.set(pv.metadata.name, outcome.notAttempted);
    }
  }

  /**
   * After the backup: a Completed or PartiallyFailed one keeps its snapshots (their objects leave the cluster, as
   * Velero's do); a failed one deletes them, since no backup will ever point at them.
   */
  async releaseSnapshots(keep: boolean): Promise<void> {
    const snapshotter = this.options.snapshotter;
    if (!snapshotter) return;
    for (const taken of this.snapshots) {
      try {
        await (keep ? snapshotter.release(taken) : snapshotter.discard(taken.namespace, taken.snapshot.metadata.name!));
      } catch (err) {
        this.warn(`cannot ${keep ? 'release' : 'delete'} VolumeSnapshot ${taken.namespace}/${taken.snapshot.metadata.name}: ${errorMessage(err)}`, taken.namespace);
      }
    }
  }

  private podsOf(namespace: string): Promise<KubeObject[]> {
    let pods = this.podsByNamespace.get(namespace);
    if (!pods) {
      pods = (async () => {
        const found: KubeObject[] = [];
        for await (const pod of this.options.cluster.list({ group: '', version: 'v1', resource: 'pods', namespaced: true }, { namespace })) found.push(pod);
        return found;
      })().catch(() => []);
      this.podsByNamespace.set(namespace, pods);
    }
    return pods;
  }

  private claimAndVolume(namespace: string, claim: string): Promise<{ pvc?: KubeObject; pv?: KubeObject }> {
    const key = `${namespace}/${claim}`;
    let found = this.claimObjects.get(key);
    if (!found) {
      found = (async () => {
        const pvc = await this.options.cluster.get(CLAIMS, claim, namespace);
        const volumeName = pvc && isJsonObject(pvc.spec) && typeof pvc.spec.volumeName === 'string' ? pvc.spec.volumeName : undefined;
        const pv = volumeName ? await this.options.cluster.get(VOLUMES, volumeName) : undefined;
        return { pvc, pv };
      })();
      this.claimObjects.set(key, found);
    }
    return found;
  }

  private async copyThroughPod(pod: KubeObject, volume: PodVolume, signal: AbortSignal): Promise<void> {
    const namespace = pod.metadata.namespace!;
    const podName = pod.metadata.name!;
    const mount = wholeVolumeMounts(pod, volume.name)[0];
    // A claim can be mounted by a pod of ours instead; a pod's own volume (emptyDir) only by its containers.
    const fallback = volume.claim ? this.throughDataMover(namespace, volume.claim, nodeOf(pod), signal) : undefined;
    if (!mount) {
      if (!fallback) return this.fail(namespace, volume, podName, `no container of pod ${podName} mounts the whole volume (only subPaths)`);
      await this.copy(namespace, volume, podName, 'data-mover-pod', signal, fallback);
      return;
    }
    const access: VolumeAccess = { target: { namespace, pod: podName, container: mount.container }, path: mount.path };
    const copied = await this.copy(namespace, volume, podName, 'pod-exec', signal, async (run) => run(access), (err) => Boolean(fallback) && lacksTar(err));
    if (copied === 'no-tar') {
      this.options.log.info(`Volume ${namespace}/${volume.claim}: container ${mount.container} of pod ${podName} has no tar; copying through a data-mover pod on its node`);
      await this.copy(namespace, volume, podName, 'data-mover-pod', signal, fallback!);
    }
  }

  private throughDataMover(namespace: string, claim: string, nodeName: string | undefined, signal: AbortSignal) {
    return (run: (access: VolumeAccess) => Promise<void>): Promise<void> =>
      withDataMoverPod(this.options.cluster, { namespace, claim, nodeName, image: this.options.settings.dataMoverImage, readOnly: true, startTimeoutMs: DATA_MOVER_START_TIMEOUT_MS, clock: this.options.clock, signal }, run);
  }

  /**
   * One copy attempt, recorded. `retryable` marks a failure another method may cure (no tar in the container):
   * then nothing is recorded and 'no-tar' returned.
   */
  private async copy(
    namespace: string,
    volume: PodVolume,
    pod: string | undefined,
    method: CopyMethod,
    signal: AbortSignal,
    access: (run: (access: VolumeAccess) => Promise<void>) => Promise<void>,
    retryable?: (err: unknown) => boolean
  ): Promise<'copied' | 'failed' | 'no-tar'> {
    const { store, backupName, clock, log } = this.options;
    const subject = volume.claim ? { namespace, claim: volume.claim } : { namespace, pod: pod!, volume: volume.name };
    const key = volumeCopyKey(backupName, subject);
    const what = volume.claim ? `${namespace}/${volume.claim}` : `${namespace}/${pod}/${volume.name}`;
    const started = clock();
    const base = {
      namespace,
      ...(volume.claim ? { claim: volume.claim, persistentVolume: await this.volumeNameOf(namespace, volume.claim) } : {}),
      ...(pod ? { pod } : {}),
      volume: volume.name,
      volumeType: volume.type,
      key,
      method,
      startTimestamp: rfc3339(started)
    };
    try {
      let digests: Awaited<ReturnType<typeof copyVolumeOut>> | undefined;
      await access(async (target) => {
        log.info(`Volume ${what}: copying ${target.path} through ${target.target.pod}/${target.target.container}`);
        digests = await copyVolumeOut(this.options.cluster, target, store, key, {
          signal,
          compressionLevel: this.options.compressionLevel,
          encrypt: this.options.encryptor?.stage(),
          onProgress: (bytes) => logProgressLine(log, `Volume ${what}: ${formatBytes(bytes)} read (${rate(bytes, started, clock())})`),
          onBytes: (bytes) => log.progress?.({ what: 'volume bytes', volume: what, done: bytes })
        });
      });
      log.progress?.({ what: 'volume bytes', volume: what, done: digests!.tar.bytes, finished: true });
      const done = clock();
      log.info(`Volume ${what} copied: ${formatBytes(digests!.tar.bytes)} in ${((done.getTime() - started.getTime()) / 1000).toFixed(1)} s (${rate(digests!.tar.bytes, started, done)}), stored as ${formatBytes(digests!.stored.bytes)}`);
      this.records.push({ ...base, result: 'succeeded', tar: digests!.tar, stored: digests!.stored, completionTimestamp: rfc3339(done) });
      return 'copied';
    } catch (err) {
      log.progress?.({ what: 'volume bytes', volume: what, done: 0, finished: true });
      if (signal.aborted) throw signal.reason;
      if (retryable?.(err)) return 'no-tar';
      this.fail(namespace, volume, pod, errorMessage(err), base);
      return 'failed';
    }
  }

  private fail(namespace: string, volume: PodVolume, pod: string | undefined, reason: string, base?: Omit<VolumeCopyRecord, 'result' | 'completionTimestamp'>): void {
    const what = volume.claim ? `claim ${namespace}/${volume.claim}` : `volume ${volume.name} of pod ${namespace}/${pod}`;
    const message = `cannot copy ${what}: ${reason}`;
    this.options.results.error(message, namespace);
    this.options.log.error(message);
    if (base) this.records.push({ ...base, result: 'failed', error: reason, completionTimestamp: rfc3339(this.options.clock()) });
  }

  private warn(message: string, namespace: string): void {
    this.options.results.warning(message, namespace);
    this.options.log.warn(message);
  }

  private async volumeNameOf(namespace: string, claim: string): Promise<string | undefined> {
    const { pvc } = await this.claimAndVolume(namespace, claim).catch(() => ({ pvc: undefined }));
    return pvc && isJsonObject(pvc.spec) && typeof pvc.spec.volumeName === 'string' && pvc.spec.volumeName ? pvc.spec.volumeName : undefined;
  }
}

/** The container could not run tar: the shell's "not found" codes, or the runtime refusing to start it. */
function lacksTar(err: unknown): boolean {
  const message = errorMessage(err);
  return NO_TAR_EXIT_CODES.some((code) => message.startsWith(`tar exited with code ${code}`)) || /executable file not found|no such file or directory/i.test(message);
}

function rate(bytes: number, from: Date, to: Date): string {
  const seconds = Math.max((to.getTime() - from.getTime()) / 1000, 0.001);
  return `${formatBytes(Math.round(bytes / seconds))}/s`;
}
