import type { Readable } from 'node:stream';
import { PassThrough } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { formatLabelSelector } from '../kube/label-selector.js';
import { ArchiveWriter } from '../archive/archive-writer.js';
import type { Cluster } from '../kube/cluster.js';
import type { BackupSettings, LocationPolicy } from '../settings/backup-settings.js';
import type { BackupVolumeSettings } from '../settings/volume-settings.js';
import type { VolumePolicies } from '../settings/volume-policies.js';
import { backupKeys } from '../storage/layout.js';
import type { ObjectStore, PutOptions } from '../storage/object-store.js';
import { ChecksumManifest, checksumOf, type FileChecksum } from '../integrity/checksum-manifest.js';
import { signManifest } from '../integrity/manifest-signature.js';
import { AgeEncryptor, keysDescription } from '../encryption/age-cipher.js';
import { DigestStream, digestOf } from '../util/digest-stream.js';
import { AlreadyExistsError, InputError, errorMessage } from '../util/errors.js';
import { gzipJson, gzipText } from '../util/gzip.js';
import type { Logger } from '../util/logger.js';
import { RunLog } from '../util/run-log.js';
import { TOOL_VERSION } from '../util/version.js';
import { backupObject } from './backup-object.js';
import { collectItems, type CollectedItem, type ItemSink, type PodHooks } from './collect.js';
import { podHooks } from './pod-hook-runner.js';
import { backupName } from './naming.js';
import { progressReporter } from './progress.js';
import { RunResults } from '../util/run-results.js';
import { planBackupScope, type BackupScope } from './scope.js';
import { clusterIdentity } from './cluster-identity.js';
import { acquireLease, LeaseHeldError, type Lease, type LeaseOptions } from '../coordination/lease.js';
import { isTwinRun } from './twin-run.js';
import { existingTwinBackup } from './slot-guard.js';
import { statusOf } from '../persistence/stored-backups.js';
import type { KubeObject } from '../model/kube-object.js';
import { CSI, LABELS, VELERO_NAMESPACE, type BackupPhase } from '../velero/vocabulary.js';
import { CsiSnapshotter, raisedRequest, type TakenSnapshot } from './csi-snapshots.js';
import { snapshotApiOf, type SnapshotApi } from '../volumes/snapshot-api.js';
import { backupableResources, type ScopedResource } from '../kube/resources.js';
import type { DiscoveryResult } from '../kube/cluster.js';
import type { ResourceRef } from '../model/resource-ref.js';
import { rfc3339 } from '../velero/time.js';
import { encodeVolumeCopies } from '../volumes/volume-copy-record.js';
import { VolumeBackup } from './volume-backup.js';
import { VolumeInventory } from './volume-inventory.js';
import { volumeInfoEntries } from './volume-info.js';
import { backupPhase } from './backup-outcome.js';
import { claimsWithoutData, type ClaimWithoutData } from './claims-without-data.js';
import type { VolumeCopyRecord } from '../volumes/volume-copy-record.js';

export interface BackupContext {
  cluster: Cluster;
  store: ObjectStore;
  logger: Logger;
  clock?: () => Date;
  /** Who runs this backup, shown to a run that has to wait for the location's lease (settings/run-identity.ts). */
  holder: string;
  /** Lease settings (ttl, wait) and overrides; every backup holds the location's lease while it writes. */
  lease?: Partial<LeaseOptions>;
  /** Aborted when the run is cancelled (SIGINT/SIGTERM at the edges): no new work starts, cleanup still runs. */
  signal?: AbortSignal;
}

export interface BackupRequest {
  settings: BackupSettings;
  location: LocationPolicy;
  /** The cron slot this run belongs to, when scheduled: names the backup after the slot, not the late start. */
  slot?: Date;
}

