import type { BackupCatalog, CatalogItem } from '../../persistence/archive-catalog.js';
import type { KubeObject } from '../../model/kube-object.js';
import { readItem } from '../item-reader.js';
import { errorMessage } from '../../util/errors.js';
import { planRestoreScope, type RestoreScope } from '../plan/filters.js';
import { checkMappingSources } from '../plan/mapping-check.js';
import { CRDS } from '../plan/order.js';
import { scopedResourcesFromCrds } from '../plan/resources.js';
import type { RestoreRun } from '../restore-run.js';
import { selectItems, type Selection } from '../select.js';
import { TargetResources } from '../target-resources.js';
import { hasSelector, volumesToRestore, type TransformContext } from '../transform/index.js';
import type { VolumeClaim } from '../transform/pvc.js';
import { isJsonObject } from '../../util/json.js';
import type { ClaimCopies } from './fill-claims.js';
import { claimSnapshotName, CONTENTS } from '../transform/csi.js';
import { CSI } from '../../velero/vocabulary.js';
import type { PodVolumeCopies } from './fill-pod-volumes.js';

/** What a restore will do, decided before its first write. */
export interface RestorePlan {
  catalog: BackupCatalog;
  /** What the target serves; refreshed once the backup's CRDs are in. */
  target: TargetResources;
  /** The filters resolved against the target: what the restore takes, and what a drift report lists live. */
  scope: RestoreScope;
  selection: Selection;
  transform: TransformContext;
  /** The claims and pod volumes whose files the backup holds, to fill once they are created. */
  volumeCopies: VolumeCopies;
}

/**
 * Which items to restore and how to transform them. Resource filters may name custom resources the target does
 * not serve yet, so the scope knows the resources of the CRDs in the backup too.
 */
export interface VolumeCopies {
  claims: ClaimCopies;
  podVolumes: PodVolumeCopies;
}

export async function planRestore(run: RestoreRun, catalog: BackupCatalog, volumeCopies: VolumeCopies): Promise<RestorePlan> {
  const claimCopies = volumeCopies.claims;
  const { settings } = run;
  checkMappingSources(settings.namespaceMappings, namespacesOf(catalog), run.backupName);
  const target = await TargetResources.discover(run.cluster);
  for (const warning of target.failures) run.warn(warning);
  // An unusable CRD item is left out here; the selection reports it (a failed item, or a warning).
  const crds = await readUsable(catalog, catalog.items(CRDS));
  const scope = planRestoreScope(settings.filters, [...target.all(), ...scopedResourcesFromCrds(crds)], catalog.groupResources());
  for (const warning of scope.warnings) run.warn(warning);
  const selection = await selectItems(catalog, scope);
  for (const warning of selection.warnings) run.warn(warning);
  const rejected = selection.rejected.length ? `; ${selection.rejected.length} more the filters take cannot be used and fail` : '';
  run.log.info(`Selected ${selection.total} items of ${selection.items.size} resource types${rejected}`);

  const pvs = await readUsable(catalog, selection.items.get('persistentvolumes') ?? []);
  const existingVolumes = await existingPersistentVolumes(run, target, selection);
  const copiedVolumes = new Set([...claimCopies.values()].flatMap((copy) => (copy.persistentVolume ? [copy.persistentVolume] : [])));
  const restoredVolumes = new Set([...volumesToRestore(pvs)].filter((pv) => !copiedVolumes.has(pv)));
  const transform: TransformContext = {
    backupName: run.backupName,
    restoreName: run.name,
    namespaceMappings: settings.namespaceMappings,
    storageClassMappings: settings.storageClassMappings,
    preserveNodePorts: settings.preserveNodePorts,
    preserveOwnerReferences: settings.preserveOwnerReferences,
    restoredVolumes,
    existingVolumes,
    resourceModifiers: settings.resourceModifiers,
    copiedClaims: new Set(claimCopies.keys()),
    copiedVolumes,
    restoreUid: run.uid,
    restoreVolumes: settings.volumes.restoreVolumes,
    snapshottedVolumes: await snapshottedVolumes(catalog, selection),
    snapshotClassesByDriver: await targetSnapshotClasses(run, target, selection),
    selectorServices: selection.items.has('endpoints') ? await selectorServices(catalog) : new Set()
  };
  return { catalog, target, scope, selection, transform, volumeCopies };
}

