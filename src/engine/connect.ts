import type { Cluster } from '../kube/cluster.js';
import { KubeCluster } from '../kube/kube-cluster.js';
import { loadKubeConfig } from '../kube/kubeconfig.js';
import type { ConnectionSettings, StoreSettings } from '../settings/settings.js';
import type { ObjectStore } from '../storage/object-store.js';
import { openObjectStore } from '../storage/open-store.js';

export interface Ports {
  cluster: Cluster & { close?(): void };
  store: ObjectStore;
  serverVersion: string;
}

/** Builds the real adapters for a run and checks both ends answer before any work starts. */
export async function connect(settings: ConnectionSettings): Promise<Ports> {
  const cluster = new KubeCluster(loadKubeConfig(settings.kubeconfig, settings.context));
  const store = openObjectStore(settings.location, settings.s3);
  const [version] = await Promise.all([cluster.verifyAccess(), store.verifyAccess?.()]);
  return { cluster, store, serverVersion: version.gitVersion };
}

/** The store alone, checked to answer: for the modes that never touch a cluster (verify), so need no kubeconfig. */
export async function openStore(settings: StoreSettings): Promise<ObjectStore> {
  const store = openObjectStore(settings.location, settings.s3);
  await store.verifyAccess?.();
  return store;
}
