import { describe, expect, it } from '@jest/globals';
import { KINDS_WITH_OWN_TRANSFORM, transformForRestore, type TransformContext } from '../../../src/restore/transform/index.js';
import { validLabelValue } from '../../../src/velero/label-value.js';
import { namespaceForTarget } from '../../../src/restore/transform/namespace.js';
import { rewriteOwnerReferences } from '../../../src/restore/transform/owner-references.js';
import { volumesToRestore } from '../../../src/restore/transform/pv.js';
import * as fx from './fixtures.js';
import type { KubeObject } from '../../../src/model/kube-object.js';

const ctx = (overrides: Partial<TransformContext> = {}): TransformContext => ({
  backupName: 'nightly',
  restoreName: 'nightly-20260302080000',
  restoreUid: '5b1d6a52-0000-4000-8000-000000000001',
  restoreVolumes: true,
  namespaceMappings: {},
  storageClassMappings: {},
  preserveNodePorts: false,
  preserveOwnerReferences: false,
  restoredVolumes: new Set(),
  ...overrides
});

const RESTORE_LABELS = { 'velero.io/backup-name': 'nightly', 'velero.io/restore-name': 'nightly-20260302080000' };

/** The created object, failing the test on skip or fail. */
function restored(object: KubeObject, groupResource: string, context = ctx()): KubeObject {
  const result = transformForRestore(object, groupResource, context);
  if (!('object' in result)) throw new Error(`expected an object, got ${JSON.stringify(result)}`);
  return result.object;
}
const spec = (object: KubeObject) => object.spec as Record<string, any>;

describe('transformForRestore: metadata and status', () => {
  it('removes what the source server set, keeps labels, annotations and finalizers, adds the restore labels', () => {
    const object = restored(fx.deployment(), 'deployments.apps');
    expect(object.metadata).toEqual({
      annotations: { 'deployment.kubernetes.io/revision': '3' },
      labels: { app: 'web', 'app.kubernetes.io/name': 'web', ...RESTORE_LABELS },
      name: 'web',
      namespace: 'shop'
    });
    expect(object.status).toBeUndefined();
    expect(spec(object).replicas).toBe(3);
    const claim = restored(fx.boundClaim(), 'persistentvolumeclaims');
    expect(claim.metadata.finalizers).toEqual(['kubernetes.io/pvc-protection']);
  });

  it('strips ownerReferences and generateName unless asked to keep the references', () => {
    const pod = restored(fx.runningPod(), 'pods');
    expect(pod.metadata.ownerReferences).toBeUndefined();
    expect(pod.metadata.generateName).toBeUndefined();
    const kept = restored(fx.runningPod(), 'pods', ctx({ preserveOwnerReferences: true }));
    expect(kept.metadata.ownerReferences).toEqual(fx.runningPod().metadata.ownerReferences);
  });

  // Kinds without spec transforms share their spec with the input (no deep copy), so each kind is checked, with
  // every mapping set so each transform has something to change.
  const inputCases: [string, () => KubeObject][] = [
    ['deployments.apps', fx.deployment],
    ['configmaps', fx.configMap],
    ['namespaces', () => fx.namespace('shop')],
    ['customresourcedefinitions.apiextensions.k8s.io', fx.widgetCrd],
    ['services', fx.nodePortService],
    ['secrets', fx.opaqueSecret],
    ['serviceaccounts', fx.serviceAccount],
    ['pods', fx.runningPod],
    ['jobs.batch', fx.runningJob],
    ['persistentvolumeclaims', fx.boundClaim],
    ['persistentvolumes', () => fx.volume('Retain')],
    ['statefulsets.apps', fx.statefulSet],
    ['rolebindings.rbac.authorization.k8s.io', fx.roleBinding],
    ['clusterrolebindings.rbac.authorization.k8s.io', fx.clusterRoleBinding],
    ['volumesnapshots.snapshot.storage.k8s.io', fx.volumeSnapshot],
    ['volumesnapshotcontents.snapshot.storage.k8s.io', fx.volumeSnapshotContent]
  ];
  const everyMapping = ctx({
    namespaceMappings: { shop: 'shop2' },
    storageClassMappings: { standard: 'fast' },
    snapshotClassesByDriver: new Map([['ebs.csi.aws.com', 'target-class']])
  });
  it.each(inputCases)('does not change its input (%s)', (groupResource, make) => {
    const input = make();
    const result = transformForRestore(input, groupResource, everyMapping);
    expect(result).toHaveProperty('object');
    expect(input).toEqual(make());
  });

  it('checks every kind with a transform of its own for changes to its input', () => {
    const checked = new Set(inputCases.map(([groupResource]) => groupResource));
    expect(KINDS_WITH_OWN_TRANSFORM.filter((kind) => !checked.has(kind))).toEqual([]);
  });

  it("shortens long label values as Velero's label.GetValidName", () => {
    const long = 'nightly-full-cluster-backup-for-the-production-environment-20260301020000';
    expect(validLabelValue(long)).toBe('nightly-full-cluster-backup-for-the-production-environmen56ccc0');
    expect(validLabelValue('x'.repeat(63))).toBe('x'.repeat(63));
    const object = restored(fx.configMap(), 'configmaps', ctx({ backupName: long }));
    expect(object.metadata.labels!['velero.io/backup-name']).toHaveLength(63);
  });
});

