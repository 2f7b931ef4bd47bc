/**
 * The benchmark's objects: N of them across 20 namespaces, in the shapes a real application namespace holds
 * (ConfigMaps of config text, ~2 KB Secrets, Deployments scaled to zero, headless Services, a custom resource),
 * generated deterministically so a rerun finds them already there and the raw-create baseline posts the same shapes.
 */
import pLimit from 'p-limit';
import type { WriteOptions } from '../src/kube/cluster.js';
import type { KubeCluster } from '../src/kube/kube-cluster.js';
import { KubeApiError } from '../src/kube/http.js';
import type { KubeObject } from '../src/model/kube-object.js';
import type { ResourceRef } from '../src/model/resource-ref.js';
import { refs, waitFor } from '../test/support/cluster.js';

export const NAMESPACES_PER_SIZE = 20;
export const SIZE_LABEL = 'bench.kube-backup.io/size';
/** Every bench namespace starts so; `--clean` removes what matches it and nothing else. */
export const BENCH_NAMESPACE = /^bench-(\d+|vol)-/;

const BENCH_GROUP = 'bench.kube-backup.io';
export const benchItems: ResourceRef = { group: BENCH_GROUP, version: 'v1', resource: 'benchitems', namespaced: true };
const crdName = `${benchItems.resource}.${BENCH_GROUP}`;

/** The seeded kinds and their share of N (out of 10), in creation order. */
export const SEEDED_KINDS: readonly { ref: ResourceRef; share: number; make: (i: number, size: number) => Omit<KubeObject, 'metadata'> & { metadata: { name: string } } }[] = [
  { ref: refs.configmaps, share: 4, make: configMap },
  { ref: refs.secrets, share: 2, make: secret },
  { ref: refs.deployments, share: 1, make: deployment },
  { ref: refs.services, share: 1, make: service },
  { ref: benchItems, share: 2, make: benchItem }
];

/** What kubectl calls the seeded kinds (`kubectl get <these> -A`). */
export const SEEDED_RESOURCE_NAMES = SEEDED_KINDS.map(({ ref }) => (ref.group ? `${ref.resource}.${ref.group}` : ref.resource));

/** The namespaces of one size's objects: `bench-10000-ns00`…; a role names a copy (`bench-10000-raw-ns00`). */
export function benchNamespaces(size: number, role?: string): string[] {
  return Array.from({ length: NAMESPACES_PER_SIZE }, (_, i) => `bench-${size}-${role ? `${role}-` : ''}ns${String(i).padStart(2, '0')}`);
}

/** The include-namespaces glob that takes one size's seeded namespaces and nothing else. */
export function benchNamespaceGlob(size: number): string {
  return `bench-${size}-ns*`;
}

export interface SeedObject {
  ref: ResourceRef;
  object: KubeObject;
}

/** The N objects of a size, spread over `namespaces` round-robin: the same names and contents on every call. */
export function* benchObjects(size: number, namespaces: readonly string[]): Generator<SeedObject> {
  let index = 0;
  const counts = kindCounts(size);
  for (const [k, kind] of SEEDED_KINDS.entries()) {
    const count = counts[k]!;
    for (let i = 0; i < count; i++, index++) {
      const made = kind.make(i, size);
      const namespace = namespaces[index % namespaces.length]!;
      yield { ref: kind.ref, object: { ...made, metadata: { ...made.metadata, namespace, labels: { ...(made.metadata as KubeObject['metadata']).labels, [SIZE_LABEL]: String(size) } } } };
    }
  }
}

/** How many of each seeded kind N objects hold (in SEEDED_KINDS order); the last takes the rounding, so they sum to N. */
export function kindCounts(size: number): number[] {
  const counts = SEEDED_KINDS.map((kind) => Math.floor((size * kind.share) / 10));
  counts[counts.length - 1]! += size - counts.reduce((sum, n) => sum + n, 0);
  return counts;
}

export function namespaceObject(name: string, size: number): KubeObject {
  return { apiVersion: 'v1', kind: 'Namespace', metadata: { name, labels: { [SIZE_LABEL]: String(size) } } };
}

