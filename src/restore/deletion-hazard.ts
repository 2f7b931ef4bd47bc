import { groupOf, isBuiltInGroup } from '../kube/api-groups.js';

/**
 * What `existing-resource-policy: recreate` may delete. Deleting an object must lose nothing but the object (and
 * it is deleted with `propagationPolicy: Orphan`, so nothing it owns cascades). Some kinds take more with them
 * whatever the propagation policy; those are updated in place instead, and skipped with this reason when the
 * update is refused.
 */
const DESTRUCTIVE_KINDS: Record<string, string> = {
  namespaces: 'deleting a Namespace deletes everything in it, volumes included',
  'customresourcedefinitions.apiextensions.k8s.io': 'deleting a CRD deletes every custom resource of its kind',
  persistentvolumes: "deleting a PersistentVolume can delete the volume's data (reclaim policy Delete)",
  persistentvolumeclaims: "deleting a PersistentVolumeClaim can delete its volume's data (reclaim policy Delete)",
  serviceaccounts: "deleting a ServiceAccount deletes its token Secrets and breaks every pod using it",
  'apiservices.apiregistration.k8s.io': 'deleting an APIService takes its whole API group offline',
  'mutatingwebhookconfigurations.admissionregistration.k8s.io': 'deleting an admission webhook configuration lets objects in unchecked meanwhile',
  'validatingwebhookconfigurations.admissionregistration.k8s.io': 'deleting an admission webhook configuration lets objects in unchecked meanwhile'
};

/**
 * Why recreate must not delete an object of `groupResource` (`widgets.example.com`), or undefined when it may.
 * `customAllowed` says whether the user allow-listed a custom resource's kind (`recreate-custom-resources`).
 */
export function deletionHazard(groupResource: string, customAllowed: (groupResource: string) => boolean): string | undefined {
  const known = DESTRUCTIVE_KINDS[groupResource];
  if (known) return known;
  if (isBuiltInGroup(groupOf(groupResource)) || customAllowed(groupResource)) return undefined;
  return 'deleting a custom resource can make its operator delete what it manages; allow it with recreate-custom-resources';
}
