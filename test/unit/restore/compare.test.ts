import { describe, expect, it } from '@jest/globals';
import { describeChange, diffForUpdate, isUnchanged } from '../../../src/compare/diff.js';
import { applyMergePatch, mergePatchFor } from '../../../src/compare/merge-patch.js';
import { mergeServiceAccount } from '../../../src/compare/service-account.js';
import { isHeldBy } from '../../../src/compare/subset.js';
import { transformForRestore, type TransformContext } from '../../../src/restore/transform/index.js';
import * as fx from './fixtures.js';
import type { KubeObject } from '../../../src/model/kube-object.js';

const ctx: TransformContext = {
  backupName: 'nightly',
  restoreName: 'restore-2',
  restoreUid: '5b1d6a52-0000-4000-8000-000000000001',
  restoreVolumes: true,
  namespaceMappings: {},
  storageClassMappings: {},
  preserveNodePorts: false,
  preserveOwnerReferences: false,
  restoredVolumes: new Set(['pvc-f6f6f6f6-1111-4222-8333-444455556666'])
};

function desired(object: KubeObject, groupResource: string): KubeObject {
  const result = transformForRestore(object, groupResource, ctx);
  if (!('object' in result)) throw new Error('expected an object');
  return result.object;
}

/**
 * What the target API server returns for an object an earlier restore created from the same backup: new uid and
 * resourceVersion, its own managedFields, allocated IPs and ports, controller annotations, status, the earlier
 * restore's labels.
 */
function live(object: KubeObject, changes: (o: KubeObject) => void = () => {}): KubeObject {
  const copy = structuredClone(object);
  copy.metadata = {
    ...copy.metadata,
    uid: '99999999-0000-4000-8000-000000000000',
    resourceVersion: '1234',
    creationTimestamp: '2026-03-02T08:00:00Z',
    generation: 1,
    managedFields: [{ manager: 'kube-backup', operation: 'Update', apiVersion: copy.apiVersion, time: '2026-03-02T08:00:00Z', fieldsType: 'FieldsV1', fieldsV1: {} }],
    labels: { ...copy.metadata.labels, 'velero.io/backup-name': 'nightly', 'velero.io/restore-name': 'restore-1' }
  };
  changes(copy);
  return copy;
}

const deploymentLive = () =>
  live(desired(fx.deployment(), 'deployments.apps'), (o) => {
    o.metadata.annotations = { 'deployment.kubernetes.io/revision': '1' };
    o.status = { replicas: 3, readyReplicas: 3, observedGeneration: 1 };
  });

const serviceLive = () =>
  live(desired(fx.nodePortService(), 'services'), (o) => {
    const spec = o.spec as Record<string, any>;
    spec.clusterIP = '10.43.9.9';
    spec.clusterIPs = ['10.43.9.9'];
    spec.ports[1].nodePort = 32001;
    o.status = { loadBalancer: {} };
  });

describe('isUnchanged', () => {
  it.each<[string, () => KubeObject, () => KubeObject, boolean]>([
    ['a Deployment restored earlier, with a new revision annotation, status and restore labels', () => desired(fx.deployment(), 'deployments.apps'), deploymentLive, true],
    ['a Service with the target’s clusterIP and an allocated node port', () => desired(fx.nodePortService(), 'services'), serviceLive, true],
    ['a ConfigMap', () => desired(fx.configMap(), 'configmaps'), () => live(desired(fx.configMap(), 'configmaps')), true],
    [
      'a ConfigMap with an extra label from another tool',
      () => desired(fx.configMap(), 'configmaps'),
      () => live(desired(fx.configMap(), 'configmaps'), (o) => (o.metadata.labels!['argocd.argoproj.io/instance'] = 'shop')),
      true
    ],
    ['a bound claim, live has server-added fields', () => desired(fx.boundClaim(), 'persistentvolumeclaims'), () => live(fx.boundClaim()), true],
    [
      'a server default present only in live containers',
      () => desired(fx.deployment(), 'deployments.apps'),
      () => live(desired(fx.deployment(), 'deployments.apps'), (o) => ((o.spec as any).template.spec.containers[0].resources.requests = { cpu: '500m', memory: '128Mi' })),
      true
    ],
    ['a scaled Deployment', () => desired(fx.deployment(), 'deployments.apps'), () => live(desired(fx.deployment(), 'deployments.apps'), (o) => ((o.spec as any).replicas = 5)), false],
    [
      'a changed image',
      () => desired(fx.deployment(), 'deployments.apps'),
      () => live(desired(fx.deployment(), 'deployments.apps'), (o) => ((o.spec as any).template.spec.containers[0].image = 'nginx:1.28')),
      false
    ],
    [
      'an extra container',
      () => desired(fx.deployment(), 'deployments.apps'),
      () => live(desired(fx.deployment(), 'deployments.apps'), (o) => (o.spec as any).template.spec.containers.push({ name: 'sidecar', image: 'envoy' })),
      false
    ],
    ['a ConfigMap value changed', () => desired(fx.configMap(), 'configmaps'), () => live(desired(fx.configMap(), 'configmaps'), (o) => ((o.data as any).mode = 'debug')), false],
    ['a ConfigMap key missing in live', () => desired(fx.configMap(), 'configmaps'), () => live(desired(fx.configMap(), 'configmaps'), (o) => delete (o.data as any).mode), false],
    [
      'an allocated node port, different in live',
      () => desired(fx.nodePortService(), 'services'),
      () => serviceLive(),
      true
    ],
    [
      'a node port the backup chose, taken differently by live',
      () => desired(fx.nodePortService(), 'services'),
      () => live(desired(fx.nodePortService(), 'services'), (o) => ((o.spec as any).ports[0].nodePort = 30999)),
      false
    ]
  ])('%s → %s', (_name, d, l, expected) => {
    expect(isUnchanged(d(), l())).toBe(expected);
    expect(diffForUpdate(d(), l()).length === 0).toBe(expected);
  });
});

