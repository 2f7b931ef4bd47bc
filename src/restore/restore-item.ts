import { withRestoreInitContainers } from '../hooks/restore-init-containers.js';
import { withRestoreWaitContainer } from '../volumes/restore-wait.js';
import { csiRestoredName } from './transform/csi.js';
import type { KubeObject } from '../model/kube-object.js';
import type { ResourceRef } from '../model/resource-ref.js';
import type { CatalogItem } from '../persistence/archive-catalog.js';
import { errorMessage } from '../util/errors.js';
import { applyObject } from './apply.js';
import { comparisonFor } from '../compare/comparisons.js';
import { scopeProblem, targetProblem } from './item-identity.js';
import { badItemReason, entryReason, readItem } from './item-reader.js';
import { chooseVersion, noCommonVersionMessage, type BackedUpVersion } from './plan/versions.js';
import type { RestoreRun } from './restore-run.js';
import type { RestorePlan } from './steps/plan-restore.js';
import type { ItemOutcome } from './tally.js';
import { transformForRestore, type TransformResult } from './transform/index.js';
import { mappedNamespace } from './transform/namespace.js';
import type { EnsuredNamespaces } from './target-namespaces.js';
import { claimSnapshotName } from './transform/csi.js';
import { isJsonObject } from '../util/json.js';
import { WORKLOAD_KINDS } from './workload-health.js';

/** What happened to an item, and the object it concerns (for Velero's resource list). */
export interface RestoredItem {
  outcome: ItemOutcome;
  object?: KubeObject;
}

/**
 * An item as restore would write it, before the pod-only additions (restore hooks, the volume wait container) and
 * the write: the version both sides know, read and checked, transformed, and held to the place its path names.
 * The drift report compares exactly this with the live object, so the two never disagree on what changed.
 */
export type PreparedItem =
  | { ok: true; desired: KubeObject; original: KubeObject; ref: ResourceRef; version: string; notes: string[] }
  | { ok: false; outcome: ItemOutcome; object?: KubeObject };

export async function prepareItem(run: RestoreRun, plan: RestorePlan, item: CatalogItem): Promise<PreparedItem> {
  const { catalog, target } = plan;
  const base = { groupResource: item.groupResource, namespace: item.namespace, name: item.name };
  const failed = (reason: string, object?: KubeObject): PreparedItem => ({ ok: false, outcome: { ...base, action: 'failed', reason }, object });
  const served = target.versions(item.groupResource);
  if (!served.length) return failed(`the target cluster does not serve ${item.groupResource}`);
  let backedUp: BackedUpVersion[] = item.versions;
  if (!backedUp.length) {
    const unversioned = await readItem(catalog, item);
    if (!unversioned.ok) return failed(badItemReason(unversioned));
    backedUp = [{ version: versionOf(unversioned.object), preferred: true }];
  }
  const version = chooseVersion(backedUp, served);
  if (!version) return failed(noCommonVersionMessage(item.groupResource, backedUp, served));
  // Each copy is checked on its own: the versioned one read here may differ from the plain one selected.
  const read = await readItem(catalog, item, item.versions.length ? version.version : undefined);
  if (!read.ok) return failed(badItemReason(read));
  const ref = target.ref(item.groupResource, version.version)!;
  const wrongScope = scopeProblem(item, ref.namespaced);
  if (wrongScope) return failed(entryReason(read.path, wrongScope), read.object);
  const original = read.object;
  let transformed: TransformResult;
  try {
    transformed = transformForRestore(original, item.groupResource, plan.transform);
  } catch (err) {
    // The transforms read whatever the archive holds; one that trips over an item fails that item, named.
    return failed(entryReason(read.path, `cannot be transformed for restore: ${errorMessage(err)}`), original);
  }
  if ('skip' in transformed) return { ok: false, outcome: { ...base, action: 'skipped', reason: transformed.skip }, object: original };
  if ('fail' in transformed) return { ok: false, outcome: { ...base, action: 'failed', reason: transformed.fail }, object: original };
  const misplaced = targetProblem(transformed.object, item, run.settings.namespaceMappings, csiRestoredName(item.groupResource, original, run.uid));
  if (misplaced) return failed(entryReason(read.path, misplaced), original);
  return { ok: true, desired: transformed.object, original, ref, version: version.version, notes: transformed.notes };
}

/**
 * One backed-up item into the target: prepareItem, then the write under the existing-resource policy.
 * `namespaces` are those the run made (or, dry run, would make) first.
 */
