import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { promisify } from 'node:util';
import { KubeCluster } from '../../src/kube/kube-cluster.js';
import { KubeApiError, KubeHttpClient } from '../../src/kube/http.js';
import { loadKubeConfig } from '../../src/kube/kubeconfig.js';
import { resourcePath } from '../../src/kube/paths.js';
import type { KubeObject } from '../../src/model/kube-object.js';
import type { ResourceRef } from '../../src/model/resource-ref.js';

const run = promisify(execFile);

/** The driver name every double's own name is built from: `<id>.hostpath.csi.double.kube-backup.test`. */
export const DOUBLE_DRIVER_SUFFIX = 'hostpath.csi.double.kube-backup.test';
/** Where doubles keep their volumes and snapshots: `<DOUBLE_ROOT>/<driver>/{volumes,snapshots,meta}` (down.sh removes it: CSI_DOUBLE_DIR). */
export const DOUBLE_ROOT = '/tmp/csi-hostpath-double';
export const SNAPSHOT_GROUP = 'snapshot.storage.k8s.io';
/** How long a content found gone by a poll waits for its watch event before the poll's last view of it is used. */
const VANISHED_GRACE_MS = 10_000;

export interface CsiSnapshotDoubleOptions {
  kubeconfig: string;
  /**
   * Names this double's StorageClass and VolumeSnapshotClass (`csi-hostpath-double-<id>`) and driver
   * (`<id>.hostpath.csi.double.kube-backup.test`). Random by default, so suites running in parallel on the shared
   * cluster each have their own class and driver and never act on each other's objects.
   */
  id?: string;
  /**
   * The CSI driver name (= the StorageClass's provisioner and the VolumeSnapshotClass's driver). Two doubles given
   * the same driver (on clusters A and B, say) share one snapshot store, as two clusters share a cloud's snapshots.
   */
  driver?: string;
  /** Defaults to `<DOUBLE_ROOT>/<driver>`. */
  root?: string;
  /** `v1` or `v1beta1`; by default the version discovery prefers for snapshot.storage.k8s.io. */
  snapshotApiVersion?: string;
  pollMs?: number;
  /** The VolumeSnapshotClass to create; `false` creates none (snapshots naming no class of this driver then wait). */
  snapshotClass?: { name?: string; deletionPolicy?: 'Delete' | 'Retain'; labels?: Record<string, string>; annotations?: Record<string, string> } | false;
}

/** Why the double cannot run here, or undefined. It writes host-path volumes on this machine, which must be the node. */
export function whyNoCsiSnapshotDouble(): string | undefined {
  if (process.env.KUBE_BACKUP_TEST_EXTERNAL === '1') return 'external servers: the node is not this machine, so host-path volumes written here are not the pods\'';
  if (process.getuid?.() !== 0) return 'not root: the volumes and snapshots are directories the kubelet (root) mounts and pods write as root';
  return undefined;
}

interface Meta {
  name: string;
  namespace?: string;
  uid: string;
  resourceVersion?: string;
  deletionTimestamp?: string;
  annotations?: Record<string, string>;
}
interface Claim {
  metadata: Meta;
  spec: {
    storageClassName?: string;
    volumeName?: string;
    accessModes?: string[];
    volumeMode?: string;
    resources?: { requests?: { storage?: string } };
    dataSource?: { apiGroup?: string; kind?: string; name?: string };
  };
  status?: { phase?: string };
}
interface Volume {
  metadata: Meta;
  spec: { hostPath?: { path?: string }; persistentVolumeReclaimPolicy?: string; capacity?: { storage?: string }; claimRef?: { uid?: string } };
  status?: { phase?: string };
}
interface Snapshot {
  metadata: Meta;
  spec: { source?: { persistentVolumeClaimName?: string; volumeSnapshotContentName?: string }; volumeSnapshotClassName?: string };
  status?: { boundVolumeSnapshotContentName?: string; readyToUse?: boolean; restoreSize?: string; error?: { message?: string } };
}
interface Content {
  metadata: Meta;
  spec: {
    driver?: string;
    deletionPolicy?: string;
    source?: { volumeHandle?: string; snapshotHandle?: string };
    volumeSnapshotRef?: { name?: string; namespace?: string; uid?: string };
    volumeSnapshotClassName?: string;
  };
  status?: { snapshotHandle?: string; readyToUse?: boolean; restoreSize?: number; creationTime?: number; error?: { message?: string } };
}
/** What the double remembers of a VolumeSnapshotContent of its driver, to act when it is gone. */
interface SeenContent {
  name: string;
  deletionPolicy?: string;
  handle?: string;
}
interface SnapshotMeta {
  sizeBytes: number;
  creationTimeNanos: number;
}