/** The PVs of the selected claims whose data is in a CSI snapshot: their claims get new volumes, they are not restored. */
async function snapshottedVolumes(catalog: BackupCatalog, selection: Selection): Promise<Set<string>> {
  const volumes = new Set<string>();
  for (const pvc of await readUsable(catalog, selection.items.get('persistentvolumeclaims') ?? [])) {
    const volumeName = isJsonObject(pvc.spec) ? pvc.spec.volumeName : undefined;
    if (claimSnapshotName(pvc) && typeof volumeName === 'string' && volumeName) volumes.add(volumeName);
  }
  return volumes;
}

/** The target's first VolumeSnapshotClass per driver (Velero's choice for restored contents); none without contents to restore. */
async function targetSnapshotClasses(run: RestoreRun, target: TargetResources, selection: Selection): Promise<Map<string, string>> {
  const classes = new Map<string, string>();
  const versions = target.versions(`volumesnapshotclasses.${CSI.group}`);
  const ref = versions.length ? target.ref(`volumesnapshotclasses.${CSI.group}`, versions[0]!) : undefined;
  if (!ref || !selection.items.has(CONTENTS)) return classes;
  try {
    for await (const c of run.cluster.list(ref)) {
      const driver = (c as { driver?: unknown }).driver;
      if (typeof driver === 'string' && !classes.has(driver)) classes.set(driver, c.metadata.name!);
    }
  } catch (err) {
    run.log.warn(`Cannot list the target's VolumeSnapshotClasses (${errorMessage(err)}); restored snapshot contents name no class`);
  }
  return classes;
}

/** `<namespace>/<name>` of the backup's Services with a selector (all of them: one filtered out still exists at the source). */
async function selectorServices(catalog: BackupCatalog): Promise<Set<string>> {
  const services = await readUsable(catalog, catalog.items('services'));
  return new Set(services.filter(hasSelector).map((s) => `${s.metadata.namespace}/${s.metadata.name}`));
}

/** Every namespace the backup holds items of (the Namespace objects themselves included). */
function namespacesOf(catalog: BackupCatalog): Set<string> {
  const namespaces = new Set<string>();
  for (const groupResource of catalog.groupResources()) {
    for (const item of catalog.items(groupResource)) {
      if (item.namespace) namespaces.add(item.namespace);
      else if (groupResource === 'namespaces') namespaces.add(item.name);
    }
  }
  return namespaces;
}

/** The objects of the items that can be used, in order; the others are reported where they are restored. */
async function readUsable(catalog: BackupCatalog, items: readonly CatalogItem[]): Promise<KubeObject[]> {
  const objects: KubeObject[] = [];
  for (const item of items) {
    const read = await readItem(catalog, item);
    if (read.ok) objects.push(read.object);
  }
  return objects;
}

/**
 * The target's volumes and the claim each is bound to. Only claims care (a claim keeps its volumeName only when it
 * names a volume that is free or already its own); without claims, no list is needed.
 */
async function existingPersistentVolumes(run: RestoreRun, target: TargetResources, selection: Selection): Promise<Map<string, VolumeClaim>> {
  const volumes = new Map<string, VolumeClaim>();
  const ref = target.ref('persistentvolumes', 'v1');
  if (!ref || !selection.items.has('persistentvolumeclaims')) return volumes;
  try {
    for await (const pv of run.cluster.list(ref)) {
      const claimRef = isJsonObject(pv.spec) && isJsonObject(pv.spec.claimRef) ? pv.spec.claimRef : undefined;
      volumes.set(pv.metadata.name!, claimRef ? { namespace: claimRef.namespace as string | undefined, name: claimRef.name as string | undefined } : null);
    }
  } catch (err) {
    run.log.warn(`Cannot list the target's persistent volumes (${errorMessage(err)}); claims naming a volume not in the backup get a new one`);
  }
  return volumes;
}