describe('diffForUpdate', () => {
  it('names each changed field with its values', () => {
    const d = desired(fx.deployment(), 'deployments.apps');
    const l = live(d, (o) => {
      const spec = o.spec as any;
      spec.replicas = 5;
      spec.template.spec.containers[0].image = 'nginx:1.28';
      delete o.metadata.labels!['app.kubernetes.io/name'];
    });
    const changes = diffForUpdate(d, l);
    expect(changes).toEqual([
      { path: 'metadata.labels["app.kubernetes.io/name"]', op: 'add', to: 'web' },
      { path: 'spec.replicas', op: 'replace', from: 5, to: 3 },
      { path: 'spec.template.spec.containers[0].image', op: 'replace', from: 'nginx:1.28', to: 'nginx:1.27' }
    ]);
    expect(changes.map(describeChange)).toEqual([
      'metadata.labels["app.kubernetes.io/name"]: (unset) → "web"',
      'spec.replicas: 5 → 3',
      'spec.template.spec.containers[0].image: "nginx:1.28" → "nginx:1.27"'
    ]);
  });

  it('reports a list of another length whole', () => {
    const d = desired(fx.deployment(), 'deployments.apps');
    const l = live(d, (o) => (o.spec as any).template.spec.containers.push({ name: 'sidecar', image: 'envoy' }));
    expect(diffForUpdate(d, l).map((c) => c.path)).toEqual(['spec.template.spec.containers']);
  });

  it('never shows Secret values, only which keys change', () => {
    const d = desired(fx.opaqueSecret(), 'secrets');
    const l = live(d, (o) => {
      o.data = { password: 'b2xkLXBhc3N3b3Jk' };
      o.metadata.annotations!['kubectl.kubernetes.io/last-applied-configuration'] = '{"data":{"password":"b2xkLXBhc3N3b3Jk"}}';
    });
    const changes = diffForUpdate(d, l);
    expect(changes).toEqual([
      { path: 'metadata.annotations["kubectl.kubernetes.io/last-applied-configuration"]', op: 'replace', masked: true },
      { path: 'data.password', op: 'replace', masked: true },
      { path: 'data.username', op: 'add', masked: true }
    ]);
    expect(changes.map(describeChange)).toEqual(['metadata.annotations["kubectl.kubernetes.io/last-applied-configuration"] changed', 'data.password changed', 'data.username added']);
    expect(JSON.stringify(changes)).not.toMatch(/aHVudGVyMg|b2xk|YXBw/);
  });

  it('names the keys of a data map live lacks entirely', () => {
    const d = desired(fx.opaqueSecret(), 'secrets');
    const l = live(d, (o) => delete o.data);
    expect(diffForUpdate(d, l).map(describeChange)).toEqual(['data.password added', 'data.username added']);
  });
});