export interface BackupResult {
  name: string;
  phase: BackupPhase;
  location: string;
  /** The API server backed up (a URL, never credentials). */
  cluster: string;
  startedAt: Date;
  completedAt: Date;
  expiration: Date;
  items: number;
  errors: number;
  warnings: number;
  results: RunResults;
  itemsByResource: Map<string, number>;
  itemsByNamespace: Map<string, number>;
  /** The file-system copies of volumes this backup made (or tried to). */
  volumeCopies: readonly VolumeCopyRecord[];
  /** The CSI snapshots it took. */
  volumeSnapshots: readonly { namespace: string; claim: string; handle: string; driver: string; sizeBytes: number }[];
  /** Claims whose objects are in the backup but whose data is not (neither copied nor snapshotted), with why. */
  claimsWithoutData: readonly ClaimWithoutData[];
  /** Why the run failed, when phase is Failed. */
  failure?: string;
  /** Set when this run wrote nothing: a twin run of the same cron slot made (or is making) this backup. */
  skipped?: string;
}

/** How much of the gzipped archive may wait for the upload: a walk's start before the lease, and upload hiccups. */
const UPLOAD_BUFFER_BYTES = 4 * 1024 * 1024;

/**
 * One backup, end to end. Nothing makes the backup visible until every file is stored: velero-backup.json goes
 * last, with a conditional create, so a crash leaves an unfinished folder (no Backup) and two runs cannot both win.
 */
export async function runBackup(context: BackupContext, request: BackupRequest): Promise<BackupResult> {
  const { cluster, store } = context;
  const clock = context.clock ?? (() => new Date());
  const { settings, location } = request;

  if (location.accessMode === 'ReadOnly') {
    throw new InputError('storage-access-mode', `the location '${location.name}' (${store.url}) is ReadOnly, so no backup can be written to it`, 'Use storage-access-mode: ReadWrite to back up');
  }
  const startedAt = clock();
  const name = backupName({ name: settings.name, scheduleName: settings.scheduleName, now: startedAt, slot: request.slot });
  // Resource names resolve only against the cluster's discovery: a typo must fail here, before the lease or any file.
  const discovery = await cluster.discover();
  const scope = planBackupScope(discovery, settings.filters);
  const snapshots = settings.volumes.snapshotVolumes ? snapshotResources(discovery) : undefined;
  const policies = await resolveVolumePolicies(cluster, settings.volumes);
  const identity = await clusterIdentity(cluster);
  // A scheduled run started twice: the twin that finds its slot's backup done has nothing to do.
  const twin = await existingTwinBackup(store, name, request.slot, identity);
  if (twin) return skippedResult(name, store.url, startedAt, twin, `backup ${name} of this cron slot already exists, made from this cluster by another run`);
  const leaseOptions: LeaseOptions = { operation: 'backup', holder: context.holder, target: name, clusterUid: identity, clock, logger: context.logger, ...context.lease };
  const plan = { name, identity, scope, policies, snapshots };
  // The walk starts while a free location's lease is taken: confirming a new lease on a store whose conditional
  // create is not atomic is a second's settle (exclusive-create.ts), which the cluster's first pages fill instead.
  // Nothing is stored, and no hook or volume step starts, before the lease is this run's (writeBackup).
  const early = acquireLease(store, { ...leaseOptions, waitMs: 0 });
  try {
    return await writeBackup(context, request, { ...plan, lease: early });
  } catch (err) {
    // Held by another run (or lost to one in the settle): what was read is dropped, and the run waits as below.
    if (!(err instanceof LeaseHeldError)) throw err;
  } finally {
    await (await early.catch(() => undefined))?.release();
  }
  let lease;
  try {
    lease = await acquireLease(store, leaseOptions);
  } catch (err) {
    if (!(request.slot && err instanceof LeaseHeldError && isTwinRun(err.current, name, identity))) throw err;
    return skippedResult(name, store.url, startedAt, undefined, `another run of this cron slot is writing backup ${name} (${err.current.holder})`);
  }
  try {
    // The twin may have finished while this run waited for the lease.
    const done = await existingTwinBackup(store, name, request.slot, identity);
    if (done) return skippedResult(name, store.url, startedAt, done, `backup ${name} of this cron slot was made from this cluster by another run`);
    return await writeBackup(context, request, { ...plan, lease: Promise.resolve(lease) });
  } finally {
    await lease.release();
  }
}