export async function restoreItem(run: RestoreRun, plan: RestorePlan, namespaces: EnsuredNamespaces, item: CatalogItem): Promise<RestoredItem> {
  const { settings, results } = run;
  // Every outcome names where the item goes: a plan showing source namespaces would misdirect its reviewer.
  const base = { groupResource: item.groupResource, namespace: item.namespace && mappedNamespace(item.namespace, settings.namespaceMappings), name: item.name };
  const prepared = await prepareItem(run, plan, item);
  if (!prepared.ok) return { outcome: { ...prepared.outcome, namespace: base.namespace }, object: prepared.object };
  const { ref, version, notes: transformNotes } = prepared;
  let desired = prepared.desired;
  const targetNamespace = desired.metadata.namespace;
  // Under the name it is written as: CSI snapshot objects are restored under new names.
  const outcomeBase = { ...base, namespace: targetNamespace, name: desired.metadata.name ?? item.name };
  const ownVolumeCopies = item.groupResource === 'pods' ? plan.volumeCopies.podVolumes.get(`${item.namespace}/${item.name}`) : undefined;
  if (item.groupResource === 'pods') {
    const injected = withRestoreInitContainers(desired, settings.restoreHooks);
    desired = injected.pod;
    for (const problem of injected.problems) results.warning(`pod ${targetNamespace}/${item.name}: ${problem}`, targetNamespace);
    if (ownVolumeCopies) desired = withRestoreWaitContainer(desired, ownVolumeCopies.map((copy) => copy.volume), settings.volumes.dataMoverImage);
  }
  if (settings.preserveOwnerReferences && desired.metadata.ownerReferences?.length) {
    // Created without them and patched once every owner exists: a reference to a uid the target does not
    // have would make its garbage collector delete the object.
    run.pendingOwnerReferences.push({ desired, groupResource: item.groupResource, version });
    desired = { ...desired, metadata: { ...desired.metadata, ownerReferences: undefined } };
  }
  if (item.groupResource === 'namespaces' && namespaces.created.has(outcomeBase.name)) {
    // Made from this very item before its contents: the outcome a dry run plans for it.
    const uid = namespaces.created.get(outcomeBase.name);
    if (uid) run.owners.add(desired, uid);
    return { outcome: { ...outcomeBase, action: 'created', reason: 'created before its contents' }, object: desired };
  }
  if (settings.dryRun && targetNamespace && namespaces.wouldCreate.has(targetNamespace)) {
    return { outcome: { ...outcomeBase, action: 'created', reason: `namespace ${targetNamespace} would be created first, so the API server could not validate this one` }, object: desired };
  }
  const applied = await applyObject(run.cluster, ref, desired, {
    policy: settings.existingResourcePolicy,
    dryRun: settings.dryRun,
    comparison: comparisonFor(item.groupResource),
    clock: run.clock,
    deletionHazard: run.deletionHazard(item.groupResource)
  });
  if (applied.uid) run.owners.add(desired, applied.uid);
  if (item.groupResource === 'pods' && (applied.action === 'created' || applied.action === 'recreated')) run.restoredPods.push(desired);
  if (WORKLOAD_KINDS.has(item.groupResource) && !settings.dryRun && (applied.action === 'created' || applied.action === 'recreated' || applied.action === 'updated')) {
    run.restoredWorkloads.push({ groupResource: item.groupResource, ref, namespace: targetNamespace!, name: outcomeBase.name });
  }
  if (ownVolumeCopies && !settings.dryRun) {
    if (applied.action === 'created' || applied.action === 'recreated') run.podsAwaitingData.push({ namespace: targetNamespace!, name: item.name, copies: ownVolumeCopies });
    else run.warn(`pod ${targetNamespace}/${item.name} already existed: its own volumes were not restored from the backup's copies`);
  }
  if (item.groupResource === 'persistentvolumeclaims') {
    const volumeData = claimVolumeData(plan, prepared.original, desired, applied.action);
    run.claims.push({ sourceNamespace: item.namespace!, namespace: targetNamespace!, name: item.name, created: applied.action === 'created' && !settings.dryRun, volumeData });
  }
  const notes = transformNotes.length ? transformNotes.join('; ') : undefined;
  return { outcome: { ...outcomeBase, action: applied.action, reason: applied.message ?? notes, changes: applied.changes }, object: desired };
}

/** Where a restored claim's data comes from, or why it has none: for the summary's per-claim table. */
function claimVolumeData(plan: RestorePlan, original: KubeObject, desired: KubeObject, action: string): string {
  if (action !== 'created' && action !== 'recreated') return action === 'failed' ? 'none: the claim failed' : `not written to: the claim already existed (${action})`;
  const { transform } = plan;
  const snapshot = claimSnapshotName(original);
  if (snapshot) return transform.restoreVolumes ? `from CSI snapshot ${snapshot}` : 'none: restore-volumes is off, a new, empty volume is provisioned';
  if (transform.copiedClaims?.has(`${original.metadata.namespace}/${original.metadata.name}`)) return "filled from the backup's file-system copy";
  const volumeName = isJsonObject(desired.spec) && typeof desired.spec.volumeName === 'string' ? desired.spec.volumeName : undefined;
  if (volumeName) return `none in the backup: bound to volume ${volumeName}, whose data is whatever it holds`;
  return 'none in the backup (neither copied nor snapshotted): a new, empty volume is provisioned';
}

/** An item backed up without versioned copies says its version only in its apiVersion. */
function versionOf(object: KubeObject): string {
  const apiVersion = object.apiVersion ?? 'v1';
  return apiVersion.slice(apiVersion.indexOf('/') + 1);
}