const PV_REF: ResourceRef = { group: '', version: 'v1', resource: 'persistentvolumes', namespaced: false };
const PVC_REF: ResourceRef = { group: '', version: 'v1', resource: 'persistentvolumeclaims', namespaced: true };
const SC_REF: ResourceRef = { group: 'storage.k8s.io', version: 'v1', resource: 'storageclasses', namespaced: false };
const PROVISIONED_BY = 'pv.kubernetes.io/provisioned-by';
const DEFAULT_CLASS = 'snapshot.storage.kubernetes.io/is-default-class';

/**
 * Test double of a CSI snapshot controller and host-path CSI driver; not a real driver. It runs inside the test
 * process (start() / stop()), polls the API server every `pollMs` (250 ms) with the repo's KubeCluster, and plays, for
 * a StorageClass and a VolumeSnapshotClass of its own, the parts a real cluster's CSI stack plays:
 *
 * - external provisioner: a Pending claim of its class (volumeBindingMode Immediate) gets a PersistentVolume
 *   `pvc-<claim uid>` (capacity = the request, claimRef to the claim, reclaimPolicy Delete, annotation
 *   `pv.kubernetes.io/provisioned-by: <driver>`); the PV controller then binds them. The PV is a **hostPath** volume
 *   on a directory of the double's (`<root>/volumes/<pv>`), not a CSI one: the kubelet cannot mount a CSI volume
 *   without a node plugin, and the test process is root on the node machine, so it makes and copies these
 *   directories itself. A Released PV of its driver with reclaimPolicy Delete is deleted with its directory.
 * - snapshot controller + driver: a VolumeSnapshot of a claim of its class (with its class, or with none when the
 *   class is annotated as the default) gets the claim's directory copied to `<root>/snapshots/<handle>`
 *   (handle `snapshot-<vs uid>`), a VolumeSnapshotContent `snapcontent-<vs uid>` (source.volumeHandle = the PV name,
 *   deletionPolicy from the class) and then, through the `/status` subresource, VSC status {snapshotHandle,
 *   readyToUse, restoreSize (bytes = the volume's capacity), creationTime (ns)} and VS status
 *   {boundVolumeSnapshotContentName, readyToUse, restoreSize (quantity), creationTime}.
 * - pre-provisioned content: a VolumeSnapshotContent of its driver with spec.source.snapshotHandle gets status
 *   readyToUse when `<root>/snapshots/<handle>` exists (an error when not); a VolumeSnapshot whose
 *   spec.source.volumeSnapshotContentName names it (and whose volumeSnapshotRef names the VS) is bound to it.
 * - deletion: when a VolumeSnapshotContent of its driver disappears and its final deletionPolicy was Delete, the
 *   snapshot directory is removed; Retain keeps it. The final policy is read from a watch's DELETED event (so a
 *   "patch to Delete, then delete" is honoured however fast), with a poll-diff fallback. A VolumeSnapshot whose bound
 *   content is Delete is deleted with its content (Retain keeps the content).
 * - restore: a Pending claim of its class whose dataSource is a VolumeSnapshot (snapshot.storage.k8s.io) is provisioned
 *   as above once the snapshot is bound and ready, its directory filled with a copy of the snapshot's; a request
 *   smaller than the snapshot's restoreSize is refused (as real provisioners do) and reported in `errors`.
 *
 * Differences from the real controllers: no finalizers, no events, no conditions; it sees objects only when it polls
 * (deletions via the watch). Volumes are directories, so capacity is not enforced. It only works where the test
 * process runs as root on the node (the local environment; see whyNoCsiSnapshotDouble()).
 */
export class CsiSnapshotDouble {
  readonly id: string;
  readonly driver: string;
  readonly storageClassName: string;
  readonly snapshotClassName: string | undefined;
  readonly root: string;
  /** Resolved by start(): `snapshot.storage.k8s.io/<version>`. */
  snapshotApiVersion = '';
  /** What it did, in order ("provisioned pv ...", "snapshot ..."), for a failing test's message. */
  readonly actions: string[] = [];
  /** Failures of its own work (API calls, copies) and refusals, in order; a healthy run leaves this empty. */
  readonly errors: string[] = [];

  private readonly cluster: KubeCluster;
  private readonly http: KubeHttpClient;
  private readonly pollMs: number;
  private readonly classOptions: Exclude<CsiSnapshotDoubleOptions['snapshotClass'], false | undefined> | undefined;
  private vsRef!: ResourceRef;
  private vscRef!: ResourceRef;
  private vsClassRef!: ResourceRef;
  /** Contents of this driver by uid, as last seen (list or watch); `gone` holds the uids already acted on. */
  private readonly seen = new Map<string, SeenContent>();
  private readonly gone = new Set<string>();
  /** Contents a poll found gone, waiting for the watch's DELETED event (which carries the final deletionPolicy). */
  private readonly vanished = new Map<string, { last: SeenContent; since: number }>();
  private abort = new AbortController();
  private loop: Promise<void> | undefined;
  private watcher: Promise<void> | undefined;
  private contentsVersion: string | undefined;
  private classDeletionPolicy = 'Delete';
  private classIsDefault = false;