interface BackupPlan {
  name: string;
  identity: string | undefined;
  /** The location's lease: the walk may start before it is held; nothing is stored or run in a pod before. */
  lease: Promise<Lease>;
  scope: BackupScope;
  policies: VolumePolicies | undefined;
  /** The snapshot API, when snapshot-volumes is on and the cluster serves it. */
  snapshots: SnapshotResources | undefined;
}

interface SnapshotResources {
  api: SnapshotApi;
  scoped: { snapshots: ScopedResource; contents: ScopedResource; classes: ScopedResource };
}

function snapshotResources(discovery: DiscoveryResult): SnapshotResources | undefined {
  const api = snapshotApiOf(discovery);
  if (!api) return undefined;
  const all = backupableResources(discovery);
  const find = (ref: ResourceRef) => all.find((r) => r.groupResource === `${ref.resource}.${ref.group}`);
  const [snapshots, contents, classes] = [find(api.snapshots), find(api.contents), find(api.classes)];
  return snapshots && contents && classes ? { api, scoped: { snapshots, contents, classes } } : undefined;
}

async function writeBackup(context: BackupContext, request: BackupRequest, { name, identity, lease: leased, scope, policies, snapshots }: BackupPlan): Promise<BackupResult> {
  const { cluster, store } = context;
  const clock = context.clock ?? (() => new Date());
  const { settings, location } = request;
  const startedAt = clock();
  const keys = backupKeys(name);
  const log = new RunLog(context.logger, `backup=${VELERO_NAMESPACE}/${name}`, clock);
  const results = new RunResults();
  for (const warning of scope.warnings) {
    results.warning(warning);
    log.warn(warning);
  }
  const expiration = new Date(startedAt.getTime() + settings.ttlMs);
  log.info(`Starting backup ${name} of ${cluster.server} to ${store.url}; expires ${rfc3339(expiration)}`);

  const inventory = new VolumeInventory();
  const sink = new ArchiveSink(new ArchiveWriter({ compressionLevel: settings.compressionLevel, mtime: startedAt }), inventory);
  const snapshotter = snapshots && new CsiSnapshotter({ cluster, api: snapshots.api, backupName: name, classesByDriver: settings.volumes.snapshotClassesByDriver, timeoutMs: settings.volumes.csiSnapshotTimeoutMs, log, clock });
  if (settings.volumes.snapshotVolumes && !snapshots) log.info('The cluster serves no CSI snapshot API (snapshot.storage.k8s.io): claims are not snapshotted');
  // Contents are encrypted before they are hashed: the manifest records the stored bytes, so verify needs no key.
  const encryptor = settings.encryption && new AgeEncryptor(settings.encryption);
  if (settings.encryption) log.info(`Encrypting the backup's contents with age to ${keysDescription(settings.encryption).join(', ')}`);
  const volumes = new VolumeBackup({ cluster, store, backupName: name, settings: settings.volumes, log, results, clock, compressionLevel: settings.compressionLevel, policies, snapshotter, encryptor });
  // Every file goes into the checksum manifest with the digest of the bytes handed to the store, taken on the way.
  const checksums = new Map<string, FileChecksum>();
  const tarball = storedForm(sink.writer.output, encryptor);
  // Bounded: what the walk archives before the lease is held, and while the upload lags, waits here.
  const uploadBuffer = new PassThrough({ highWaterMark: UPLOAD_BUFFER_BYTES });
  pipeline(tarball, uploadBuffer).catch(() => undefined);
  const upload = leased
    .then(() => store.put(keys.tarball, uploadBuffer, { contentType: 'application/gzip' }))
    .then(() => {
      checksums.set(keys.tarball, checksumOf(tarball.digest()));
    });
  // Surface an upload failure at once instead of after the walk (the archive would otherwise wait forever), and stop
  // the walk: no pod's pre hooks start for a backup that has failed.
  const uploadFailed = new AbortController();
  upload.catch((err: unknown) => {
    const error = err instanceof Error ? err : new Error(String(err));
    uploadFailed.abort(error);
    sink.writer.abort(error);
  });

  let phase: BackupPhase;
  let failure: string | undefined;
  const progress = progressReporter(log, clock);
  const walkSignal = context.signal ? AbortSignal.any([uploadFailed.signal, context.signal]) : uploadFailed.signal;
  try {
    const walked = await collectItems(cluster, sink, {
      scope,
      labelSelector: settings.labelSelector && formatLabelSelector(settings.labelSelector),
      orLabelSelectors: settings.orLabelSelectors.map(formatLabelSelector),
      allApiVersions: settings.allApiVersions,
      pageSize: settings.pageSize,
      concurrency: settings.concurrency,
      hooks: afterLease(withVolumeSteps(podHooks(cluster, settings.hooks, log, results), volumes), leased),
      signal: walkSignal,
      logger: log,
      results,
      onProgress: (done) => progress(done)
    });
    await leased;
    await volumes.copyRemainingClaims(inventory.claims, walkSignal);
    await sink.writeDeferred(volumes.snapshots, snapshots?.scoped, name);
    await sink.writer.finish();
    await upload;
    progress({ items: sink.writer.itemsWritten, resourcesDone: walked.resourcesTotal, resourcesTotal: walked.resourcesTotal }, true);
    ({ phase, failure } = backupPhase({ items: sink.writer.itemsWritten, errors: results.errorTotal, missingNamespaces: walked.missingNamespaces, firstError: results.firstError }));
    if (failure) {
      results.error(`backup failed: ${failure}`, undefined, 'velero');
      log.error(`Backup failed: ${failure}`);
    }
  } catch (err) {
    sink.writer.abort(err instanceof Error ? err : new Error(String(err)));
    await upload.catch(() => undefined);
    // The walk stopped because the location is another run's: not this backup's failure, nothing to record.
    const notLeased = await leased.then(() => undefined, (leaseError: unknown) => leaseError);
    if (notLeased) throw notLeased;
    phase = 'Failed';
    failure = errorMessage(err);
    results.error(`backup failed: ${failure}`, undefined, 'velero');
    log.error(`Backup failed: ${failure}`);
  }

  // Without the lease (another run holds the location), nothing of this run is stored: the caller decides.
  const lease = await leased;
  const completedAt = clock();
  log.info(`Backup ${name} ${phase}: ${sink.writer.itemsWritten} items, ${results.errorTotal} errors, ${results.warningTotal} warnings`);
  // Snapshots outlive the run only with a backup that points at them: kept when committed, deleted otherwise.
  let committed = false;
  const putRecorded = async (key: string, body: Buffer, options?: PutOptions) => {
    await store.put(key, body, options);
    checksums.set(key, checksumOf(digestOf(body)));
  };
  const putContents = async (key: string, body: Buffer) => putRecorded(key, encryptor ? await encryptor.encryptBuffer(body) : body);
  try {
    const volumeInfo = volumeInfoEntries({ volumes: inventory.volumes, copies: volumes.copies, snapshots: volumes.snapshots, snapshotSkips: volumes.snapshotSkips, skippedByPolicy: volumes.skippedByPolicy });
    // Independent of each other, so side by side: one after another they were a round trip each to the store.
    await Promise.all([
      putContents(keys.results, gzipJson(results.toJSON())),
      putContents(keys.resourceList, gzipJson(sink.resourceList())),
      volumes.copies.length ? putRecorded(keys.fsVolumes, encodeVolumeCopies([...volumes.copies])) : undefined,
      volumeInfo.length ? putRecorded(keys.volumeInfo, gzipJson(volumeInfo)) : undefined,
      putContents(keys.logs, gzipText(log.text()))
    ]);

    if (phase !== 'Failed') {
      // The copies' stored digests were taken as they streamed into the store (copyVolumeOut); failed copies
      // stored nothing. A failed backup is never committed, so it gets no manifest.
      for (const copy of volumes.copies) if (copy.result === 'succeeded' && copy.stored) checksums.set(copy.key, checksumOf(copy.stored));
      const manifest = ChecksumManifest.of(name, checksums).encode();
      const signature = settings.signingKey && signManifest(manifest, settings.signingKey);
      if (signature) log.info(`Checksum manifest signed with key ${signature.keyFingerprint}`);
      await store.put(keys.checksums, manifest, { contentType: 'application/json' });
      const backup = backupObject(
        { name, locationName: location.name, sourceClusterUid: identity, server: cluster.server, toolVersion: TOOL_VERSION, checksumsSha256: digestOf(manifest).sha256, checksumsSignature: signature },
        settings,
        { phase, startTimestamp: startedAt, completionTimestamp: completedAt, expiration, totalItems: sink.writer.itemsWritten, itemsBackedUp: sink.writer.itemsWritten, errors: results.errorTotal, warnings: results.warningTotal, csiSnapshotsAttempted: volumes.snapshotsAttempted, csiSnapshotsCompleted: volumes.snapshots.length }
      );
      // Committing after losing the lease (its renewal failed and another run took the location) could race that run.
      lease.assertHeld();
      try {
        await store.put(keys.metadata, `${JSON.stringify(backup, null, 2)}\n`, { contentType: 'application/json', ifNoneMatch: true });
        committed = true;
      } catch (err) {
        if (!(err instanceof AlreadyExistsError)) throw err;
        throw new Error(`another run completed a backup named '${name}' while this one ran; this run's files were not committed`);
      }
    }
  } finally {
    await volumes.releaseSnapshots(committed);
  }

  return {
    name,
    phase,
    location: store.url,
    cluster: cluster.server,
    startedAt,
    completedAt,
    expiration,
    items: sink.writer.itemsWritten,
    errors: results.errorTotal,
    warnings: results.warningTotal,
    results,
    itemsByResource: sink.byResource,
    itemsByNamespace: sink.byNamespace,
    volumeCopies: volumes.copies,
    volumeSnapshots: volumes.snapshots.map((t) => ({ namespace: t.namespace, claim: t.claim, handle: t.handle, driver: t.driver, sizeBytes: t.restoreSizeBytes })),
    claimsWithoutData: claimsWithoutData({ claims: inventory.claims, copies: volumes.copies, snapshots: volumes.snapshots, skippedByPolicy: volumes.skippedByPolicy, snapshotSkips: volumes.snapshotSkips }),
    failure
  };
}