describe('transformForRestore: skipped objects', () => {
  it.each<[string, KubeObject, string, RegExp]>([
    ['succeeded pod', fx.finishedPod('Succeeded'), 'pods', /pod finished \(phase Succeeded\)/],
    ['failed pod', fx.finishedPod('Failed'), 'pods', /phase Failed/],
    ['mirror pod', fx.mirrorPod(), 'pods', /mirror pod/],
    ['completed job', fx.completedJob(), 'jobs.batch', /job finished \(completionTime set\)/],
    ['failed job (no completionTime)', fx.failedJob(), 'jobs.batch', /job finished \(condition Failed\)/],
    ['generated token secret', fx.generatedTokenSecret(), 'secrets', /auto-generated token of ServiceAccount builder/],
    ['PV with reclaim policy Delete', fx.volume('Delete'), 'persistentvolumes', /reclaim policy Delete and no snapshot/],
    ['kube-root-ca.crt', { ...fx.configMap(), metadata: { ...fx.configMap().metadata, name: 'kube-root-ca.crt' } }, 'configmaps', /publishes its own kube-root-ca.crt/],
    [
      'automanaged APIService',
      { apiVersion: 'apiregistration.k8s.io/v1', kind: 'APIService', metadata: { name: 'v1.apps', labels: { 'kube-aggregator.kubernetes.io/automanaged': 'onstart' } }, spec: { group: 'apps' } },
      'apiservices.apiregistration.k8s.io',
      /managed by Kubernetes/
    ],
    [
      'controller-managed EndpointSlice',
      { apiVersion: 'discovery.k8s.io/v1', kind: 'EndpointSlice', metadata: { name: 'web-x7', namespace: 'shop', labels: { 'endpointslice.kubernetes.io/managed-by': 'endpointslice-controller.k8s.io' } } },
      'endpointslices.discovery.k8s.io',
      /managed by endpointslice-controller.k8s.io/
    ]
  ])('%s', (_name, object, groupResource, reason) => {
    const result = transformForRestore(object, groupResource, ctx());
    expect(result).toEqual({ skip: expect.stringMatching(reason) });
  });

  it.each<[string, KubeObject, string]>([
    ['running pod', fx.runningPod(), 'pods'],
    ['running job', fx.runningJob(), 'jobs.batch'],
    ['hand-made token secret', fx.manualTokenSecret(), 'secrets'],
    ['opaque secret', fx.opaqueSecret(), 'secrets'],
    ['retained PV', fx.volume('Retain'), 'persistentvolumes'],
    ['other ConfigMaps', fx.configMap(), 'configmaps'],
    [
      'a user APIService',
      { apiVersion: 'apiregistration.k8s.io/v1', kind: 'APIService', metadata: { name: 'v1beta1.metrics.k8s.io' }, spec: { group: 'metrics.k8s.io' } },
      'apiservices.apiregistration.k8s.io'
    ]
  ])('restores a %s', (_name, object, groupResource) => {
    expect(transformForRestore(object, groupResource, ctx())).toHaveProperty('object');
  });
});