  constructor(private readonly options: CsiSnapshotDoubleOptions) {
    this.id = options.id ?? randomBytes(3).toString('hex');
    this.driver = options.driver ?? `${this.id}.${DOUBLE_DRIVER_SUFFIX}`;
    this.storageClassName = `csi-hostpath-double-${this.id}`;
    this.classOptions = options.snapshotClass === false ? undefined : (options.snapshotClass ?? {});
    this.snapshotClassName = this.classOptions ? (this.classOptions.name ?? `csi-hostpath-double-${this.id}`) : undefined;
    this.root = options.root ?? path.join(DOUBLE_ROOT, this.driver);
    this.pollMs = options.pollMs ?? 250;
    const kc = loadKubeConfig({ kind: 'files', paths: [options.kubeconfig] });
    this.cluster = new KubeCluster(kc);
    this.http = new KubeHttpClient(kc);
  }

  /** Creates its StorageClass, VolumeSnapshotClass and directories (existing ones are reused), then starts polling. */
  async start(): Promise<void> {
    if (this.loop) return;
    const version = this.options.snapshotApiVersion ?? (await this.preferredSnapshotVersion());
    this.snapshotApiVersion = `${SNAPSHOT_GROUP}/${version}`;
    this.vsRef = { group: SNAPSHOT_GROUP, version, resource: 'volumesnapshots', namespaced: true };
    this.vscRef = { group: SNAPSHOT_GROUP, version, resource: 'volumesnapshotcontents', namespaced: false };
    this.vsClassRef = { group: SNAPSHOT_GROUP, version, resource: 'volumesnapshotclasses', namespaced: false };
    for (const dir of ['volumes', 'snapshots', 'meta']) fs.mkdirSync(path.join(this.root, dir), { recursive: true });

    await this.ensure(SC_REF, {
      apiVersion: 'storage.k8s.io/v1',
      kind: 'StorageClass',
      metadata: { name: this.storageClassName },
      provisioner: this.driver,
      reclaimPolicy: 'Delete',
      volumeBindingMode: 'Immediate'
    });
    if (this.classOptions && this.snapshotClassName) {
      this.classDeletionPolicy = this.classOptions.deletionPolicy ?? 'Delete';
      this.classIsDefault = this.classOptions.annotations?.[DEFAULT_CLASS] === 'true';
      await this.ensure(this.vsClassRef, {
        apiVersion: this.snapshotApiVersion,
        kind: 'VolumeSnapshotClass',
        metadata: { name: this.snapshotClassName, labels: this.classOptions.labels ?? {}, annotations: this.classOptions.annotations ?? {} },
        driver: this.driver,
        deletionPolicy: this.classDeletionPolicy
      });
    }
    this.abort = new AbortController();
    await this.tick();
    this.loop = this.pollLoop();
    this.watcher = this.watchLoop();
  }

  /** Ends the polling and the watch; what is in the cluster and on disk stays. */
  async stop(): Promise<void> {
    this.abort.abort();
    await Promise.all([this.loop, this.watcher]);
    this.loop = undefined;
    this.watcher = undefined;
  }

  /**
   * stop(), then removes what it made: its StorageClass and VolumeSnapshotClass, the PersistentVolumes and
   * VolumeSnapshotContents of its driver still in the cluster (so none is left behind in the shared cluster), and
   * its root directory. Delete the tests' namespaces first.
   */
  async dispose(): Promise<void> {
    await this.stop();
    const quiet = (p: Promise<unknown>) => p.catch((err: unknown) => this.errors.push(`dispose: ${String(err)}`));
    if (this.vscRef) {
      for (const vsc of (await this.listAll<Content>(this.vscRef).catch(() => ({ items: [] as Content[] }))).items) {
        if (vsc.spec.driver === this.driver) await quiet(this.cluster.delete(this.vscRef, vsc.metadata.name));
      }
      if (this.snapshotClassName) await quiet(this.cluster.delete(this.vsClassRef, this.snapshotClassName));
    }
    for (const pv of (await this.listAll<Volume>(PV_REF).catch(() => ({ items: [] as Volume[] }))).items) {
      if (pv.metadata.annotations?.[PROVISIONED_BY] === this.driver) await quiet(this.cluster.delete(PV_REF, pv.metadata.name));
    }
    await quiet(this.cluster.delete(SC_REF, this.storageClassName));
    fs.rmSync(this.root, { recursive: true, force: true });
    this.cluster.close();
    this.http.close();
  }