/**
 * The tarball as handed to the upload (encrypted when the backup has keys), hashed on its way. Errors of the archive
 * (an abort) reach the upload through it; a failed upload reaches the archive through the run (see writeBackup).
 */
function storedForm(output: Readable, encryptor: AgeEncryptor | undefined): DigestStream {
  const digest = new DigestStream();
  if (encryptor) {
    // pipeline passes an error either way; the run reads it from the upload.
    pipeline(output, encryptor.stage(), digest).catch(() => undefined);
    return digest;
  }
  output.on('error', (err) => digest.destroy(err));
  output.pipe(digest);
  return digest;
}

/** The result of a run that wrote nothing because its twin did (or does) the work; counts come from the twin's backup. */
function skippedResult(name: string, location: string, now: Date, existing: KubeObject | undefined, reason: string): BackupResult {
  const status = existing ? statusOf(existing) : {};
  const at = (value: string | undefined) => (value && !Number.isNaN(Date.parse(value)) ? new Date(value) : now);
  return {
    name,
    phase: (status.phase as BackupPhase | undefined) ?? 'InProgress',
    location,
    cluster: '',
    startedAt: at(status.startTimestamp),
    completedAt: at(status.completionTimestamp),
    expiration: at(status.expiration),
    items: status.progress?.itemsBackedUp ?? 0,
    errors: status.errors ?? 0,
    warnings: status.warnings ?? 0,
    results: new RunResults(),
    itemsByResource: new Map(),
    itemsByNamespace: new Map(),
    volumeCopies: [],
    volumeSnapshots: [],
    claimsWithoutData: [],
    skipped: reason
  };
}

