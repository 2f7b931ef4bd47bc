import type { ApiResource, DiscoveryResult } from '../kube/cluster.js';
import type { ResourceRef } from '../model/resource-ref.js';
import { CSI } from '../velero/vocabulary.js';

/** The CSI snapshot resources at the version the cluster prefers (v1, or v1beta1 where only that is served). */
export interface SnapshotApi {
  version: string;
  snapshots: ResourceRef;
  contents: ResourceRef;
  classes: ResourceRef;
}

/** Undefined when the cluster serves no snapshot API (its CRDs are not installed). */
export function snapshotApiOf(discovery: DiscoveryResult): SnapshotApi | undefined {
  const group = discovery.groups.find((g) => g.name === CSI.group);
  if (!group) return undefined;
  const version = ['v1', 'v1beta1'].find((v) => group.versions.includes(v));
  if (!version) return undefined;
  const ref = (name: string): ResourceRef | undefined => {
    const resource = discovery.resources.find((r: ApiResource) => r.group === CSI.group && r.version === version && r.name === name);
    return resource ? { group: CSI.group, version, resource: name, namespaced: resource.namespaced } : undefined;
  };
  const snapshots = ref('volumesnapshots');
  const contents = ref('volumesnapshotcontents');
  const classes = ref('volumesnapshotclasses');
  return snapshots && contents && classes ? { version, snapshots, contents, classes } : undefined;
}
