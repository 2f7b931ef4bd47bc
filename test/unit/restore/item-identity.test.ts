import { describe, expect, it } from '@jest/globals';
import type { KubeObject } from '../../../src/model/kube-object.js';
import { kubeObjectShapeProblem } from '../../../src/persistence/archive-catalog.js';
import { describeValue, printable } from '../../../src/util/printable.js';
import { checkItemIdentity, type ItemPlace } from '../../../src/persistence/item-identity.js';
import { scopeProblem, targetOf, targetProblem } from '../../../src/restore/item-identity.js';

const cm = (metadata: Record<string, unknown>): KubeObject => ({ apiVersion: 'v1', kind: 'ConfigMap', metadata, data: { a: 'b' } }) as KubeObject;
const inShop: ItemPlace = { groupResource: 'configmaps', namespace: 'shop', name: 'settings' };
const clusterRole: ItemPlace = { groupResource: 'clusterroles.rbac.authorization.k8s.io', name: 'reader' };
const namespaceItem: ItemPlace = { groupResource: 'namespaces', name: 'shop' };

describe('checkItemIdentity: the archive path is the truth', () => {
  it.each<[string, Record<string, unknown>, ItemPlace, RegExp]>([
    ['another namespace', { name: 'settings', namespace: 'kube-system' }, inShop, /metadata\.namespace is 'kube-system', but the archive path puts it in namespace 'shop'/],
    ['another name', { name: 'other', namespace: 'shop' }, inShop, /metadata\.name is 'other', but the archive path names it 'settings'/],
    ['no name', { namespace: 'shop' }, inShop, /metadata\.name is missing/],
    ['an empty name', { name: '', namespace: 'shop' }, inShop, /metadata\.name is empty/],
    ['a name that is not a string', { name: 7, namespace: 'shop' }, inShop, /metadata\.name is 7 \(not a string\)/],
    ['a namespace that is not a string', { name: 'settings', namespace: ['shop'] }, inShop, /metadata\.namespace is \["shop"\] \(not a string\)/],
    ['a namespace on a cluster-scoped item', { name: 'reader', namespace: 'shop' }, clusterRole, /metadata\.namespace is 'shop', but the archive path stores it as cluster-scoped/],
    ['a Namespace naming another namespace', { name: 'kube-system' }, namespaceItem, /metadata\.name is 'kube-system', but the archive path names it 'shop'/],
    ['labels that are not a map of strings', { name: 'settings', namespace: 'shop', labels: { app: 3 } }, inShop, /metadata\.labels is not a map of strings/],
    ['labels that are null', { name: 'settings', namespace: 'shop', labels: null }, inShop, /metadata\.labels is not a map of strings/],
    ['labels that are a string', { name: 'settings', namespace: 'shop', labels: 'app=web' }, inShop, /metadata\.labels is not a map of strings/],
    // What a hostile item says is shown escaped: a newline would start a workflow command in a runner's log.
    ['a namespace with a newline', { name: 'settings', namespace: 'x\n::error::forged' }, inShop, /metadata\.namespace is 'x\\u\{a\}::error::forged', but/]
  ])('refuses an item whose JSON has %s', (_what, metadata, place, problem) => {
    const checked = checkItemIdentity(cm(metadata), place);
    expect('problem' in checked && checked.problem).toMatch(problem);
  });

  it('accepts an item that agrees with its path, as it is', () => {
    const object = cm({ name: 'settings', namespace: 'shop', labels: { app: 'web' } });
    expect(checkItemIdentity(object, inShop)).toEqual({ object });
    const role = cm({ name: 'reader' });
    expect(checkItemIdentity(role, clusterRole)).toEqual({ object: role });
    const emptyNamespace = cm({ name: 'reader', namespace: '' });
    expect(checkItemIdentity(emptyNamespace, clusterRole)).toEqual({ object: emptyNamespace });
  });

  it.each([
    ['absent', { name: 'settings' }],
    ['empty', { name: 'settings', namespace: '' }],
    ['null', { name: 'settings', namespace: null }]
  ])('fills a namespaced item’s %s namespace from its path, without changing the input', (_what, metadata) => {
    const object = cm(metadata);
    const before = structuredClone(object);
    const checked = checkItemIdentity(object, inShop);
    expect('object' in checked && checked.object.metadata).toEqual({ ...metadata, namespace: 'shop' });
    expect(object).toEqual(before);
  });
});