/** The volume-policies input, with a ConfigMap it names read now: a missing or bad one fails before the lease. */
async function resolveVolumePolicies(cluster: Cluster, settings: BackupVolumeSettings): Promise<VolumePolicies | undefined> {
  const source = settings.policies;
  if (!source) return undefined;
  if ('inline' in source) return source.inline;
  const { namespace, name } = source.configMap;
  const configMap = await cluster.get({ group: '', version: 'v1', resource: 'configmaps', namespaced: true }, name, namespace);
  if (!configMap) throw new InputError('volume-policies', `ConfigMap ${namespace}/${name} does not exist in ${cluster.server}`, 'Create it with the policies YAML as its only data entry, or give the YAML itself');
  const data = (configMap.data ?? {}) as Record<string, string>;
  return source.decode(data);
}

/** Pods' hooks and volume steps wait for the lease: a run that does not get it must have changed nothing. */
function afterLease(hooks: PodHooks, lease: Promise<Lease>): PodHooks {
  return {
    around: async (pod, write, signal) => {
      await lease;
      return hooks.around(pod, write, signal);
    }
  };
}

/** A pod's volumes are copied or snapshotted after its pre hooks and before its post hooks, as Velero's are. */
function withVolumeSteps(hooks: PodHooks, volumes: VolumeBackup): PodHooks {
  return {
    around: (pod, write, signal) =>
      hooks.around(
        pod,
        async () => {
          await volumes.copyPodVolumes(pod, signal);
          await write();
        },
        signal
      )
  };
}