  /** The snapshot resources at the version the double uses (after start()). */
  get refs(): { volumeSnapshots: ResourceRef; volumeSnapshotContents: ResourceRef; volumeSnapshotClasses: ResourceRef } {
    return { volumeSnapshots: this.vsRef, volumeSnapshotContents: this.vscRef, volumeSnapshotClasses: this.vsClassRef };
  }

  /** Whether the snapshot `handle` exists in the double's store. */
  snapshotExists(handle: string): boolean {
    return fs.existsSync(this.snapshotDir(handle));
  }

  /** Every snapshot handle in the double's store, sorted. */
  handles(): string[] {
    return fs
      .readdirSync(path.join(this.root, 'snapshots'), { withFileTypes: true })
      .filter((e) => e.isDirectory() && !e.name.startsWith('.'))
      .map((e) => e.name)
      .sort();
  }

  snapshotDir(handle: string): string {
    return path.join(this.root, 'snapshots', handle);
  }

  volumeDir(pvName: string): string {
    return path.join(this.root, 'volumes', pvName);
  }

  // --- loop -------------------------------------------------------------------------------------------------------

  private async pollLoop(): Promise<void> {
    while (!this.abort.signal.aborted) {
      await sleep(this.pollMs, undefined, { signal: this.abort.signal }).catch(() => undefined);
      if (this.abort.signal.aborted) return;
      await this.tick();
    }
  }

  /** One pass over everything; an error in one object's work is recorded and does not stop the others. */
  private async tick(): Promise<void> {
    try {
      // Contents before snapshots: a snapshot missing from the later list is certainly gone, not yet to come.
      const contents = await this.listAll<Content>(this.vscRef);
      this.contentsVersion ??= contents.resourceVersion;
      const [snapshots, claims, volumes] = await Promise.all([
        this.listAll<Snapshot>(this.vsRef),
        this.listAll<Claim>(PVC_REF),
        this.listAll<Volume>(PV_REF)
      ]);
      const ours = contents.items.filter((c) => c.spec.driver === this.driver);
      this.forgetVanished(ours);
      await this.each(volumes.items, (pv) => this.reclaim(pv));
      await this.each(ours, (vsc) => this.syncPreProvisioned(vsc));
      await this.each(ours, (vsc) => this.deleteOrphaned(vsc, snapshots.items));
      const contentsNow = new Map(ours.map((c) => [c.metadata.name, c]));
      await this.each(snapshots.items, (vs) => this.syncSnapshot(vs, claims.items, volumes.items, contentsNow));
      const names = new Set(volumes.items.map((pv) => pv.metadata.name));
      await this.each(claims.items, (claim) => this.provision(claim, names, snapshots.items, contentsNow));
    } catch (err) {
      if (!this.abort.signal.aborted) this.errors.push(`poll: ${String(err)}`);
    }
  }

  private async each<T extends { metadata: Meta }>(items: T[], work: (item: T) => Promise<void>): Promise<void> {
    for (const item of items) {
      if (this.abort.signal.aborted) return;
      try {
        await work(item);
      } catch (err) {
        if (err instanceof KubeApiError && (err.statusCode === 404 || err.statusCode === 409)) continue; // raced; next pass
        this.errors.push(`${item.metadata.namespace ? `${item.metadata.namespace}/` : ''}${item.metadata.name}: ${String(err)}`);
      }
    }
  }

  // --- provisioning -----------------------------------------------------------------------------------------------

