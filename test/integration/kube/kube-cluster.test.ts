import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { KubeApiError } from '../../../src/kube/http.js';
import { KubeCluster } from '../../../src/kube/kube-cluster.js';
import type { ListOptions, ListPage } from '../../../src/kube/cluster.js';
import { FIRST_PAGE_ITEMS, PAGE_BYTES } from '../../../src/kube/page-sizer.js';
import { loadKubeConfig } from '../../../src/kube/kubeconfig.js';
import { InputError } from '../../../src/util/errors.js';
import { clusterFor, createNamespace, deleteNamespace, kubectl, refs, sleeperPod, waitFor, waitForPodRunning } from '../../support/cluster.js';
import { testEnvironment, uniqueName } from '../../support/environment.js';
import type { KubeObject } from '../../../src/model/kube-object.js';
import type { ResourceRef } from '../../../src/model/resource-ref.js';

const env = testEnvironment();
const ns = uniqueName('kube-adapter');
const group = `${ns.replace(/[^a-z0-9]/g, '')}.example.com`;
const widgets: ResourceRef = { group, version: 'v1', resource: 'widgets', namespaced: true };
let cluster: KubeCluster;

/** A CRD whose schema uses the keys typed clients have been seen to drop. */
const crd: KubeObject = {
  apiVersion: 'apiextensions.k8s.io/v1',
  kind: 'CustomResourceDefinition',
  metadata: { name: `widgets.${group}` },
  spec: {
    group,
    scope: 'Namespaced',
    names: { plural: 'widgets', singular: 'widget', kind: 'Widget', listKind: 'WidgetList', shortNames: ['wdg'] },
    versions: [
      {
        name: 'v1',
        served: true,
        storage: true,
        schema: {
          openAPIV3Schema: {
            type: 'object',
            properties: {
              spec: {
                type: 'object',
                'x-kubernetes-preserve-unknown-fields': true,
                properties: {
                  size: { type: 'string', enum: ['small', 'large'], default: 'small' },
                  ports: { type: 'array', 'x-kubernetes-list-type': 'set', items: { type: 'integer' } }
                }
              }
            }
          }
        }
      }
    ]
  }
};

beforeAll(async () => {
  cluster = clusterFor(env.kubeconfig);
  await createNamespace(cluster, ns);
  await cluster.create(refs.crds, crd);
  await waitFor(async () => {
    const current = await cluster.get(refs.crds, `widgets.${group}`);
    const conditions = (current?.status as { conditions?: { type: string; status: string }[] })?.conditions ?? [];
    return conditions.some((c) => c.type === 'Established' && c.status === 'True');
  }, 'the CRD to be established');
});

afterAll(async () => {
  await deleteNamespace(cluster, ns);
  await cluster.delete(refs.crds, `widgets.${group}`);
  cluster.close();
});

/** What kubectl, an independent client, reads for the same object. */
function kubectlGet(kind: string, name: string, namespace?: string): KubeObject {
  return JSON.parse(kubectl(env.kubeconfig, ['get', kind, name, '-o', 'json', ...(namespace ? ['-n', namespace] : [])])) as KubeObject;
}