/** What waits for the volume steps: see ArchiveSink.writeDeferred. */
const DEFERRED = new Set(['persistentvolumeclaims', `volumesnapshots.${CSI.group}`, `volumesnapshotcontents.${CSI.group}`, `volumesnapshotclasses.${CSI.group}`]);

/** The claim as Velero writes a snapshotted one: the snapshot's name as annotation and label, the request raised. */
function claimWithSnapshot(pvc: KubeObject, taken: TakenSnapshot, backupName: string): KubeObject {
  const copy = structuredClone(pvc);
  copy.metadata.annotations = { ...copy.metadata.annotations, [CSI.volumeSnapshotName]: taken.snapshot.metadata.name! };
  copy.metadata.labels = { ...copy.metadata.labels, [CSI.volumeSnapshotName]: taken.snapshot.metadata.name!, [LABELS.backupName]: backupName };
  const requests = (copy.spec as { resources?: { requests?: Record<string, string> } } | undefined)?.resources?.requests;
  const raised = requests && raisedRequest(requests.storage, taken.restoreSizeBytes);
  if (requests && raised) requests.storage = raised;
  return copy;
}

/** Writes collected items into the archive and keeps the per-type names Velero's resource list holds. */
class ArchiveSink implements ItemSink {
  readonly byResource = new Map<string, number>();
  readonly byNamespace = new Map<string, number>();
  private readonly names = new Map<string, string[]>();
  /** Items held back until the volume steps are done (DEFERRED): claims and snapshot objects, few and small. */
  private readonly deferred: CollectedItem[] = [];

  constructor(
    readonly writer: ArchiveWriter,
    private readonly inventory: VolumeInventory
  ) {}