/** Creates what is missing of one size's objects on cluster A (a rerun creates nothing); returns how many it made. */
export async function seed(cluster: KubeCluster, size: number, progress: (line: string) => void): Promise<number> {
  const namespaces = benchNamespaces(size);
  await ensureCrd(cluster);
  await Promise.all(namespaces.map((ns) => createIfMissing(cluster, refs.namespaces, namespaceObject(ns, size))));
  const present = new Set<string>();
  for (const { ref } of SEEDED_KINDS) {
    for await (const object of cluster.list(ref, { labelSelector: `${SIZE_LABEL}=${size}`, limit: 500 })) {
      present.add(`${ref.resource}/${object.metadata.namespace}/${object.metadata.name}`);
    }
  }
  const missing = [...benchObjects(size, namespaces)].filter(({ ref, object }) => !present.has(`${ref.resource}/${object.metadata.namespace}/${object.metadata.name}`));
  if (missing.length) progress(`Seeding ${missing.length} of ${size} objects (${present.size} already there)...`);
  await createAll(cluster, missing, 32);
  await untilControllersSettle(cluster, size);
  return missing.length;
}

/**
 * Until the controller-manager has made and reported every seeded Deployment's ReplicaSet: a run measured right after
 * seeding otherwise shares the API server with a thousand ReplicaSet creations and status writes (it measured a
 * restore at 0.19 x the raw rate where the next two repetitions gave 0.93 and 0.82).
 */
const REPLICA_SETS: ResourceRef = { group: 'apps', version: 'v1', resource: 'replicasets', namespaced: true };

async function untilControllersSettle(cluster: KubeCluster, size: number): Promise<void> {
  const deployments = kindCounts(size)[SEEDED_KINDS.findIndex((kind) => kind.ref === refs.deployments)]!;
  const settled = async () => {
    let observed = 0;
    for await (const deployment of cluster.list(refs.deployments, { labelSelector: `${SIZE_LABEL}=${size}`, limit: 500 })) {
      const status = deployment.status as { observedGeneration?: number } | undefined;
      if ((status?.observedGeneration ?? 0) >= Number(deployment.metadata.generation ?? 1)) observed++;
    }
    let replicaSets = 0;
    const seededNamespaces = new Set(benchNamespaces(size));
    for await (const set of cluster.list(REPLICA_SETS, { limit: 500 })) if (seededNamespaces.has(set.metadata.namespace!) && set.status) replicaSets++;
    return observed >= deployments && replicaSets >= deployments;
  };
  // Three writes a Deployment (its ReplicaSet, their statuses) at the controller-manager's 20 a second, and a margin.
  await waitFor(settled, `the controllers to settle on ${deployments} seeded Deployments`, Math.max(600_000, deployments * 250));
}

/** Creates the objects at the given concurrency; one that already exists is fine (an interrupted seed resumed). */
export async function createAll(cluster: KubeCluster, objects: readonly SeedObject[], concurrency: number, options: WriteOptions = {}): Promise<void> {
  const limit = pLimit(concurrency);
  await Promise.all(objects.map(({ ref, object }) => limit(() => createIfMissing(cluster, ref, object, options))));
}

async function createIfMissing(cluster: KubeCluster, ref: ResourceRef, object: KubeObject, options: WriteOptions = {}): Promise<void> {
  try {
    await cluster.create(ref, object, options);
  } catch (err) {
    if (!(err instanceof KubeApiError && err.statusCode === 409)) throw err;
  }
}

/** The BenchItem CRD, created and waited on until it serves; it already being there is fine. */
export async function ensureCrd(cluster: KubeCluster): Promise<void> {
  await createIfMissing(cluster, refs.crds, {
    apiVersion: 'apiextensions.k8s.io/v1',
    kind: 'CustomResourceDefinition',
    metadata: { name: crdName },
    spec: {
      group: BENCH_GROUP,
      scope: 'Namespaced',
      names: { plural: benchItems.resource, singular: 'benchitem', kind: 'BenchItem', listKind: 'BenchItemList' },
      versions: [{ name: 'v1', served: true, storage: true, schema: { openAPIV3Schema: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true } } }]
    }
  });
  await waitFor(async () => {
    const crd = await cluster.get(refs.crds, crdName);
    return ((crd?.status as { conditions?: { type: string; status: string }[] } | undefined)?.conditions ?? []).some((c) => c.type === 'Established' && c.status === 'True');
  }, `CRD ${crdName} established`);
}