describe('scopeProblem', () => {
  it.each<[string, ItemPlace, boolean, RegExp | undefined]>([
    ['namespaced path, namespaced resource', inShop, true, undefined],
    ['cluster path, cluster-scoped resource', clusterRole, false, undefined],
    ['namespaced path of a cluster-scoped resource (would be created cluster-wide)', { ...clusterRole, namespace: 'shop' }, false, /puts it in namespace 'shop', but the target serves clusterroles\.rbac\.authorization\.k8s\.io as cluster-scoped/],
    ['cluster path of a namespaced resource', { groupResource: 'configmaps', name: 'settings' }, true, /stores it as cluster-scoped, but the target serves configmaps as namespaced/]
  ])('%s', (_what, place, namespaced, problem) => {
    const found = scopeProblem(place, namespaced);
    if (problem) expect(found).toMatch(problem);
    else expect(found).toBeUndefined();
  });
});

describe('targetOf and targetProblem: the write goes where the path says, mapped', () => {
  const mappings = { shop: 'shop-dev' };

  it('maps a namespaced item’s namespace, and a Namespace’s own name', () => {
    expect(targetOf(inShop, mappings)).toEqual({ namespace: 'shop-dev', name: 'settings' });
    expect(targetOf(namespaceItem, mappings)).toEqual({ name: 'shop-dev' });
    expect(targetOf(clusterRole, mappings)).toEqual({ name: 'reader' });
    // An own-property lookup: a namespace named like an Object.prototype member is not "mapped".
    expect(targetOf({ groupResource: 'configmaps', namespace: 'constructor', name: 'x' }, mappings)).toEqual({ namespace: 'constructor', name: 'x' });
  });

  it('accepts what goes where the path says', () => {
    expect(targetProblem(cm({ name: 'settings', namespace: 'shop-dev' }), inShop, mappings)).toBeUndefined();
    expect(targetProblem(cm({ name: 'shop-dev' }), namespaceItem, mappings)).toBeUndefined();
    expect(targetProblem(cm({ name: 'reader' }), clusterRole, mappings)).toBeUndefined();
  });

  it.each<[string, Record<string, unknown>, ItemPlace, RegExp]>([
    ['moved to another namespace', { name: 'settings', namespace: 'kube-system' }, inShop, /written as 'kube-system\/settings' instead of 'shop-dev\/settings'/],
    ['left unmapped', { name: 'settings', namespace: 'shop' }, inShop, /written as 'shop\/settings' instead of 'shop-dev\/settings'/],
    ['renamed', { name: 'other', namespace: 'shop-dev' }, inShop, /written as 'shop-dev\/other' instead of 'shop-dev\/settings'/],
    ['a Namespace renamed', { name: 'kube-system' }, namespaceItem, /written as 'kube-system' instead of 'shop-dev'/],
    ['a cluster-scoped object given a namespace', { name: 'reader', namespace: 'shop' }, clusterRole, /written as 'shop\/reader' instead of 'reader'/]
  ])('refuses an object %s', (_what, metadata, place, problem) => {
    expect(targetProblem(cm(metadata), place, mappings)).toMatch(problem);
  });
});

describe('printable', () => {
  it.each([
    ['resources/configmaps/namespaces/shop/settings.json', 'resources/configmaps/namespaces/shop/settings.json'],
    ['a\nb\r\u001b[31mc', 'a\\u{a}b\\u{d}\\u{1b}[31mc'],
    ['bidi\u202e', 'bidi\\u{202e}'],
    ['x'.repeat(150), `${'x'.repeat(100)}…(150 characters)`]
  ])('%j', (value, shown) => {
    expect(printable(value)).toBe(shown);
  });

  it('describes values of any type briefly', () => {
    expect(describeValue(undefined)).toBe('missing');
    expect(describeValue('')).toBe('empty');
    expect(describeValue('shop')).toBe("'shop'");
    expect(describeValue({ a: 1 })).toBe('{"a":1} (not a string)');
  });
});

describe('kubeObjectShapeProblem', () => {
  it.each<[unknown, string | undefined]>([
    [{ metadata: {} }, undefined],
    [[1, 2], 'not a Kubernetes object: the JSON is an array, not an object'],
    [null, 'not a Kubernetes object: the JSON is null, not an object'],
    ['text', 'not a Kubernetes object: the JSON is a string, not an object'],
    [42, 'not a Kubernetes object: the JSON is a number, not an object'],
    [{ kind: 'ConfigMap' }, 'not a Kubernetes object: it has no metadata object'],
    [{ metadata: [] }, 'not a Kubernetes object: it has no metadata object'],
    [{ metadata: 'x' }, 'not a Kubernetes object: it has no metadata object']
  ])('%j', (value, problem) => {
    expect(kubeObjectShapeProblem(value)).toBe(problem);
  });
});