describe('transformForRestore: Service', () => {
  it('drops the cluster IPs', () => {
    const s = spec(restored(fx.clusterIpService(), 'services'));
    expect(s.clusterIP).toBeUndefined();
    expect(s.clusterIPs).toBeUndefined();
    expect(s.ipFamilies).toEqual(['IPv4']);
  });

  it("keeps a headless service's None", () => {
    const s = spec(restored(fx.headlessService(), 'services'));
    expect([s.clusterIP, s.clusterIPs]).toEqual(['None', ['None']]);
  });

  it('keeps node ports named in last-applied-configuration, drops allocated ones', () => {
    const ports = spec(restored(fx.nodePortService(), 'services')).ports;
    expect(ports.map((p: { name: string; nodePort?: number }) => [p.name, p.nodePort])).toEqual([
      ['http', 30080],
      ['metrics', undefined]
    ]);
  });

  it('keeps node ports owned in managedFields (server-side apply), drops the health check port', () => {
    const s = spec(restored(fx.loadBalancerService(), 'services'));
    expect(s.ports.map((p: { name: string; nodePort?: number }) => [p.name, p.nodePort])).toEqual([
      ['http', undefined],
      ['https', 30443]
    ]);
    expect(s.healthCheckNodePort).toBeUndefined();
  });

  it('keeps every node port with preserveNodePorts', () => {
    const s = spec(restored(fx.loadBalancerService(), 'services', ctx({ preserveNodePorts: true })));
    expect(s.ports.map((p: { nodePort: number }) => p.nodePort)).toEqual([30500, 30443]);
    expect(s.healthCheckNodePort).toBe(32100);
    expect(s.clusterIP).toBeUndefined();
  });

  it('keeps an unnamed port whose node port the annotation gives', () => {
    const service = fx.nodePortService();
    const s = spec(service);
    s.ports = [{ nodePort: 30080, port: 80, protocol: 'TCP', targetPort: 80 }];
    service.metadata.annotations!['kubectl.kubernetes.io/last-applied-configuration'] = JSON.stringify({ spec: { ports: [{ port: 80, nodePort: 30080 }] } });
    expect(spec(restored(service, 'services')).ports[0].nodePort).toBe(30080);
  });
});

describe('transformForRestore: Pod', () => {
  it('drops nodeName, priority, ephemeral containers and the legacy token volume with its mounts', () => {
    const s = spec(restored(fx.runningPod(), 'pods'));
    expect(s.nodeName).toBeUndefined();
    expect(s.priority).toBeUndefined();
    expect(s.priorityClassName).toBe('business-critical');
    expect(s.ephemeralContainers).toBeUndefined();
    expect(s.volumes.map((v: { name: string }) => v.name)).toEqual(['data', 'kube-api-access-7hx2k']);
    expect(s.containers[0].volumeMounts).toEqual([{ mountPath: '/data', name: 'data' }]);
    expect(s.initContainers[0].volumeMounts).toBeUndefined();
  });
});

describe('transformForRestore: Job', () => {
  it('drops the generated controller-uid from selector and template labels', () => {
    const s = spec(restored(fx.runningJob(), 'jobs.batch'));
    expect(s.selector).toEqual({ matchLabels: {} });
    expect(s.template.metadata.labels).toEqual({ 'batch.kubernetes.io/job-name': 'reindex', 'job-name': 'reindex' });
    expect(s.manualSelector).toBeUndefined();
  });
});