  private async provision(claim: Claim, volumeNames: Set<string>, snapshots: Snapshot[], contents: Map<string, Content>): Promise<void> {
    if (claim.spec.storageClassName !== this.storageClassName || claim.metadata.deletionTimestamp) return;
    if ((claim.status?.phase ?? 'Pending') !== 'Pending' || claim.spec.volumeName) return;
    const pvName = `pvc-${claim.metadata.uid}`;
    if (volumeNames.has(pvName)) return; // made; the PV controller binds it
    const request = claim.spec.resources?.requests?.storage ?? '1Mi';
    const where = `${claim.metadata.namespace}/${claim.metadata.name}`;

    let from: string | undefined;
    const source = claim.spec.dataSource;
    if (source) {
      if (source.apiGroup !== SNAPSHOT_GROUP || source.kind !== 'VolumeSnapshot') return; // clones etc.: not this driver's
      const vs = snapshots.find((s) => s.metadata.namespace === claim.metadata.namespace && s.metadata.name === source.name);
      const vsc = vs?.status?.boundVolumeSnapshotContentName ? contents.get(vs.status.boundVolumeSnapshotContentName) : undefined;
      const handle = vsc?.status?.snapshotHandle;
      if (!vs?.status?.readyToUse || !vsc || !handle) return; // not (yet) a ready snapshot of this driver
      if (!this.snapshotExists(handle)) return this.refuse(where, `snapshot ${handle} is not in the store`);
      const size = vsc.status?.restoreSize ?? 0;
      if (bytesOf(request) < size) return this.refuse(where, `requested ${request} is less than the snapshot's restoreSize ${size}`);
      from = this.snapshotDir(handle);
    }

    const dir = this.volumeDir(pvName);
    await this.fill(dir, from);
    await this.cluster.create(PV_REF, {
      apiVersion: 'v1',
      kind: 'PersistentVolume',
      metadata: { name: pvName, annotations: { [PROVISIONED_BY]: this.driver } },
      spec: {
        capacity: { storage: request },
        accessModes: claim.spec.accessModes ?? ['ReadWriteOnce'],
        volumeMode: claim.spec.volumeMode ?? 'Filesystem',
        persistentVolumeReclaimPolicy: 'Delete',
        storageClassName: this.storageClassName,
        claimRef: { kind: 'PersistentVolumeClaim', apiVersion: 'v1', namespace: claim.metadata.namespace, name: claim.metadata.name, uid: claim.metadata.uid, resourceVersion: claim.metadata.resourceVersion },
        hostPath: { path: dir, type: 'Directory' }
      }
    });
    this.actions.push(`provisioned pv ${pvName} for ${where}${from ? ` from ${path.basename(from)}` : ''}`);
  }

  private refuse(where: string, why: string): void {
    const message = `claim ${where}: ${why}`;
    if (!this.errors.includes(message)) this.errors.push(message);
  }

  /** A Released PV of this driver with reclaimPolicy Delete: its directory and the PV go (the external deleter's job). */
  private async reclaim(pv: Volume): Promise<void> {
    if (pv.metadata.annotations?.[PROVISIONED_BY] !== this.driver || pv.metadata.deletionTimestamp) return;
    if (pv.status?.phase !== 'Released' || pv.spec.persistentVolumeReclaimPolicy !== 'Delete') return;
    this.removeUnderRoot(pv.spec.hostPath?.path);
    await this.cluster.delete(PV_REF, pv.metadata.name);
    this.actions.push(`deleted released pv ${pv.metadata.name}`);
  }

  // --- snapshots --------------------------------------------------------------------------------------------------

  private async syncSnapshot(vs: Snapshot, claims: Claim[], volumes: Volume[], contents: Map<string, Content>): Promise<void> {
    if (vs.metadata.deletionTimestamp) return;
    const source = vs.spec.source ?? {};
    if (source.volumeSnapshotContentName) return this.bindPreProvisioned(vs, contents.get(source.volumeSnapshotContentName));
    if (!source.persistentVolumeClaimName || vs.status?.boundVolumeSnapshotContentName) return;

    const claim = claims.find((c) => c.metadata.namespace === vs.metadata.namespace && c.metadata.name === source.persistentVolumeClaimName);
    if (claim?.spec.storageClassName !== this.storageClassName) return;
    const className = vs.spec.volumeSnapshotClassName;
    if (className ? className !== this.snapshotClassName : !this.classIsDefault) return;
    const pv = claim.spec.volumeName ? volumes.find((v) => v.metadata.name === claim.spec.volumeName) : undefined;
    if (claim.status?.phase !== 'Bound' || !pv?.spec.hostPath?.path) return; // the real controller waits for the claim too
    if (!className) await this.cluster.patch(this.vsRef, vs.metadata.name, { spec: { volumeSnapshotClassName: this.snapshotClassName } }, 'merge', { namespace: vs.metadata.namespace });

    const handle = handleFor(vs.metadata.uid);
    const contentName = `snapcontent-${vs.metadata.uid}`;
    let meta = this.readMeta(handle);
    if (!meta || !this.snapshotExists(handle)) {
      const tmp = path.join(this.root, 'snapshots', `.tmp-${handle}`);
      fs.rmSync(tmp, { recursive: true, force: true });
      await this.fill(tmp, pv.spec.hostPath.path);
      fs.rmSync(this.snapshotDir(handle), { recursive: true, force: true });
      fs.renameSync(tmp, this.snapshotDir(handle));
      meta = { sizeBytes: bytesOf(pv.spec.capacity?.storage ?? '0'), creationTimeNanos: Date.now() * 1e6 };
      fs.writeFileSync(this.metaFile(handle), JSON.stringify(meta));
      this.actions.push(`snapshot ${handle} of ${vs.metadata.namespace}/${claim.metadata.name} (${pv.metadata.name})`);
    }

    if (!contents.has(contentName)) {
      try {
        await this.cluster.create(this.vscRef, {
          apiVersion: this.snapshotApiVersion,
          kind: 'VolumeSnapshotContent',
          metadata: { name: contentName },
          spec: {
            driver: this.driver,
            deletionPolicy: this.classDeletionPolicy,
            source: { volumeHandle: pv.metadata.name },
            volumeSnapshotClassName: this.snapshotClassName,
            volumeSnapshotRef: { kind: 'VolumeSnapshot', apiVersion: this.snapshotApiVersion, namespace: vs.metadata.namespace, name: vs.metadata.name, uid: vs.metadata.uid }
          }
        });
      } catch (err) {
        if (!(err instanceof KubeApiError && err.statusCode === 409)) throw err;
      }
    }
    await this.patchStatus(this.vscRef, contentName, undefined, {
      snapshotHandle: handle,
      readyToUse: true,
      restoreSize: meta.sizeBytes,
      creationTime: meta.creationTimeNanos
    });
    await this.patchStatus(this.vsRef, vs.metadata.name, vs.metadata.namespace, {
      boundVolumeSnapshotContentName: contentName,
      readyToUse: true,
      restoreSize: binaryQuantity(meta.sizeBytes),
      creationTime: rfc3339(meta.creationTimeNanos)
    });
    this.actions.push(`bound ${vs.metadata.namespace}/${vs.metadata.name} to ${contentName}`);
  }

