/**
 * Velero's restore order, as waves: each wave is a list of group-resources whose items may be created in parallel;
 * a wave starts when the one before it is done.
 */

/**
 * Resources Velero never restores (its restore controller's nonRestorableResources, added to every restore's
 * excluded resources): cluster-specific objects, and Velero's own records, which are synced from storage instead.
 */
export const NEVER_RESTORED: readonly string[] = [
  'nodes',
  'events',
  'events.events.k8s.io',
  'backups.velero.io',
  'restores.velero.io',
  'resticrepositories.velero.io',
  'backuprepositories.velero.io',
  'csinodes.storage.k8s.io',
  'volumeattachments.storage.k8s.io'
];

export const CRDS = 'customresourcedefinitions.apiextensions.k8s.io';

/**
 * Restored first, in this order, each as its own wave: what later items depend on (namespaces before their
 * contents, storage before claims, RBAC and accounts before pods, pods and replica sets before their controllers
 * adopt them, endpoints before services). This is the reference format's list (Velero's default high priorities
 * plus the RBAC kinds and priority classes), with Velero's Cluster API entry clusterclasses.cluster.x-k8s.io.
 * CRDs come first: the caller waits until they are Established and refreshes discovery before the next wave.
 */
export const HIGH_PRIORITIES: readonly string[] = [
  CRDS,
  'namespaces',
  'storageclasses.storage.k8s.io',
  'volumesnapshotclasses.snapshot.storage.k8s.io',
  'volumesnapshotcontents.snapshot.storage.k8s.io',
  'volumesnapshots.snapshot.storage.k8s.io',
  'persistentvolumes',
  'persistentvolumeclaims',
  'clusterroles.rbac.authorization.k8s.io',
  'roles.rbac.authorization.k8s.io',
  'serviceaccounts',
  'clusterrolebindings.rbac.authorization.k8s.io',
  'rolebindings.rbac.authorization.k8s.io',
  'secrets',
  'configmaps',
  'limitranges',
  'priorityclasses.scheduling.k8s.io',
  'pods',
  'replicasets.apps',
  'clusterclasses.cluster.x-k8s.io',
  'endpoints',
  'services'
];

/**
 * Velero's low priorities: Cluster API objects restored after everything else, each as its own wave, so the
 * Cluster API controllers find the machines and infrastructure they reference already there.
 */
export const LOW_PRIORITIES: readonly string[] = [
  'clusterbootstraps.run.tanzu.vmware.com',
  'clusters.cluster.x-k8s.io',
  'clusterresourcesets.addons.cluster.x-k8s.io'
];

/**
 * The waves for the group-resources of a restore (`resource.group`, as the archive names them): one wave per
 * high-priority resource present, then ONE wave with every other resource in alphabetical order (Velero restores
 * them one after another alphabetically; nothing there depends on its order: controllers adopt orphans by label,
 * and custom resources whose CRDs this restore created are served by then, since CRDs are the first wave), then one
 * wave per low-priority resource present. NEVER_RESTORED resources are left out; empty waves are not returned.
 */
export function restoreWaves(groupResources: Iterable<string>): string[][] {
  const present = new Set(groupResources);
  for (const never of NEVER_RESTORED) present.delete(never);
  const prioritized = new Set([...HIGH_PRIORITIES, ...LOW_PRIORITIES]);
  const waves: string[][] = HIGH_PRIORITIES.filter((gr) => present.has(gr)).map((gr) => [gr]);
  const others = [...present].filter((gr) => !prioritized.has(gr)).sort();
  if (others.length) waves.push(others);
  waves.push(...LOW_PRIORITIES.filter((gr) => present.has(gr)).map((gr) => [gr]));
  return waves;
}