  async add(item: CollectedItem): Promise<void> {
    if (item.preferred) this.inventory.note(item.scoped.groupResource, item.object);
    if (item.preferred && DEFERRED.has(item.scoped.groupResource)) {
      this.deferred.push(item);
      return;
    }
    await this.write(item);
  }

  /**
   * Claims and snapshot objects wait until the volumes are done: a claim snapshotted meanwhile is written with
   * Velero's annotation and its request raised to the restore size, and the snapshots taken go in with their
   * contents and classes (the walk's copies of those, taken before they were ready, are left out).
   */
  async writeDeferred(taken: readonly TakenSnapshot[], scoped: SnapshotResources['scoped'] | undefined, backupName: string): Promise<void> {
    const byClaim = new Map(taken.map((t) => [`${t.namespace}/${t.claim}`, t]));
    const ours = new Set(taken.flatMap((t) => [`s/${t.namespace}/${t.snapshot.metadata.name}`, `c/${t.content.metadata.name}`, `k/${t.snapshotClass.metadata.name}`]));
    const keyOf = ({ scoped: s, object }: CollectedItem): string | undefined =>
      s.groupResource.startsWith('volumesnapshots.') ? `s/${object.metadata.namespace}/${object.metadata.name}`
        : s.groupResource.startsWith('volumesnapshotcontents.') ? `c/${object.metadata.name}`
          : s.groupResource.startsWith('volumesnapshotclasses.') ? `k/${object.metadata.name}`
            : undefined;
    for (const item of this.deferred) {
      const key = keyOf(item);
      if (key && ours.has(key)) continue;
      const snapshot = item.scoped.groupResource === 'persistentvolumeclaims' ? byClaim.get(`${item.object.metadata.namespace}/${item.object.metadata.name}`) : undefined;
      await this.write(snapshot ? { ...item, object: claimWithSnapshot(item.object, snapshot, backupName) } : item);
    }
    this.deferred.length = 0;
    if (!scoped) return;
    const classes = new Set<string>();
    for (const t of taken) {
      await this.write({ scoped: scoped.snapshots, version: scoped.snapshots.resource.version, preferred: true, object: t.snapshot });
      await this.write({ scoped: scoped.contents, version: scoped.contents.resource.version, preferred: true, object: t.content });
      if (classes.has(t.snapshotClass.metadata.name!)) continue;
      classes.add(t.snapshotClass.metadata.name!);
      await this.write({ scoped: scoped.classes, version: scoped.classes.resource.version, preferred: true, object: t.snapshotClass });
    }
  }

  private async write({ scoped, version, preferred, object }: CollectedItem): Promise<void> {
    const meta = object.metadata;
    const item = { groupResource: scoped.groupResource, namespace: scoped.resource.namespaced ? meta.namespace : undefined, name: meta.name!, version, object };
    if (!preferred) return this.writer.addOtherVersionItem(item);
    await this.writer.addItem(item);
    this.byResource.set(scoped.groupResource, (this.byResource.get(scoped.groupResource) ?? 0) + 1);
    const namespace = item.namespace ?? (scoped.groupResource === 'namespaces' ? meta.name! : '(cluster)');
    this.byNamespace.set(namespace, (this.byNamespace.get(namespace) ?? 0) + 1);
    const key = `${object.apiVersion}/${object.kind}`;
    const list = this.names.get(key) ?? [];
    list.push(item.namespace ? `${item.namespace}/${item.name}` : item.name);
    this.names.set(key, list);
  }

  /** Velero's `<name>-resource-list.json.gz`: `"apps/v1/Deployment": ["ns/name", ...]`, sorted. */
  resourceList(): Record<string, string[]> {
    const list: Record<string, string[]> = {};
    for (const key of [...this.names.keys()].sort()) list[key] = [...this.names.get(key)!].sort();
    return list;
  }
}