/** Our read and kubectl's of the same object version: controllers may update it in between, so read until they agree. */
async function readBoth(ref: ResourceRef, kind: string, name: string, namespace?: string): Promise<{ ours: KubeObject; theirs: KubeObject }> {
  for (let attempt = 0; ; attempt++) {
    const ours = (await cluster.get(ref, name, namespace))!;
    const theirs = kubectlGet(kind, name, namespace);
    if (ours.metadata.resourceVersion === theirs.metadata.resourceVersion || attempt === 10) return { ours, theirs };
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

describe('KubeCluster against a real API server', () => {
  it('verifies access and reports the server version', async () => {
    await expect(cluster.verifyAccess()).resolves.toEqual({ gitVersion: expect.stringMatching(/^v1\./) });
  });

  it('discovers core, named and custom groups with verbs and scope, without subresources', async () => {
    const discovery = await cluster.discover();
    const find = (g: string, name: string) => discovery.resources.find((r) => r.group === g && r.name === name);
    expect(find('', 'pods')).toMatchObject({ version: 'v1', kind: 'Pod', namespaced: true, verbs: expect.arrayContaining(['list', 'create', 'get', 'delete']) });
    expect(find('', 'namespaces')).toMatchObject({ namespaced: false });
    expect(find('apps', 'deployments')).toMatchObject({ version: 'v1', shortNames: ['deploy'] });
    expect(find(group, 'widgets')).toMatchObject({ kind: 'Widget', shortNames: ['wdg'] });
    expect(discovery.resources.some((r) => r.name.includes('/'))).toBe(false);
    expect(discovery.groups.find((g) => g.name === 'apps')?.preferredVersion).toBe('v1');
  });

  const objects: [string, ResourceRef, KubeObject][] = [
    ['ConfigMap', refs.configmaps, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'cm', namespace: ns, labels: { a: 'b' } }, data: { 'k.txt': 'v\n' }, binaryData: { bin: Buffer.from([0, 1, 2, 255]).toString('base64') } }],
    ['Secret', refs.secrets, { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'sec', namespace: ns }, type: 'Opaque', data: { password: Buffer.from('hunter2').toString('base64') } }],
    ['Service', refs.services, { apiVersion: 'v1', kind: 'Service', metadata: { name: 'svc', namespace: ns }, spec: { type: 'NodePort', selector: { app: 'x' }, ports: [{ name: 'http', port: 80, targetPort: 8080, protocol: 'TCP' }] } }],
    [
      'NetworkPolicy',
      refs.networkpolicies,
      {
        apiVersion: 'networking.k8s.io/v1',
        kind: 'NetworkPolicy',
        metadata: { name: 'np', namespace: ns },
        spec: {
          podSelector: { matchLabels: { app: 'x' } },
          policyTypes: ['Ingress'],
          ingress: [{ from: [{ namespaceSelector: { matchLabels: { team: 'a' } }, podSelector: { matchLabels: { role: 'fe' } } }, { ipBlock: { cidr: '10.0.0.0/8', except: ['10.1.0.0/16'] } }], ports: [{ port: 443, protocol: 'TCP' }] }]
        }
      }
    ],
    [
      'Deployment',
      refs.deployments,
      {
        apiVersion: 'apps/v1',
        kind: 'Deployment',
        metadata: { name: 'dep', namespace: ns, annotations: { note: 'keep' } },
        spec: { replicas: 0, selector: { matchLabels: { app: 'x' } }, template: { metadata: { labels: { app: 'x' } }, spec: { containers: [{ name: 'c', image: env.image, imagePullPolicy: 'Never' }] } } }
      }
    ],
    ['Widget', widgets, { apiVersion: `${group}/v1`, kind: 'Widget', metadata: { name: 'w', namespace: ns }, spec: { ports: [1, 2], extra: { nested: [{ free: 'form' }] } } }]
  ];

  it.each(objects)('round-trips a %s with no field lost', async (kind, ref, object) => {
    const created = await cluster.create(ref, object);
    const { ours, theirs } = await readBoth(ref, kind === 'Widget' ? `widgets.${group}` : kind.toLowerCase(), object.metadata.name!, ns);
    // Everything we sent comes back, and our read equals an independent client's read of the same object.
    expect(ours).toMatchObject(object);
    expect(ours).toEqual(theirs);
    expect(created.metadata.uid).toBe(ours.metadata.uid);
  });

  it('round-trips a CRD schema with x-kubernetes-*, default and enum', async () => {
    const { ours, theirs } = await readBoth(refs.crds, 'crd', `widgets.${group}`);
    expect(ours).toMatchObject(crd);
    expect(ours).toEqual(theirs);
  });

  it('applies server defaults from the CRD schema (the default keyword reached the server intact)', async () => {
    await cluster.create(widgets, { apiVersion: `${group}/v1`, kind: 'Widget', metadata: { name: 'defaulted', namespace: ns }, spec: {} });
    expect((await cluster.get(widgets, 'defaulted', ns))?.spec).toEqual({ size: 'small' });
  });

  it('reads every page of a custom-resource list, with apiVersion and kind on each item', async () => {
    const names = Array.from({ length: 23 }, (_, i) => `page-${String(i).padStart(2, '0')}`);
    await Promise.all(names.map((name) => cluster.create(widgets, { apiVersion: `${group}/v1`, kind: 'Widget', metadata: { name, namespace: ns }, spec: {} })));
    const first = await cluster.listPage(widgets, { namespace: ns, limit: 10 });
    expect(first.items).toHaveLength(10);
    expect(first.continueToken).toEqual(expect.stringMatching(/.+/));
    const all: KubeObject[] = [];
    for await (const item of cluster.list(widgets, { namespace: ns, limit: 10, labelSelector: undefined })) all.push(item);
    const listed = all.map((o) => o.metadata.name).filter((n) => n!.startsWith('page-'));
    expect(listed).toEqual(names);
    expect(new Set(all.map((o) => `${o.apiVersion} ${o.kind}`))).toEqual(new Set([`${group}/v1 Widget`]));
  });

  it('sizes list pages by bytes: large objects come a few per page, small ones up to the limit asked for', async () => {
    // Pages a backup would otherwise hold 500 at a time: 80 ConfigMaps of 100 KiB (Helm's release Secrets reach 1 MiB).
    const large = Array.from({ length: 80 }, (_, i) => `large-${String(i).padStart(2, '0')}`);
    const small = Array.from({ length: 120 }, (_, i) => `small-${String(i).padStart(3, '0')}`);
    const configMap = (name: string, size: string, bytes: number): KubeObject => ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, namespace: ns, labels: { size } }, data: { blob: 'x'.repeat(bytes) } });
    for (const names of [large.slice(0, 40), large.slice(40)]) await Promise.all(names.map((name) => cluster.create(refs.configmaps, configMap(name, 'large', 100 * 1024))));
    await Promise.all(small.map((name) => cluster.create(refs.configmaps, configMap(name, 'small', 100))));

    const pages: { limit?: number; items: number; bytes?: number }[] = [];
    const recording = new (class extends KubeCluster {
      override async listPage(ref: ResourceRef, options: ListOptions, token?: string): Promise<ListPage> {
        const page = await super.listPage(ref, options, token);
        pages.push({ limit: options.limit, items: page.items.length, bytes: page.bytes });
        return page;
      }
    })(loadKubeConfig({ kind: 'files', paths: [env.kubeconfig] }));
    const listed = async (size: string) => {
      pages.length = 0;
      const names: string[] = [];
      for await (const item of recording.list(refs.configmaps, { namespace: ns, labelSelector: `size=${size}`, limit: 500 })) names.push(item.metadata.name!);
      return names;
    };
    try {
      expect(await listed('large')).toEqual(large);
      expect(pages[0]).toMatchObject({ limit: FIRST_PAGE_ITEMS, items: FIRST_PAGE_ITEMS });
      // The server's own count of the bytes: every page after the first stays within the budget.
      const fitting = Math.floor((PAGE_BYTES * FIRST_PAGE_ITEMS) / pages[0]!.bytes!);
      expect(fitting).toBeLessThan(25);
      expect(pages.slice(1).map((page) => page.limit)).toEqual([fitting, fitting]);
      for (const page of pages.slice(1)) expect(page.bytes).toBeLessThanOrEqual(PAGE_BYTES);

      expect(await listed('small')).toEqual(small);
      expect(pages.map((page) => [page.limit, page.items])).toEqual([
        [FIRST_PAGE_ITEMS, FIRST_PAGE_ITEMS],
        [500, small.length - FIRST_PAGE_ITEMS]
      ]);
    } finally {
      recording.close();
    }
  });

  it('patches (merge) and deletes', async () => {
    await cluster.patch(refs.configmaps, 'cm', { data: { added: 'yes' } }, 'merge', { namespace: ns });
    const patched = await cluster.get(refs.configmaps, 'cm', ns);
    expect(patched?.data).toEqual({ 'k.txt': 'v\n', added: 'yes' });
    expect(await cluster.delete(refs.configmaps, 'cm', { namespace: ns })).toBe(true);
    expect(await cluster.delete(refs.configmaps, 'cm', { namespace: ns })).toBe(false);
    expect(await cluster.get(refs.configmaps, 'cm', ns)).toBeUndefined();
  });

  it('creates answering with the metadata only when asked, for the uid and nothing else', async () => {
    const object = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'meta-only', namespace: ns }, data: { big: 'x'.repeat(4096) } };
    const created = await cluster.create(refs.configmaps, object, { metadataOnly: true });
    expect(created.kind).toBe('PartialObjectMetadata');
    expect(created.metadata).toMatchObject({ name: 'meta-only', namespace: ns, uid: expect.any(String) });
    expect(created).not.toHaveProperty('data');
    expect((await cluster.get(refs.configmaps, 'meta-only', ns))?.data).toEqual(object.data);
    // Errors still come as a Status, so AlreadyExists is recognised as before.
    await expect(cluster.create(refs.configmaps, object, { metadataOnly: true })).rejects.toMatchObject({ statusCode: 409, reason: 'AlreadyExists' });
    const dryRun = await cluster.create(refs.configmaps, { ...object, metadata: { ...object.metadata, name: 'meta-only-dry' } }, { metadataOnly: true, dryRun: true });
    expect(dryRun.kind).toBe('PartialObjectMetadata');
    expect(await cluster.get(refs.configmaps, 'meta-only-dry', ns)).toBeUndefined();
  });

  it('reports a conflict on create as AlreadyExists', async () => {
    const again = cluster.create(refs.secrets, { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'sec', namespace: ns } });
    await expect(again).rejects.toBeInstanceOf(KubeApiError);
    await expect(again).rejects.toMatchObject({ statusCode: 409, reason: 'AlreadyExists' });
  });

  it('execs in a container and returns stdout, stderr and the exit code', async () => {
    await cluster.create(refs.pods, sleeperPod(ns, 'sleeper', env.image));
    await waitForPodRunning(cluster, ns, 'sleeper');
    const ok = await cluster.exec({ namespace: ns, pod: 'sleeper', container: 'main' }, ['sh', '-c', 'echo out; echo err >&2']);
    expect(ok).toEqual({ exitCode: 0, stdout: 'out\n', stderr: 'err\n' });
    const failed = await cluster.exec({ namespace: ns, pod: 'sleeper', container: 'main' }, ['sh', '-c', 'exit 3']);
    expect(failed.exitCode).toBe(3);
    await expect(cluster.exec({ namespace: ns, pod: 'sleeper', container: 'nope' }, ['true'])).rejects.toThrow(`cannot exec in ${ns}/sleeper container 'nope': the pod has no such container (it has: main)`);
    await expect(cluster.exec({ namespace: ns, pod: 'sleeper', container: 'main' }, ['sleep', '10'], { timeoutMs: 500 })).rejects.toThrow(/did not finish within 0.5s/);
  });
});