describe('transformForRestore: volumes', () => {
  const pvName = 'pvc-f6f6f6f6-1111-4222-8333-444455556666';

  it('drops binding annotations and keeps the volume name of a restored volume', () => {
    const claim = restored(fx.boundClaim(), 'persistentvolumeclaims', ctx({ restoredVolumes: new Set([pvName]) }));
    expect(claim.metadata.annotations).toEqual({ 'team.example.com/owner': 'shop' });
    expect(spec(claim).volumeName).toBe(pvName);
  });

  it('unbinds a claim whose volume is not restored, and says so', () => {
    const result = transformForRestore(fx.boundClaim(), 'persistentvolumeclaims', ctx());
    expect(result).toHaveProperty('object');
    const { object, notes } = result as { object: KubeObject; notes: string[] };
    expect(spec(object).volumeName).toBeUndefined();
    expect(notes).toEqual([`spec.volumeName ${pvName} removed: that volume is neither restored nor free in the target, a new one will be provisioned`]);
  });

  it('maps storage classes of claims, volumes and StatefulSet claim templates', () => {
    const mappings = ctx({ storageClassMappings: { standard: 'fast' } });
    const claim = fx.boundClaim();
    claim.metadata.annotations!['volume.beta.kubernetes.io/storage-class'] = 'standard';
    const mapped = restored(claim, 'persistentvolumeclaims', mappings);
    expect(spec(mapped).storageClassName).toBe('fast');
    expect(mapped.metadata.annotations!['volume.beta.kubernetes.io/storage-class']).toBe('fast');
    expect(spec(restored(fx.volume('Retain'), 'persistentvolumes', mappings)).storageClassName).toBe('fast');
    const sts: KubeObject = {
      apiVersion: 'apps/v1',
      kind: 'StatefulSet',
      metadata: { name: 'db', namespace: 'shop' },
      spec: { volumeClaimTemplates: [{ metadata: { name: 'data' }, spec: { storageClassName: 'standard' } }, { metadata: { name: 'logs' }, spec: { storageClassName: 'other' } }] }
    };
    expect(spec(restored(sts, 'statefulsets.apps', mappings)).volumeClaimTemplates.map((t: { spec: { storageClassName: string } }) => t.spec.storageClassName)).toEqual(['fast', 'other']);
  });

  it("restores a retained volume with its claimRef's uid cleared and namespace mapped", () => {
    const pv = restored(fx.volume('Retain'), 'persistentvolumes', ctx({ namespaceMappings: { shop: 'shop-copy' } }));
    expect(spec(pv).claimRef).toEqual({ apiVersion: 'v1', kind: 'PersistentVolumeClaim', name: 'web-data', namespace: 'shop-copy' });
    expect(pv.metadata.annotations).toEqual({ 'pv.kubernetes.io/provisioned-by': 'rancher.io/local-path' });
    expect(pv.metadata.namespace).toBeUndefined();
  });

  it('lists the volumes the restore creates', () => {
    expect(volumesToRestore([fx.volume('Delete', 'pv-a'), fx.volume('Retain', 'pv-b'), fx.volume('Retain', 'pv-c')])).toEqual(new Set(['pv-b', 'pv-c']));
  });
});

