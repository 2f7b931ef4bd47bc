import type { Cluster } from '../kube/cluster.js';
import type { LocationPolicy } from '../settings/backup-settings.js';
import type { SyncSettings } from '../settings/lifecycle-settings.js';
import { readStoredBackup, type StoredBackup } from '../persistence/stored-backups.js';
import { BACKUPS_FOLDER, nameOfFolder } from '../storage/layout.js';
import { withLease, type LeaseOptions } from '../coordination/lease.js';
import type { ObjectStore } from '../storage/object-store.js';
import { errorMessage, InputError } from '../util/errors.js';
import { hasTrueCondition, pollUntil } from '../util/poll.js';
import type { Logger } from '../util/logger.js';
import { BACKUP_CRD_NAME, BACKUP_REF, backupCrd, CRD_REF, NAMESPACE_REF } from '../velero/backup-crd.js';
import { planSync } from './plan.js';
import type { KubeObject } from '../model/kube-object.js';

export interface SyncContext {
  store: ObjectStore;
  cluster: Cluster;
  logger: Logger;
  clock?: () => Date;
  /** Who runs this sync, shown to a run that has to wait for the location's lease (settings/run-identity.ts). */
  holder: string;
  /** Overrides for the lease (poll period, heartbeat); the ttl and wait come from the settings. */
  lease?: Partial<LeaseOptions>;
  /** Aborted when the run is cancelled (SIGINT/SIGTERM at the edges): no new work starts, cleanup still runs. */
  signal?: AbortSignal;
  /** How long to wait for an installed CRD to be served. */
  crdTimeoutMs?: number;
}

export interface SyncRequest {
  settings: SyncSettings;
  location: LocationPolicy;
}

export interface SyncResult {
  location: string;
  namespace: string;
  created: string[];
  deleted: string[];
  /** Backups the cluster already recorded. */
  present: number;
  /** Folders not synced: a corrupt velero-backup.json, a Backup object the API server refused, or one of another location. */
  skipped: { name: string; problem: string }[];
  /**
   * Records of this location's name whose folder is gone, but which carry no location URL (Velero's, an older
   * version's): they may be another prefix's, so sync never deletes them.
   */
  leftAlone: { name: string; reason: string }[];
  crdInstalled: boolean;
  namespaceCreated: boolean;
}

/**
 * Makes the cluster's Backup objects match the location (the bucket is the truth), as Velero's backup sync does,
 * so a new cluster sees an old one's backups before a restore and a Velero installed later picks them up. A
 * ReadOnly location is synced too; only a ReadWrite one is leased, since sync writes nothing to it.
 */
export async function runSync(context: SyncContext, request: SyncRequest): Promise<SyncResult> {
  const { store, logger } = context;
  const clock = context.clock ?? (() => new Date());
  const { settings, location } = request;
  if (location.accessMode === 'ReadOnly') return sync(context, request);
  return withLease(store, { operation: 'sync', holder: context.holder, ttlMs: settings.lease.ttlMs, waitMs: settings.lease.waitMs, clock, logger, ...context.lease }, () => sync(context, request));
}

