import { pollUntil } from '../util/poll.js';
import type { ExistingResourcePolicy } from '../settings/restore-settings.js';
import type { Cluster } from '../kube/cluster.js';
import { KubeApiError } from '../kube/http.js';
import { errorMessage } from '../util/errors.js';
import type { Comparison } from '../compare/comparisons.js';
import type { FieldChange } from '../compare/diff.js';
import type { KubeObject } from '../model/kube-object.js';
import type { ResourceRef } from '../model/resource-ref.js';

export type ApplyAction = 'created' | 'updated' | 'recreated' | 'unchanged' | 'conflict' | 'failed' | 'skipped';

export interface ApplyOutcome {
  action: ApplyAction;
  /** Why it failed, or what differs when it was left alone. */
  message?: string;
  changes?: FieldChange[];
  /** The uid of the object now in the cluster (for ownerReference rewriting). */
  uid?: string;
}

export interface ApplyOptions {
  policy: ExistingResourcePolicy;
  dryRun: boolean;
  comparison: Comparison;
  /** How long `recreate` waits for the old object to be gone. */
  deleteTimeoutMs?: number;
  /** Why this object must not be deleted (deletion-hazard.ts): `recreate` then updates it in place instead. */
  deletionHazard?: string;
  clock: () => Date;
}

/**
 * Puts one object into the cluster under the existing-resource policy. A dry run asks the API server to validate
 * the write (`dryRun=All`) and changes nothing. Existing objects are compared without server-managed fields, so an
 * unchanged object is reported as such instead of as a difference.
 */
export async function applyObject(cluster: Cluster, ref: ResourceRef, desired: KubeObject, options: ApplyOptions): Promise<ApplyOutcome> {
  const namespace = desired.metadata.namespace;
  const name = desired.metadata.name!;
  const dryRun = options.dryRun;
  try {
    if (dryRun) {
      const live = await cluster.get(ref, name, namespace);
      if (!live) {
        await cluster.create(ref, desired, { dryRun: true, metadataOnly: true });
        return { action: 'created' };
      }
      return await existing(live);
    }
    try {
      const created = await cluster.create(ref, desired, { metadataOnly: true });
      return { action: 'created', uid: created.metadata.uid };
    } catch (err) {
      if (!(err instanceof KubeApiError && err.statusCode === 409 && err.reason === 'AlreadyExists')) throw err;
    }
    const live = await cluster.get(ref, name, namespace);
    // Deleted between the create and the get: one more try is all a restore owes a racing deletion.
    if (!live) {
      const created = await cluster.create(ref, desired, { metadataOnly: true });
      return { action: 'created', uid: created.metadata.uid };
    }
    return await existing(live);
  } catch (err) {
    return { action: 'failed', message: describe(err) };
  }

  async function existing(live: KubeObject): Promise<ApplyOutcome> {
    if (options.comparison.isUnchanged(desired, live)) return { action: 'unchanged', uid: live.metadata.uid };
    const changes = options.comparison.diff(desired, live);
    switch (options.policy) {
      case 'none':
        return { action: 'conflict', changes, message: `exists and differs (${summarize(changes)}); left as it is (existing-resource-policy: none)`, uid: live.metadata.uid };
      case 'update': {
        const patched = await cluster.patch(ref, name, options.comparison.mergePatch(desired, live), 'merge', { namespace, dryRun });
        return { action: 'updated', changes, uid: patched.metadata.uid };
      }
      case 'recreate': {
        if (options.deletionHazard) return updateInstead(live, changes, options.deletionHazard);
        if (dryRun) return { action: 'recreated', changes };
        // Orphan: the object goes, what it owns stays (a Deployment's ReplicaSets are adopted again by the new one).
        await cluster.delete(ref, name, { namespace, propagationPolicy: 'Orphan' });
        await waitUntilGone(cluster, ref, name, namespace, options.deleteTimeoutMs ?? 60_000, options.clock);
        const created = await cluster.create(ref, desired, { metadataOnly: true });
        return { action: 'recreated', changes, uid: created.metadata.uid };
      }
    }
  }

  async function updateInstead(live: KubeObject, changes: FieldChange[], hazard: string): Promise<ApplyOutcome> {
    const why = `not recreated: ${hazard}`;
    try {
      const patched = await cluster.patch(ref, name, options.comparison.mergePatch(desired, live), 'merge', { namespace, dryRun });
      return { action: 'updated', changes, uid: patched.metadata.uid, message: `updated in place, ${why}` };
    } catch (err) {
      return { action: 'skipped', changes, uid: live.metadata.uid, message: `${why}; and the update was refused: ${describe(err)}` };
    }
  }
}

async function waitUntilGone(cluster: Cluster, ref: ResourceRef, name: string, namespace: string | undefined, timeoutMs: number, clock: () => Date): Promise<void> {
  const gone = async () => (await cluster.get(ref, name, namespace)) === undefined;
  if (!(await pollUntil(gone, { timeoutMs, clock }))) throw new Error(`the existing object was not gone ${timeoutMs / 1000}s after its deletion (finalizers?)`);
}

export function summarize(changes: FieldChange[]): string {
  const paths = changes.map((c) => c.path);
  return paths.length > 5 ? `${paths.slice(0, 5).join(', ')} and ${paths.length - 5} more` : paths.join(', ') || 'no field named';
}

function describe(err: unknown): string {
  if (err instanceof KubeApiError) return `${err.reason}: ${err.message}`;
  return errorMessage(err);
}