describe('KubeCluster errors', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kubeconfigs-'));
  const variant = (name: string, edit: (text: string) => string) => {
    const file = path.join(dir, name);
    fs.writeFileSync(file, edit(fs.readFileSync(env.kubeconfig, 'utf8')));
    return new KubeCluster(loadKubeConfig({ kind: 'files', paths: [file] }));
  };

  it('names the kubeconfig when the server is unreachable', async () => {
    const unreachable = variant('unreachable', (t) => t.replace(/server: \S+/g, 'server: https://127.0.0.1:1'));
    await expect(unreachable.verifyAccess()).rejects.toThrow(InputError);
    await expect(unreachable.verifyAccess()).rejects.toThrow(/^Input 'kubeconfig': cannot reach the Kubernetes API server at https:\/\/127.0.0.1:1: .*ECONNREFUSED.*Check the server address/);
  });

  it('names the kubeconfig when the credentials are refused, without printing them', async () => {
    const wrong = variant('wrong-token', (t) => t.replace(/token: \S+/g, 'token: not-a-valid-token'));
    const attempt = wrong.verifyAccess();
    await expect(attempt).rejects.toThrow(/^Input 'kubeconfig': the API server at https:\/\/127.0.0.1:\d+ refused the credentials of context '[^']+' \(Unauthorized\)/);
    await expect(attempt).rejects.not.toThrow(/not-a-valid-token/);
  });

  it('surfaces RBAC denials as Forbidden for a limited user', async () => {
    const limited = clusterFor(env.kubeconfigLimited!);
    await expect(limited.listPage(refs.configmaps, { namespace: 'team-a' })).resolves.toMatchObject({ items: expect.any(Array) });
    await expect(limited.listPage(refs.configmaps, { namespace: 'default' })).rejects.toMatchObject({ statusCode: 403, reason: 'Forbidden' });
    limited.close();
  });
});