  /** The sidecar's part for content made by someone else: is the snapshot there? */
  private async syncPreProvisioned(vsc: Content): Promise<void> {
    const handle = vsc.spec.source?.snapshotHandle;
    if (!handle || vsc.metadata.deletionTimestamp) return;
    const meta = this.snapshotExists(handle) ? (this.readMeta(handle) ?? { sizeBytes: 0, creationTimeNanos: Date.now() * 1e6 }) : undefined;
    if (meta) {
      if (vsc.status?.readyToUse === true && vsc.status.snapshotHandle === handle) return;
      await this.patchStatus(this.vscRef, vsc.metadata.name, undefined, { snapshotHandle: handle, readyToUse: true, restoreSize: meta.sizeBytes, creationTime: meta.creationTimeNanos, error: null });
      this.actions.push(`content ${vsc.metadata.name} ready (pre-provisioned ${handle})`);
    } else {
      const message = `snapshot ${handle} not found`;
      if (vsc.status?.error?.message === message) return;
      await this.patchStatus(this.vscRef, vsc.metadata.name, undefined, { readyToUse: false, error: { message, time: rfc3339(Date.now() * 1e6) } });
    }
  }

  /** Binds a VolumeSnapshot to the pre-provisioned content its source names, once that content is ready. */
  private async bindPreProvisioned(vs: Snapshot, vsc: Content | undefined): Promise<void> {
    if (!vsc?.status?.snapshotHandle || vsc.status.readyToUse !== true) return; // not this driver's, or not ready
    const ref = vsc.spec.volumeSnapshotRef ?? {};
    if (ref.name !== vs.metadata.name || ref.namespace !== vs.metadata.namespace) return; // the real controller refuses it too
    if (ref.uid && ref.uid !== vs.metadata.uid) return; // bound to an earlier VolumeSnapshot of that name
    if (vs.status?.boundVolumeSnapshotContentName === vsc.metadata.name && vs.status.readyToUse === true) return;
    if (!ref.uid) await this.cluster.patch(this.vscRef, vsc.metadata.name, { spec: { volumeSnapshotRef: { uid: vs.metadata.uid } } }, 'merge');
    await this.patchStatus(this.vsRef, vs.metadata.name, vs.metadata.namespace, {
      boundVolumeSnapshotContentName: vsc.metadata.name,
      readyToUse: true,
      restoreSize: binaryQuantity(vsc.status.restoreSize ?? 0),
      creationTime: rfc3339(vsc.status.creationTime ?? Date.now() * 1e6)
    });
    this.actions.push(`bound ${vs.metadata.namespace}/${vs.metadata.name} to ${vsc.metadata.name} (pre-provisioned)`);
  }

  /** Content bound to a VolumeSnapshot that is gone: with Delete it is deleted (its snapshot then goes), Retain stays. */
  private async deleteOrphaned(vsc: Content, snapshots: Snapshot[]): Promise<void> {
    const ref = vsc.spec.volumeSnapshotRef;
    if (!ref?.uid || vsc.metadata.deletionTimestamp || vsc.spec.deletionPolicy !== 'Delete') return;
    if (snapshots.some((s) => s.metadata.uid === ref.uid)) return;
    await this.cluster.delete(this.vscRef, vsc.metadata.name);
    this.actions.push(`deleted content ${vsc.metadata.name}: its VolumeSnapshot ${ref.namespace}/${ref.name} is gone`);
  }

