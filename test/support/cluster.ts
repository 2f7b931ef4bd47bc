import { execFileSync } from 'node:child_process';
import { setTimeout as sleep } from 'node:timers/promises';
import { KubeCluster } from '../../src/kube/kube-cluster.js';
import { loadKubeConfig } from '../../src/kube/kubeconfig.js';
import { testEnvironment } from './environment.js';
import type { KubeObject } from '../../src/model/kube-object.js';
import type { ResourceRef } from '../../src/model/resource-ref.js';

export const refs = {
  namespaces: { group: '', version: 'v1', resource: 'namespaces', namespaced: false },
  configmaps: { group: '', version: 'v1', resource: 'configmaps', namespaced: true },
  secrets: { group: '', version: 'v1', resource: 'secrets', namespaced: true },
  services: { group: '', version: 'v1', resource: 'services', namespaced: true },
  pods: { group: '', version: 'v1', resource: 'pods', namespaced: true },
  pvcs: { group: '', version: 'v1', resource: 'persistentvolumeclaims', namespaced: true },
  serviceaccounts: { group: '', version: 'v1', resource: 'serviceaccounts', namespaced: true },
  deployments: { group: 'apps', version: 'v1', resource: 'deployments', namespaced: true },
  networkpolicies: { group: 'networking.k8s.io', version: 'v1', resource: 'networkpolicies', namespaced: true },
  crds: { group: 'apiextensions.k8s.io', version: 'v1', resource: 'customresourcedefinitions', namespaced: false }
} satisfies Record<string, ResourceRef>;

export function clusterFor(kubeconfigPath: string): KubeCluster {
  return new KubeCluster(loadKubeConfig({ kind: 'files', paths: [kubeconfigPath] }));
}

/** kubectl as an independent client, to check what our adapter reads and writes against someone else's. */
export function kubectl(kubeconfigPath: string, args: string[], input?: string): string {
  return execFileSync(testEnvironment().kubectl, ['--kubeconfig', kubeconfigPath, ...args], { input, encoding: 'utf8', stdio: ['pipe', 'pipe', 'pipe'] });
}

export async function createNamespace(cluster: KubeCluster, name: string, labels: Record<string, string> = {}): Promise<void> {
  await cluster.create(refs.namespaces, { apiVersion: 'v1', kind: 'Namespace', metadata: { name, labels } });
  // Pods are refused until the namespace's default ServiceAccount and its token exist (the controller-manager makes them).
  await waitFor(async () => ((await cluster.get(refs.serviceaccounts, 'default', name))?.secrets as unknown[] | undefined)?.length! > 0, `default ServiceAccount token in ${name}`);
}

export async function deleteNamespace(cluster: KubeCluster, name: string): Promise<void> {
  await cluster.delete(refs.namespaces, name);
}

/** Deletes the namespaces and waits (bounded) until they are gone: what a test double's volumes must outlive. */
export async function deleteNamespacesAndWait(cluster: KubeCluster, names: string[], timeoutMs = 120_000): Promise<void> {
  for (const name of names) await deleteNamespace(cluster, name);
  const gone = async () => (await Promise.all(names.map((name) => cluster.get(refs.namespaces, name)))).every((ns) => ns === undefined);
  await waitFor(gone, `namespaces ${names.join(', ')} deleted`, timeoutMs).catch(() => undefined);
}

export async function waitFor(check: () => Promise<boolean>, what: string, timeoutMs = 90_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await check()) return;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs / 1000}s waiting for ${what}`);
    await sleep(250);
  }
}

/** A ReadWriteOnce claim, on the environment's storage class unless another is named. */
export function testClaim(namespace: string, name: string, options: { size?: string; labels?: Record<string, string>; storageClass?: string } = {}): KubeObject {
  return {
    apiVersion: 'v1',
    kind: 'PersistentVolumeClaim',
    metadata: { name, namespace, ...(options.labels ? { labels: options.labels } : {}) },
    spec: { accessModes: ['ReadWriteOnce'], storageClassName: options.storageClass ?? testEnvironment().storageClass, resources: { requests: { storage: options.size ?? '10Mi' } } }
  };
}

/** A running pod of the local test image that sleeps, for exec and hook tests. */
export function sleeperPod(namespace: string, name: string, image: string, extra: Partial<KubeObject['metadata']> = {}, claim?: string): KubeObject {
  const container: Record<string, unknown> = { name: 'main', image, imagePullPolicy: 'Never', command: ['sh', '-c', 'trap "exit 0" TERM; sleep 3600 & wait'] };
  const spec: Record<string, unknown> = { terminationGracePeriodSeconds: 0, containers: [container] };
  if (claim) {
    // Mounting the claim also binds it where the storage class waits for a first consumer (kind's local-path).
    container.volumeMounts = [{ name: 'data', mountPath: '/data' }];
    spec.volumes = [{ name: 'data', persistentVolumeClaim: { claimName: claim } }];
  }
  return { apiVersion: 'v1', kind: 'Pod', metadata: { name, namespace, ...extra }, spec };
}

export async function waitForPodRunning(cluster: KubeCluster, namespace: string, name: string): Promise<void> {
  await waitFor(async () => {
    const pod = await cluster.get(refs.pods, name, namespace);
    return (pod?.status as { phase?: string } | undefined)?.phase === 'Running';
  }, `pod ${namespace}/${name} to run`);
}

/** A namespaced CRD of free-form objects, served at `versions`, stored at `storage`. */
export function freeFormCrd(group: string, kind: string, versions: string[], storage = versions[0]!): KubeObject {
  const plural = `${kind.toLowerCase()}s`;
  return {
    apiVersion: 'apiextensions.k8s.io/v1',
    kind: 'CustomResourceDefinition',
    metadata: { name: `${plural}.${group}` },
    spec: {
      group,
      scope: 'Namespaced',
      names: { plural, singular: kind.toLowerCase(), kind, listKind: `${kind}List` },
      versions: versions.map((name) => ({ name, served: true, storage: name === storage, schema: { openAPIV3Schema: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true } } }))
    }
  };
}

/** Creates a CRD and waits until discovery serves its group, so its custom resources can be created. */
export async function createServedCrd(cluster: KubeCluster, crd: KubeObject): Promise<void> {
  await cluster.create(refs.crds, crd);
  const group = (crd.spec as { group: string }).group;
  await waitFor(async () => (await cluster.discover()).resources.some((r) => r.group === group), `CRD ${crd.metadata.name} served`);
}