async function sync({ store, cluster, logger, signal, clock = () => new Date(), crdTimeoutMs = 60_000 }: SyncContext, { settings, location }: SyncRequest): Promise<SyncResult> {
  const namespace = settings.veleroNamespace;
  const result: SyncResult = { location: store.url, namespace, created: [], deleted: [], present: 0, skipped: [], leftAlone: [], crdInstalled: false, namespaceCreated: false };

  if (!(await servesBackups(cluster))) {
    if (!settings.installCrds) {
      throw new InputError(
        'install-crds',
        `the cluster ${cluster.server} has no ${BACKUP_CRD_NAME} CRD, so it cannot record backups`,
        'Install Velero, or set install-crds: true to install a Backup CRD'
      );
    }
    logger.info(`Installing the ${BACKUP_CRD_NAME} CRD in ${cluster.server}`);
    try {
      await cluster.create(CRD_REF, backupCrd());
      result.crdInstalled = true;
    } catch (err) {
      if (statusCode(err) !== 409) throw err; // installed meanwhile by someone else: wait for it all the same
    }
    await waitUntilServed(cluster, namespace, crdTimeoutMs, clock);
  }
  result.namespaceCreated = await ensureNamespace(cluster, namespace);
  if (result.namespaceCreated) logger.info(`Created namespace ${namespace}`);

  const stored: StoredBackup[] = [];
  for await (const folder of store.listFolders(BACKUPS_FOLDER)) {
    const name = nameOfFolder(folder, BACKUPS_FOLDER);
    try {
      stored.push(await readStoredBackup(store, name));
    } catch (err) {
      // One unreadable velero-backup.json is reported and skipped, like a corrupt one, never fatal for the rest.
      stored.push({ name, state: 'corrupt', problem: `velero-backup.json cannot be read: ${errorMessage(err)}` });
    }
  }
  const records: KubeObject[] = [];
  for await (const record of cluster.list(BACKUP_REF, { namespace })) records.push(record);

  const plan = planSync({ stored, records, locationName: location.name, locationUrl: store.url, namespace });
  result.present = plan.present.length;
  for (const skipped of plan.skipped) {
    result.skipped.push(skipped);
    logger.warn(`Backup ${skipped.name} is not synced: ${skipped.problem}`);
  }
  for (const left of plan.leftAlone) {
    result.leftAlone.push(left);
    logger.info(`Left Backup ${namespace}/${left.name} alone, though its folder is not in ${store.url}: ${left.reason}`);
  }
  for (const record of plan.create) {
    signal?.throwIfAborted();
    const name = record.metadata.name!;
    try {
      await cluster.create(BACKUP_REF, record, { namespace });
      result.created.push(name);
      logger.info(`Created Backup ${namespace}/${name}`);
    } catch (err) {
      if (statusCode(err) === 409) {
        result.present++; // created meanwhile, by Velero's own sync for one
        continue;
      }
      result.skipped.push({ name, problem: `the API server refused its Backup object: ${errorMessage(err)}` });
      logger.warn(`Backup ${name} is not synced: the API server refused its Backup object: ${errorMessage(err)}`);
    }
  }
  for (const name of plan.delete) {
    signal?.throwIfAborted();
    if (await cluster.delete(BACKUP_REF, name, { namespace })) {
      result.deleted.push(name);
      logger.info(`Deleted Backup ${namespace}/${name}: its folder is gone from ${store.url}`);
    }
  }
  logger.info(
    `Synced ${store.url} into ${cluster.server}: ${result.created.length} created, ${result.deleted.length} deleted, ${result.present} already present, ${result.skipped.length} skipped, ${result.leftAlone.length} left alone`
  );
  return result;
}

async function servesBackups(cluster: Cluster): Promise<boolean> {
  const discovery = await cluster.discover();
  return discovery.resources.some((r) => r.group === BACKUP_REF.group && r.version === BACKUP_REF.version && r.name === BACKUP_REF.resource);
}

/** Waits for the new CRD to be Established and its resource listable. */
async function waitUntilServed(cluster: Cluster, namespace: string, timeoutMs: number, clock: () => Date): Promise<void> {
  const listable = async () => {
    if (!hasTrueCondition(await cluster.get(CRD_REF, BACKUP_CRD_NAME), 'Established')) return false;
    return cluster.listPage(BACKUP_REF, { namespace, limit: 1 }).then(
      () => true,
      () => false
    );
  };
  if (!(await pollUntil(listable, { timeoutMs, clock }))) throw new Error(`the ${BACKUP_CRD_NAME} CRD was created but is not served after ${timeoutMs / 1000}s`);
}

async function ensureNamespace(cluster: Cluster, namespace: string): Promise<boolean> {
  if (await cluster.get(NAMESPACE_REF, namespace)) return false;
  try {
    await cluster.create(NAMESPACE_REF, { apiVersion: 'v1', kind: 'Namespace', metadata: { name: namespace } });
    return true;
  } catch (err) {
    if (statusCode(err) === 409) return false;
    throw err;
  }
}

function statusCode(err: unknown): number | undefined {
  const code = (err as { statusCode?: unknown } | undefined)?.statusCode;
  return typeof code === 'number' ? code : undefined;
}