  // --- deletion of snapshots ----------------------------------------------------------------------------------------

  /**
   * Records the contents of this driver and acts on those gone since the last poll, but only once the watch has had
   * time to deliver their DELETED event: the last poll may predate a "patch to Retain, then delete", and acting on
   * its stale Delete would remove a snapshot that was meant to be kept (seen under load).
   */
  private forgetVanished(current: Content[]): void {
    const present = new Set(current.map((c) => c.metadata.uid));
    const now = Date.now();
    for (const [uid, last] of this.seen) if (!present.has(uid) && !this.vanished.has(uid)) this.vanished.set(uid, { last, since: now });
    for (const [uid, { last, since }] of this.vanished) {
      if (this.gone.has(uid)) this.vanished.delete(uid);
      else if (now - since > VANISHED_GRACE_MS) {
        this.vanished.delete(uid);
        this.contentGone(uid, last);
      }
    }
    for (const c of current) {
      // A list taken just before a DELETED event still shows the object: it stays forgotten.
      if (!this.gone.has(c.metadata.uid)) this.seen.set(c.metadata.uid, { name: c.metadata.name, deletionPolicy: c.spec.deletionPolicy, handle: contentHandle(c) });
    }
  }

  private contentGone(uid: string, last: SeenContent): void {
    this.seen.delete(uid);
    if (this.gone.has(uid)) return;
    this.gone.add(uid);
    if (last.deletionPolicy !== 'Delete' || !last.handle) {
      this.actions.push(`content ${last.name} gone, snapshot ${last.handle ?? '(none)'} retained`);
      return;
    }
    fs.rmSync(this.snapshotDir(last.handle), { recursive: true, force: true });
    fs.rmSync(this.metaFile(last.handle), { force: true });
    this.actions.push(`content ${last.name} gone, snapshot ${last.handle} deleted`);
  }

  /** Watches VolumeSnapshotContents: a DELETED event carries the object's final state, so its final deletionPolicy. */
  private async watchLoop(): Promise<void> {
    while (!this.abort.signal.aborted) {
      const from = this.contentsVersion;
      if (from) await this.watchOnce(from).catch(() => undefined);
      await sleep(from ? 50 : this.pollMs, undefined, { signal: this.abort.signal }).catch(() => undefined);
    }
  }

  private async watchOnce(resourceVersion: string): Promise<void> {
    const auth = await this.http.authOptions();
    const url = this.http.url(resourcePath(this.vscRef), { watch: 'true', resourceVersion, allowWatchBookmarks: 'true', timeoutSeconds: 300 });
    const transport = url.protocol === 'https:' ? https : http;
    await new Promise<void>((resolve) => {
      const req = transport.request(
        url,
        { method: 'GET', headers: auth.headers, ca: auth.ca, cert: auth.cert, key: auth.key, rejectUnauthorized: auth.rejectUnauthorized, signal: this.abort.signal },
        (res) => {
          if (res.statusCode !== 200) {
            this.contentsVersion = undefined; // start again from the next list
            res.resume();
            res.on('end', resolve);
            return;
          }
          let buffer = '';
          res.setEncoding('utf8');
          res.on('data', (chunk: string) => {
            buffer += chunk;
            for (let nl = buffer.indexOf('\n'); nl >= 0; nl = buffer.indexOf('\n')) {
              const line = buffer.slice(0, nl).trim();
              buffer = buffer.slice(nl + 1);
              if (line) this.onContentEvent(JSON.parse(line) as { type: string; object: Content });
            }
          });
          res.on('end', resolve);
          res.on('error', () => resolve());
        }
      );
      req.on('error', () => resolve());
      req.end();
    });
  }

  private onContentEvent(event: { type: string; object: Content }): void {
    const vsc = event.object;
    if (event.type === 'ERROR') {
      this.contentsVersion = undefined; // expired (410): resume from the next list's version
      return;
    }
    if (vsc.metadata?.resourceVersion) this.contentsVersion = vsc.metadata.resourceVersion;
    if (event.type === 'BOOKMARK' || vsc.spec?.driver !== this.driver) return;
    const last: SeenContent = { name: vsc.metadata.name, deletionPolicy: vsc.spec.deletionPolicy, handle: contentHandle(vsc) };
    if (event.type === 'DELETED') this.contentGone(vsc.metadata.uid, last);
    else if (!this.gone.has(vsc.metadata.uid)) this.seen.set(vsc.metadata.uid, last);
  }

  // --- helpers ----------------------------------------------------------------------------------------------------

