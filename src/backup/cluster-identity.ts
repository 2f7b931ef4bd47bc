import type { Cluster } from '../kube/cluster.js';

/**
 * A cluster's identity: the uid of its kube-system namespace, stable for the cluster's life and distinct between
 * clusters. Undefined when the credentials may not read it.
 */
export async function clusterIdentity(cluster: Cluster): Promise<string | undefined> {
  try {
    const ns = await cluster.get({ group: '', version: 'v1', resource: 'namespaces', namespaced: false }, 'kube-system');
    return ns?.metadata.uid;
  } catch {
    return undefined;
  }
}