describe('transformForRestore: accounts, secrets, RBAC', () => {
  it("removes a ServiceAccount's generated token secret", () => {
    const sa = restored(fx.serviceAccount(), 'serviceaccounts');
    expect(sa.secrets).toEqual([{ name: 'registry' }]);
    expect(sa.imagePullSecrets).toEqual([{ name: 'registry' }]);
  });

  it('empties a hand-made token secret of what the token controller fills in', () => {
    const secret = restored(fx.manualTokenSecret(), 'secrets');
    expect(secret.data).toEqual({});
    expect(secret.metadata.annotations).toEqual({ 'kubernetes.io/service-account.name': 'builder' });
  });

  it('keeps an opaque secret whole', () => {
    expect(restored(fx.opaqueSecret(), 'secrets').data).toEqual(fx.opaqueSecret().data);
  });

  it('maps the namespaces of binding subjects', () => {
    const binding = restored(fx.roleBinding(), 'rolebindings.rbac.authorization.k8s.io', ctx({ namespaceMappings: { ci: 'ci-copy', shop: 'shop-copy' } }));
    expect(binding.metadata.namespace).toBe('shop-copy');
    expect(binding.subjects).toEqual([
      { kind: 'ServiceAccount', name: 'builder', namespace: 'ci-copy' },
      { kind: 'ServiceAccount', name: 'web-sa', namespace: 'shop-copy' },
      { apiGroup: 'rbac.authorization.k8s.io', kind: 'User', name: 'alice@example.com' }
    ]);
    const cluster = { ...fx.roleBinding(), kind: 'ClusterRoleBinding', metadata: { name: 'deployers' } };
    expect(restored(cluster, 'clusterrolebindings.rbac.authorization.k8s.io', ctx({ namespaceMappings: { ci: 'ci-copy' } })).subjects).toContainEqual({
      kind: 'ServiceAccount',
      name: 'builder',
      namespace: 'ci-copy'
    });
  });
});

describe('namespace mapping', () => {
  const mapping = ctx({ namespaceMappings: { shop: 'shop-copy' } });
  it('moves namespaced items and renames Namespace objects', () => {
    expect(restored(fx.configMap(), 'configmaps', mapping).metadata.namespace).toBe('shop-copy');
    const renamed = restored(fx.namespace('shop'), 'namespaces', mapping);
    expect(renamed.metadata.name).toBe('shop-copy');
    expect(renamed.metadata.labels).toEqual({ 'kubernetes.io/metadata.name': 'shop-copy', team: 'commerce', ...RESTORE_LABELS });
    expect(renamed.spec).toEqual({ finalizers: ['kubernetes'] });
    expect(restored(fx.namespace('blog'), 'namespaces', mapping).metadata.name).toBe('blog');
  });

  it('builds the target namespace from the backed-up one', () => {
    expect(namespaceForTarget(fx.namespace('shop'), 'shop-copy', { backupName: 'nightly', restoreName: 'r1' })).toEqual({
      apiVersion: 'v1',
      kind: 'Namespace',
      metadata: {
        name: 'shop-copy',
        labels: { team: 'commerce', 'velero.io/backup-name': 'nightly', 'velero.io/restore-name': 'r1' },
        annotations: { 'scheduler.alpha.kubernetes.io/node-selector': 'pool=shop' }
      },
      spec: { finalizers: ['kubernetes'] }
    });
    expect(namespaceForTarget(undefined, 'fresh')).toEqual({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'fresh' } });
  });
});

describe('rewriteOwnerReferences', () => {
  it('keeps references to restored owners with their new uid and reports the rest', () => {
    const pod = fx.runningPod();
    pod.metadata.ownerReferences!.push({ apiVersion: 'v1', kind: 'Node', name: 'worker-2', uid: 'old-node-uid' });
    const calls: unknown[][] = [];
    const { object, dropped } = rewriteOwnerReferences(pod, (...args) => {
      calls.push(args);
      return args[1] === 'ReplicaSet' ? 'new-rs-uid' : undefined;
    });
    expect(object.metadata.ownerReferences).toEqual([{ apiVersion: 'apps/v1', blockOwnerDeletion: true, controller: true, kind: 'ReplicaSet', name: 'web-5d9c7b6f8', uid: 'new-rs-uid' }]);
    expect(dropped).toEqual([{ apiVersion: 'v1', kind: 'Node', name: 'worker-2', uid: 'old-node-uid' }]);
    expect(calls[0]).toEqual(['apps/v1', 'ReplicaSet', 'shop', 'web-5d9c7b6f8']);
    expect(pod.metadata.ownerReferences![0]!.uid).toBe('c0c0c0c0-1111-4222-8333-444455556666');
  });

  it('removes the field when no owner was restored', () => {
    expect(rewriteOwnerReferences(fx.runningPod(), () => undefined).object.metadata).not.toHaveProperty('ownerReferences');
  });
});
