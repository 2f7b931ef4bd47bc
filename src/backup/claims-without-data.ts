import type { VolumeCopyRecord } from '../volumes/volume-copy-record.js';
import type { ClaimInScope } from './volume-inventory.js';

/** A claim whose object is in the backup but whose volume data is not (neither copied nor snapshotted), and why. */
export interface ClaimWithoutData {
  namespace: string;
  name: string;
  reason: string;
}

export interface ClaimDataSources {
  claims: readonly ClaimInScope[];
  copies: readonly Pick<VolumeCopyRecord, 'namespace' | 'claim' | 'result' | 'error'>[];
  snapshots: readonly { namespace: string; claim: string }[];
  /** PVs a volume policy's `skip` left out. */
  skippedByPolicy?: ReadonlySet<string>;
  /** PV name → why no snapshot was attempted. */
  snapshotSkips?: ReadonlyMap<string, string>;
}

const NOT_SELECTED = 'neither copied nor snapshotted: no volume policy, default-volumes-to-fs-backup or snapshot-volumes took it';

/**
 * Every claim of the backup whose data a restore cannot bring back, with the reason: what a user restoring it
 * would otherwise find out from an empty volume.
 */
export function claimsWithoutData(sources: ClaimDataSources): ClaimWithoutData[] {
  const key = (namespace: string, name: string) => `${namespace}/${name}`;
  const copied = new Set(sources.copies.filter((c) => c.claim && c.result === 'succeeded').map((c) => key(c.namespace, c.claim!)));
  const failedCopies = new Map(sources.copies.filter((c) => c.claim && c.result === 'failed').map((c) => [key(c.namespace, c.claim!), c.error ?? 'failed']));
  const snapshotted = new Set(sources.snapshots.map((s) => key(s.namespace, s.claim)));
  const without: ClaimWithoutData[] = [];
  for (const claim of sources.claims) {
    const k = key(claim.namespace, claim.name);
    if (copied.has(k) || snapshotted.has(k)) continue;
    const pv = claim.volumeName;
    const reason = failedCopies.has(k)
      ? `file-system copy failed: ${failedCopies.get(k)}`
      : !pv
        ? `not bound to a volume (phase ${claim.phase ?? 'unknown'}): there is no data to take`
        : sources.skippedByPolicy?.has(pv)
          ? "a volume policy's skip action left it out"
          : sources.snapshotSkips?.has(pv)
            ? `not snapshotted: ${sources.snapshotSkips.get(pv)!.replace(/^csiSnapshot: /, '').replace(/;$/, '')}`
            : NOT_SELECTED;
    without.push({ namespace: claim.namespace, name: claim.name, reason });
  }
  return without;
}
