import { withRestoreInitContainers } from '../hooks/restore-init-containers.js';
import { withRestoreWaitContainer } from '../volumes/restore-wait.js';
import { csiRestoredName } from './transform/csi.js';
import type { KubeObject } from '../model/kube-object.js';
import type { CatalogItem } from '../persistence/archive-catalog.js';
import { errorMessage } from '../util/errors.js';
import { applyObject } from './apply.js';
import { comparisonFor } from './comparisons.js';
import { scopeProblem, targetProblem } from './item-identity.js';
import { badItemReason, entryReason, readItem } from './item-reader.js';
import { chooseVersion, noCommonVersionMessage, type BackedUpVersion } from './plan/versions.js';
import type { RestoreRun } from './restore-run.js';
import type { RestorePlan } from './steps/plan-restore.js';
import type { ItemOutcome } from './tally.js';
import { transformForRestore, type TransformResult } from './transform/index.js';

/** What happened to an item, and the object it concerns (for Velero's resource list). */
export interface RestoredItem {
  outcome: ItemOutcome;
  object?: KubeObject;
}

/**
 * One backed-up item into the target: the version both sides know, the transforms, then the write under the
 * existing-resource policy. `missingNamespaces` are those a dry run would create first.
 */
export async function restoreItem(run: RestoreRun, plan: RestorePlan, missingNamespaces: ReadonlySet<string>, item: CatalogItem): Promise<RestoredItem> {
  const { settings, results } = run;
  const { catalog, target } = plan;
  const base = { groupResource: item.groupResource, namespace: item.namespace, name: item.name };
  const failed = (reason: string, object?: KubeObject): RestoredItem => ({ outcome: { ...base, action: 'failed', reason }, object });
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
  if ('skip' in transformed) return { outcome: { ...base, action: 'skipped', reason: transformed.skip }, object: original };
  if ('fail' in transformed) return { outcome: { ...base, action: 'failed', reason: transformed.fail }, object: original };
  let desired = transformed.object;
  const misplaced = targetProblem(desired, item, settings.namespaceMappings, csiRestoredName(item.groupResource, original, run.uid));
  if (misplaced) return failed(entryReason(read.path, misplaced), original);
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
    run.pendingOwnerReferences.push({ desired, groupResource: item.groupResource, version: version.version });
    desired = { ...desired, metadata: { ...desired.metadata, ownerReferences: undefined } };
  }
  if (settings.dryRun && targetNamespace && missingNamespaces.has(targetNamespace)) {
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
  if (ownVolumeCopies && !settings.dryRun) {
    if (applied.action === 'created' || applied.action === 'recreated') run.podsAwaitingData.push({ namespace: targetNamespace!, name: item.name, copies: ownVolumeCopies });
    else run.warn(`pod ${targetNamespace}/${item.name} already existed: its own volumes were not restored from the backup's copies`);
  }
  if (item.groupResource === 'persistentvolumeclaims') run.claims.push({ sourceNamespace: item.namespace!, namespace: targetNamespace!, name: item.name, created: applied.action === 'created' && !settings.dryRun });
  const notes = transformed.notes.length ? transformed.notes.join('; ') : undefined;
  return { outcome: { ...outcomeBase, action: applied.action, reason: applied.message ?? notes, changes: applied.changes }, object: desired };
}

/** An item backed up without versioned copies says its version only in its apiVersion. */
function versionOf(object: KubeObject): string {
  const apiVersion = object.apiVersion ?? 'v1';
  return apiVersion.slice(apiVersion.indexOf('/') + 1);
}