  /** Writes `status` through the /status subresource (a merge patch; the main resource ignores status in these CRDs). */
  private async patchStatus(ref: ResourceRef, name: string, namespace: string | undefined, status: Record<string, unknown>): Promise<void> {
    await this.http.request('PATCH', `${resourcePath(ref, namespace, name)}/status`, { body: { status }, contentType: 'application/merge-patch+json' });
  }

  /** `dir` as a new directory (0777, so pods running as any user can write) holding a copy of `from`, if given. */
  private async fill(dir: string, from?: string): Promise<void> {
    fs.mkdirSync(dir, { recursive: true });
    fs.chmodSync(dir, 0o777);
    if (from) await run('cp', ['-a', '--', `${from}/.`, `${dir}/`]);
  }

  private removeUnderRoot(dir: string | undefined): void {
    if (dir && path.resolve(dir).startsWith(`${this.root}/`)) fs.rmSync(dir, { recursive: true, force: true });
  }

  private metaFile(handle: string): string {
    return path.join(this.root, 'meta', `${handle}.json`);
  }

  private readMeta(handle: string): SnapshotMeta | undefined {
    try {
      return JSON.parse(fs.readFileSync(this.metaFile(handle), 'utf8')) as SnapshotMeta;
    } catch {
      return undefined;
    }
  }

  private async listAll<T>(ref: ResourceRef): Promise<{ items: T[]; resourceVersion?: string }> {
    const items: T[] = [];
    let token: string | undefined;
    let resourceVersion: string | undefined;
    do {
      const page = await this.cluster.listPage(ref, { limit: 500 }, token);
      items.push(...(page.items as unknown as T[]));
      resourceVersion ??= page.resourceVersion;
      token = page.continueToken;
    } while (token);
    return { items, resourceVersion };
  }

  private async ensure(ref: ResourceRef, object: KubeObject): Promise<void> {
    try {
      await this.cluster.create(ref, object);
    } catch (err) {
      if (!(err instanceof KubeApiError && err.statusCode === 409)) throw err;
    }
  }

  private async preferredSnapshotVersion(): Promise<string> {
    try {
      const group = await this.http.request<{ preferredVersion?: { version?: string } }>('GET', `/apis/${SNAPSHOT_GROUP}`, { retry: false });
      if (group.preferredVersion?.version) return group.preferredVersion.version;
    } catch (err) {
      if (!(err instanceof KubeApiError && err.statusCode === 404)) throw err;
    }
    throw new Error(`${SNAPSHOT_GROUP} is not served by ${this.cluster.server}: the CSI snapshot CRDs are missing (npm run env:up installs them)`);
  }
}

/** The handle of the snapshot the double takes for VolumeSnapshot `uid`. */
export function handleFor(vsUid: string): string {
  return `snapshot-${vsUid}`;
}

/** The snapshot a content stands for: its status handle, its pre-provisioned source, or the one made for its VolumeSnapshot. */
function contentHandle(vsc: Content): string | undefined {
  if (vsc.status?.snapshotHandle) return vsc.status.snapshotHandle;
  if (vsc.spec.source?.snapshotHandle) return vsc.spec.source.snapshotHandle;
  return vsc.spec.source?.volumeHandle && vsc.spec.volumeSnapshotRef?.uid ? handleFor(vsc.spec.volumeSnapshotRef.uid) : undefined;
}

const SUFFIX_BYTES: Record<string, number> = { '': 1, k: 1e3, M: 1e6, G: 1e9, T: 1e12, P: 1e15, E: 1e18, Ki: 2 ** 10, Mi: 2 ** 20, Gi: 2 ** 30, Ti: 2 ** 40, Pi: 2 ** 50, Ei: 2 ** 60 };

/** Bytes of a storage quantity such as `10Mi`, `1G`, `1500` (rounded up; the forms storage requests use). */
export function bytesOf(quantity: string): number {
  const m = /^(\d+(?:\.\d+)?)(|k|M|G|T|P|E|Ki|Mi|Gi|Ti|Pi|Ei)$/.exec(quantity.trim());
  if (!m) throw new Error(`'${quantity}' is not a storage quantity the double understands`);
  return Math.ceil(Number(m[1]) * SUFFIX_BYTES[m[2]!]!);
}

/** Bytes as apimachinery prints a BinarySI quantity: the largest binary suffix that divides it, else plain. */
export function binaryQuantity(bytes: number): string {
  const suffixes = ['Ei', 'Pi', 'Ti', 'Gi', 'Mi', 'Ki'];
  for (const [i, suffix] of suffixes.entries()) {
    const unit = 2 ** (60 - 10 * i);
    if (bytes > 0 && bytes % unit === 0) return `${bytes / unit}${suffix}`;
  }
  return String(bytes);
}

function rfc3339(nanos: number): string {
  return new Date(Math.floor(nanos / 1e6)).toISOString().replace(/\.\d{3}Z$/, 'Z');
}