export async function removeCrd(cluster: KubeCluster): Promise<void> {
  await cluster.delete(refs.crds, crdName);
}

/** Deletes the namespaces and waits until their contents are gone too, so etcd can be compacted after. */
export async function deleteNamespaces(cluster: KubeCluster, names: readonly string[], timeoutMs = 600_000): Promise<void> {
  const limit = pLimit(8);
  await Promise.all(names.map((name) => limit(() => cluster.delete(refs.namespaces, name))));
  await waitFor(async () => (await Promise.all(names.map((name) => cluster.get(refs.namespaces, name)))).every((ns) => ns === undefined), `namespaces ${names[0]}… deleted`, timeoutMs);
}

/** Every namespace a benchmark left on the cluster (a run killed before its cleanup, or --keep-seed). */
export async function leftoverNamespaces(cluster: KubeCluster): Promise<string[]> {
  const names: string[] = [];
  for await (const ns of cluster.list(refs.namespaces)) if (BENCH_NAMESPACE.test(ns.metadata.name ?? '')) names.push(ns.metadata.name!);
  return names;
}

// --- the shapes ---------------------------------------------------------------------------------------------

/** Deterministic pseudo-random bytes (mulberry32): realistic entropy for gzip, identical on every run. */
function randomBytes(seedValue: number, length: number): Buffer {
  let state = seedValue >>> 0;
  const bytes = Buffer.alloc(length);
  for (let i = 0; i < length; i++) {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    bytes[i] = (t ^ (t >>> 14)) & 0xff;
  }
  return bytes;
}

const appOf = (i: number) => `app-${i % 50}`;

/** ~1 KB of application config: repeated keys, varying values, as properties files are. */
function configMap(i: number) {
  const values = randomBytes(i * 7 + 1, 240).toString('hex');
  const lines = Array.from({ length: 16 }, (_, k) => `service.${appOf(i)}.setting${k}=${values.slice(k * 30, k * 30 + 30)}`);
  return {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { name: `config-${i}`, labels: { app: appOf(i) } },
    data: { 'application.properties': lines.join('\n'), 'log.level': i % 3 === 0 ? 'debug' : 'info' }
  };
}

/** ~2 KB of secret data: random, so it compresses as real keys and tokens do (barely). */
function secret(i: number) {
  return {
    apiVersion: 'v1',
    kind: 'Secret',
    type: 'Opaque',
    metadata: { name: `secret-${i}`, labels: { app: appOf(i) } },
    data: { 'tls.key': randomBytes(i * 13 + 2, 1200).toString('base64'), token: randomBytes(i * 13 + 3, 300).toString('base64') }
  };
}

function deployment(i: number) {
  const labels = { app: appOf(i), component: `worker-${i}` };
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: `deploy-${i}`, labels: { app: appOf(i) } },
    spec: {
      // Scaled to zero: the objects are what is measured, not pods the one small node cannot run.
      replicas: 0,
      selector: { matchLabels: labels },
      template: {
        metadata: { labels },
        spec: {
          containers: [
            {
              name: 'main',
              image: 'docker.io/library/busybox:1.37.0',
              command: ['sh', '-c', 'sleep 3600'],
              env: [
                { name: 'WORKER', value: String(i) },
                { name: 'CONFIG', valueFrom: { configMapKeyRef: { name: `config-${i}`, key: 'log.level', optional: true } } }
              ],
              resources: { requests: { cpu: '10m', memory: '16Mi' }, limits: { memory: '64Mi' } }
            }
          ]
        }
      }
    }
  };
}

/** Headless (no cluster IP): the local service CIDR (/16) could not give 10,000s of Services an address. */
function service(i: number) {
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name: `svc-${i}`, labels: { app: appOf(i) } },
    spec: { clusterIP: 'None', selector: { app: appOf(i), component: `worker-${i}` }, ports: [{ name: 'http', port: 80, targetPort: 8080 }] }
  };
}

function benchItem(i: number) {
  return {
    apiVersion: `${BENCH_GROUP}/v1`,
    kind: 'BenchItem',
    metadata: { name: `item-${i}`, labels: { app: appOf(i) } },
    spec: { owner: appOf(i), priority: i % 5, checksum: randomBytes(i * 17 + 5, 32).toString('hex'), tags: ['bench', `shard-${i % 8}`] }
  };
}
