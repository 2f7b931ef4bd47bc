import type { VersionDir } from '../../archive/item-path.js';

/** One version folder of a resource in the backup (`v1` or `v1-preferredversion`). */
export interface BackedUpVersion {
  version: string;
  /** The source cluster's preferred version (the `-preferredversion` folder). */
  preferred: boolean;
}

/**
 * Which backed-up version of a resource to restore (Velero's chooseAPIVersionsToRestore, from
 * prioritize_group_version.go, without its user-priority ConfigMap):
 *   1. the target's preferred version, if the backup has it;
 *   2. else the backup's preferred version, if the target serves it;
 *   3. else the common version with the highest Kubernetes priority (v2 > v1 > v1beta2 > v1beta1 > v1alpha1).
 * Returns the folder to read (preferred = the `<v>-preferredversion` one), or undefined when the two share no
 * version: the caller fails those items (noCommonVersionMessage). Velero then falls back to the backup's preferred
 * version, which the target cannot create either, so the item fails there too, less clearly.
 *
 * `targetServed` lists the versions the target serves for the resource's group; without `targetPreferred` its first
 * entry is taken as preferred (discovery lists the preferred version first).
 * Velero's step 3 skips the first (highest) version of each list, a quirk that can miss a common version; not here.
 */
export function chooseVersion(backedUp: readonly BackedUpVersion[], targetServed: readonly string[], targetPreferred = targetServed[0]): VersionDir | undefined {
  const backupPreferred = backedUp.find((v) => v.preferred)?.version;
  const dir = (version: string): VersionDir => ({ version, preferred: version === backupPreferred });
  const inBackup = (version: string | undefined) => version !== undefined && backedUp.some((v) => v.version === version);

  if (targetPreferred !== undefined && targetServed.includes(targetPreferred) && inBackup(targetPreferred)) return dir(targetPreferred);
  if (backupPreferred !== undefined && targetServed.includes(backupPreferred)) return dir(backupPreferred);
  const common = [...targetServed].sort(compareKubeAwareVersions).find(inBackup);
  return common === undefined ? undefined : dir(common);
}

export function noCommonVersionMessage(groupResource: string, backedUp: readonly BackedUpVersion[], targetServed: readonly string[]): string {
  const backup = backedUp.map((v) => v.version).join(', ') || 'none';
  const target = targetServed.join(', ') || 'none (the resource is not served)';
  return `${groupResource}: the backup holds version(s) ${backup} but the target cluster serves ${target}; no common version to restore`;
}

const KUBE_VERSION = /^v(\d+)(?:(alpha|beta)(\d+))?$/;

/**
 * Kubernetes' version priority (apimachinery's CompareKubeAwareVersionStrings) as a sort comparator, highest first:
 * GA before beta before alpha, higher numbers first; versions not shaped like v1beta2 come last, alphabetically.
 */
export function compareKubeAwareVersions(a: string, b: string): number {
  const rank = (v: string): [number, number, number] | undefined => {
    const m = KUBE_VERSION.exec(v);
    if (!m) return undefined;
    const stability = m[2] === undefined ? 3 : m[2] === 'beta' ? 2 : 1;
    return [stability, Number(m[1]), m[3] === undefined ? 0 : Number(m[3])];
  };
  const ra = rank(a);
  const rb = rank(b);
  if (!ra || !rb) return ra ? -1 : rb ? 1 : a < b ? -1 : a > b ? 1 : 0;
  for (let i = 0; i < 3; i++) if (ra[i] !== rb[i]) return rb[i]! - ra[i]!;
  return 0;
}