describe('mergePatchFor', () => {
  it('sends only what differs, arrays whole, maps merged, with the restore labels, never server metadata', () => {
    const d = desired(fx.deployment(), 'deployments.apps');
    const l = live(d, (o) => {
      const spec = o.spec as any;
      spec.replicas = 5;
      spec.template.spec.containers[0].image = 'nginx:1.28';
      o.metadata.labels!.extra = 'kept';
    });
    const patch = mergePatchFor(d, l);
    expect(patch).toEqual({
      metadata: { labels: { 'velero.io/restore-name': 'restore-2' } },
      spec: { replicas: 3, template: { spec: { containers: (d.spec as any).template.spec.containers } } }
    });
    const patched = applyMergePatch(l, patch) as KubeObject;
    expect(isUnchanged(d, patched)).toBe(true);
    expect(patched.metadata.labels!.extra).toBe('kept');
    expect(patched.metadata.uid).toBe(l.metadata.uid);
  });

  it('is undefined when live already holds everything, restore labels included', () => {
    const d = desired(fx.configMap(), 'configmaps');
    const l = live(d, (o) => (o.metadata.labels!['velero.io/restore-name'] = 'restore-2'));
    expect(mergePatchFor(d, l)).toBeUndefined();
  });

  it('carries only the restore labels for an otherwise unchanged object', () => {
    const d = desired(fx.configMap(), 'configmaps');
    expect(mergePatchFor(d, live(d))).toEqual({ metadata: { labels: { 'velero.io/restore-name': 'restore-2' } } });
  });
});

describe('applyMergePatch', () => {
  it('follows RFC 7386', () => {
    expect(applyMergePatch({ a: 'b', c: { d: 'e', f: 'g' } }, { a: 'z', c: { f: null } })).toEqual({ a: 'z', c: { d: 'e' } });
    expect(applyMergePatch({ a: [1, 2] }, { a: [3] })).toEqual({ a: [3] });
    expect(applyMergePatch({ a: 1 }, 'x')).toBe('x');
    expect(applyMergePatch('x', { a: { b: null, c: 1 } })).toEqual({ a: { c: 1 } });
  });
  it('does not change its inputs', () => {
    const target = { a: { b: 1 } };
    applyMergePatch(target, { a: { b: 2 } });
    expect(target).toEqual({ a: { b: 1 } });
  });
});

describe('isHeldBy', () => {
  it.each<[unknown, unknown, boolean]>([
    [{}, undefined, true],
    [[], undefined, true],
    [null, 'x', true],
    [{ a: {} }, {}, true],
    ['', undefined, false],
    [false, undefined, false],
    [0, undefined, false],
    [[{ a: 1 }], [{ a: 1, b: 2 }], true],
    [[{ a: 1 }], [{ a: 1 }, { a: 2 }], false],
    [{ a: 1 }, 'a', false]
  ])('%j held by %j → %s', (d, l, expected) => expect(isHeldBy(d, l)).toBe(expected));
});

describe('mergeServiceAccount', () => {
  it("adds the backup's secrets, pull secrets, labels and annotations to the live account; live wins on conflicts", () => {
    const liveDefault: KubeObject = {
      apiVersion: 'v1',
      kind: 'ServiceAccount',
      metadata: { name: 'default', namespace: 'shop', uid: 'live-uid', resourceVersion: '5', labels: { team: 'live' } },
      secrets: [{ name: 'default-token-abcde' }]
    };
    const backedUp: KubeObject = {
      apiVersion: 'v1',
      kind: 'ServiceAccount',
      metadata: { name: 'default', namespace: 'shop', labels: { team: 'backup', tier: 'web' }, annotations: { note: 'from backup' } },
      imagePullSecrets: [{ name: 'registry' }],
      secrets: [{ name: 'default-token-abcde' }, { name: 'extra' }]
    };
    const merged = mergeServiceAccount(backedUp, liveDefault);
    expect(merged).toEqual({
      apiVersion: 'v1',
      kind: 'ServiceAccount',
      metadata: { name: 'default', namespace: 'shop', uid: 'live-uid', resourceVersion: '5', labels: { team: 'live', tier: 'web' }, annotations: { note: 'from backup' } },
      secrets: [{ name: 'default-token-abcde' }, { name: 'extra' }],
      imagePullSecrets: [{ name: 'registry' }]
    });
    expect(mergePatchFor(merged, liveDefault)).toEqual({
      metadata: { labels: { tier: 'web' }, annotations: { note: 'from backup' } },
      secrets: [{ name: 'default-token-abcde' }, { name: 'extra' }],
      imagePullSecrets: [{ name: 'registry' }]
    });
  });
});
