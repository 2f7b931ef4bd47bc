import { describe, expect, it } from '@jest/globals';
import type { ApiResource, DiscoveryResult } from '../../../src/kube/cluster.js';
import { itemSelected, planRestoreScope, type RestoreItemRef } from '../../../src/restore/plan/filters.js';
import { relatedItems } from '../../../src/restore/plan/related.js';
import { resolveRestoreResource, scopedResourcesFromCrds } from '../../../src/restore/plan/resources.js';
import { boundClaim, runningPod, widgetCrd } from './fixtures.js';
import { backupableResources } from '../../../src/kube/resources.js';
import { parseRestoreFilters, type RestoreFilters } from '../../../src/settings/restore-filters.js';
import { asFlags } from '../../support/input-errors.js';

const ALL = ['list', 'create', 'get', 'delete', 'watch', 'update', 'patch'];
const r = (group: string, name: string, kind: string, namespaced = true, shortNames: string[] = []): ApiResource => ({
  group,
  version: 'v1',
  name,
  kind,
  singularName: kind.toLowerCase(),
  namespaced,
  verbs: ALL,
  shortNames
});

/** The target: a plain cluster without the Widget CRD. */
const target: DiscoveryResult = {
  groups: [
    { name: '', preferredVersion: 'v1', versions: ['v1'] },
    { name: 'apps', preferredVersion: 'v1', versions: ['v1'] },
    { name: 'storage.k8s.io', preferredVersion: 'v1', versions: ['v1'] },
    { name: 'scheduling.k8s.io', preferredVersion: 'v1', versions: ['v1'] }
  ],
  resources: [
    r('', 'pods', 'Pod', true, ['po']),
    r('', 'configmaps', 'ConfigMap', true, ['cm']),
    r('', 'secrets', 'Secret'),
    r('', 'namespaces', 'Namespace', false, ['ns']),
    r('', 'persistentvolumes', 'PersistentVolume', false, ['pv']),
    r('', 'persistentvolumeclaims', 'PersistentVolumeClaim', true, ['pvc']),
    r('apps', 'deployments', 'Deployment', true, ['deploy']),
    r('storage.k8s.io', 'storageclasses', 'StorageClass', false, ['sc']),
    r('scheduling.k8s.io', 'priorityclasses', 'PriorityClass', false, ['pc'])
  ],
  failures: []
};
const candidates = [...backupableResources(target), ...scopedResourcesFromCrds([widgetCrd()])];
const backupResources = ['configmaps', 'pods', 'namespaces', 'persistentvolumes', 'persistentvolumeclaims', 'deployments.apps', 'widgets.example.com', 'gadgets.other.io', 'nodes'];

const filters = (overrides: Partial<RestoreFilters> = {}): RestoreFilters => ({
  includeNamespaces: [],
  excludeNamespaces: [],
  includeResources: [],
  excludeResources: [],
  includeClusterResources: undefined,
  orLabelSelectors: [],
  includeNames: [],
  ...overrides
});
const scope = (overrides: Partial<RestoreFilters> = {}) => planRestoreScope(filters(overrides), candidates, backupResources);

const cm = (namespace: string, name = 'settings', labels: Record<string, string> = {}): RestoreItemRef => ({ groupResource: 'configmaps', namespace, name, labels });
const pv: RestoreItemRef = { groupResource: 'persistentvolumes', name: 'pv-1', labels: {} };
const sc: RestoreItemRef = { groupResource: 'storageclasses.storage.k8s.io', name: 'fast', labels: {} };

describe('resolveRestoreResource', () => {
  it.each([
    ['cm', ['configmaps']],
    ['Deployment', ['deployments.apps']],
    ['widget', ['widgets.example.com']],
    ['wg', ['widgets.example.com']],
    ['widgets.example.com', ['widgets.example.com']],
    ['gadgets.other.io', ['gadgets.other.io']],
    ['gadgets', ['gadgets.other.io']],
    ['sprockets', []]
  ])('%s → %j (target discovery, then backed-up CRDs, then the backup’s folders)', (raw, expected) => {
    expect(resolveRestoreResource(raw, candidates, backupResources)).toEqual(expected);
  });

  it('describes a backed-up CRD’s resource as discovery would', () => {
    expect(scopedResourcesFromCrds([widgetCrd()])).toEqual([
      {
        groupResource: 'widgets.example.com',
        otherVersions: [],
        resource: expect.objectContaining({ group: 'example.com', version: 'v1', name: 'widgets', kind: 'Widget', singularName: 'widget', namespaced: true, shortNames: ['wg'] })
      }
    ]);
  });
});

describe('parseRestoreFilters', () => {
  it('reads the raw inputs', () => {
    const parsed = parseRestoreFilters({
      includeNamespaces: 'shop, prod-*',
      excludeResources: 'secrets',
      includeClusterResources: true,
      orSelector: 'app=web or tier in (db,cache)',
      includeNames: 'shop/cm/settings'
    });
    expect(parsed).toEqual({
      includeNamespaces: ['shop', 'prod-*'],
      excludeNamespaces: [],
      includeResources: [],
      excludeResources: ['secrets'],
      includeClusterResources: true,
      orLabelSelectors: [{ matchLabels: { app: 'web' } }, { matchExpressions: [{ key: 'tier', operator: 'In', values: ['db', 'cache'] }] }],
      includeNames: [{ entry: 'shop/cm/settings', namespace: 'shop', resource: 'cm', name: 'settings' }]
    });
  });

  it('names the input of each mistake', () => {
    expect(() => parseRestoreFilters({ selector: 'app=web', orSelector: 'a=b' })).toThrow(/^Input 'or-selector': cannot be combined with selector/);
    expect(() => parseRestoreFilters({ selector: 'app in web' })).toThrow(/^Input 'selector'/);
    expect(() => asFlags(() => parseRestoreFilters({ includeNames: 'nope' }))).toThrow(/^Input '--include-names'/);
  });
});

describe('planRestoreScope', () => {
  it('derives the cluster-scope mode as Velero’s restore does', () => {
    expect(scope().clusterScopeMode).toBe('all');
    expect(scope({ includeNamespaces: ['*'] }).clusterScopeMode).toBe('all');
    expect(scope({ includeNamespaces: ['shop'] }).clusterScopeMode).toBe('related');
    expect(scope({ excludeNamespaces: ['kube-system'] }).clusterScopeMode).toBe('related');
    expect(scope({ includeNamespaces: ['shop'], includeClusterResources: true }).clusterScopeMode).toBe('all');
    expect(scope({ includeClusterResources: false }).clusterScopeMode).toBe('none');
  });

  it('refuses include-resources that match nothing, warns on such exclude-resources', () => {
    expect(() => scope({ includeResources: ['sprockets'] })).toThrow(/^Input 'include-resources': 'sprockets' is neither a resource the target cluster serves nor one in the backup/);
    expect(scope({ excludeResources: ['sprockets'] }).warnings).toEqual(["exclude-resources: 'sprockets' is neither served by the target nor in the backup; nothing to exclude"]);
  });

  it('checks include-names resources and their scope', () => {
    expect(() => scope({ includeNames: [{ entry: 'shop/sprockets/x', namespace: 'shop', resource: 'sprockets', name: 'x' }] })).toThrow(/^Input 'include-names': 'sprockets' in 'shop\/sprockets\/x'/);
    expect(() => scope({ includeNames: [{ entry: 'cm/settings', resource: 'cm', name: 'settings' }] })).toThrow(/'cm\/settings': configmaps are namespaced. Write <namespace>\/cm\/settings/);
    expect(() => scope({ includeNames: [{ entry: 'shop/pv/x', namespace: 'shop', resource: 'pv', name: 'x' }] })).toThrow(/persistentvolumes are cluster-scoped/);
  });
});

describe('itemSelected', () => {
  const selected = { selected: true };
  it.each<[string, Partial<RestoreFilters>, RestoreItemRef, { related?: boolean }, object]>([
    ['everything by default', {}, cm('shop'), {}, selected],
    ['never-restored resources, even when asked for', { includeResources: ['nodes'] }, { groupResource: 'nodes', name: 'worker-1' }, {}, { selected: false, reason: 'nodes are never restored (as in Velero)' }],
    ['included namespace', { includeNamespaces: ['shop'] }, cm('shop'), {}, selected],
    ['namespace not included', { includeNamespaces: ['shop'] }, cm('blog'), {}, { selected: false, reason: 'namespace blog excluded by include-namespaces/exclude-namespaces' }],
    ['namespace glob', { includeNamespaces: ['prod-*'] }, cm('prod-eu'), {}, selected],
    ['excluded namespace', { excludeNamespaces: ['kube-*'] }, cm('kube-system'), {}, { selected: false, reason: 'namespace kube-system excluded by include-namespaces/exclude-namespaces' }],
    ['resource not included', { includeResources: ['deploy'] }, cm('shop'), {}, { selected: false, reason: 'configmaps excluded by include-resources/exclude-resources' }],
    ['resource excluded by short name', { excludeResources: ['cm'] }, cm('shop'), {}, { selected: false, reason: 'configmaps excluded by include-resources/exclude-resources' }],
    ['custom resource not yet served, by kind', { includeResources: ['Widget'] }, { groupResource: 'widgets.example.com', namespace: 'shop', name: 'w' }, {}, selected],
    ['cluster-scoped, all namespaces', {}, sc, {}, selected],
    ['cluster-scoped, some namespaces', { includeNamespaces: ['shop'] }, sc, {}, { selected: false, reason: expect.stringContaining('cluster-scoped, and only some namespaces are restored') }],
    ['cluster-scoped, some namespaces, but brought by a restored item', { includeNamespaces: ['shop'] }, pv, { related: true }, selected],
    ['cluster-scoped, some namespaces, include-cluster-resources true', { includeNamespaces: ['shop'], includeClusterResources: true }, sc, {}, selected],
    ['cluster-scoped, include-cluster-resources false, even related', { includeClusterResources: false }, pv, { related: true }, { selected: false, reason: 'cluster-scoped, and include-cluster-resources is false' }],
    ['Namespace objects follow the namespace filter', { includeNamespaces: ['shop'] }, { groupResource: 'namespaces', name: 'shop' }, {}, selected],
    ['... also when cluster resources are off', { includeClusterResources: false }, { groupResource: 'namespaces', name: 'shop' }, {}, selected],
    ['... and are excluded with their namespace', { excludeNamespaces: ['shop'] }, { groupResource: 'namespaces', name: 'shop' }, {}, { selected: false, reason: 'namespace shop excluded by include-namespaces/exclude-namespaces' }],
    ['label selector matches', { labelSelector: { matchLabels: { app: 'web' } } }, cm('shop', 'a', { app: 'web' }), {}, selected],
    ['label selector does not match', { labelSelector: { matchLabels: { app: 'web' } } }, cm('shop', 'a', { app: 'db' }), {}, { selected: false, reason: 'labels do not match selector' }],
    ['related items ignore the selector', { labelSelector: { matchLabels: { app: 'web' } } }, cm('shop', 'a'), { related: true }, selected],
    ['related items keep the namespace filter', { includeNamespaces: ['shop'] }, cm('blog'), { related: true }, { selected: false, reason: 'namespace blog excluded by include-namespaces/exclude-namespaces' }],
    ['or-selectors: one matches', { orLabelSelectors: [{ matchLabels: { app: 'web' } }, { matchLabels: { app: 'db' } }] }, cm('shop', 'a', { app: 'db' }), {}, selected],
    ['or-selectors: none matches', { orLabelSelectors: [{ matchLabels: { app: 'web' } }] }, cm('shop', 'a', {}), {}, { selected: false, reason: 'labels match none of or-selector' }]
  ])('%s', (_name, overrides, item, options, expected) => {
    expect(itemSelected(item, scope(overrides), options)).toEqual(expected);
  });

  describe('include-names', () => {
    const named = scope(
      parseRestoreFilters({ includeNames: 'shop/cm/settings, prod-*/deployments.apps/web-*, storageclasses.storage.k8s.io/fast, namespaces/shop, shop/widgets.example.com/w1' })
    );
    it.each<[RestoreItemRef, boolean]>([
      [cm('shop', 'settings'), true],
      [cm('shop', 'other'), false],
      [cm('blog', 'settings'), false],
      [{ groupResource: 'deployments.apps', namespace: 'prod-eu', name: 'web-frontend' }, true],
      [{ groupResource: 'deployments.apps', namespace: 'prod-eu', name: 'api' }, false],
      [{ groupResource: 'deployments.apps', namespace: 'staging', name: 'web-frontend' }, false],
      [sc, true],
      [{ ...sc, name: 'slow' }, false],
      [{ groupResource: 'namespaces', name: 'shop' }, true],
      [{ groupResource: 'widgets.example.com', namespace: 'shop', name: 'w1' }, true],
      [{ groupResource: 'pods', namespace: 'shop', name: 'settings' }, false]
    ])('%j → %s', (item, expected) => {
      const result = itemSelected(item, named);
      expect(result.selected).toBe(expected);
      if (!expected && item.groupResource !== 'deployments.apps') expect(result).toEqual({ selected: false, reason: 'not named by include-names' });
    });
    it('does not hold back related items', () => {
      expect(itemSelected(pv, named, { related: true })).toEqual({ selected: true });
    });
  });
});

describe('relatedItems', () => {
  it("brings a pod's claims and priority class", () => {
    expect(relatedItems(runningPod(), 'pods')).toEqual([
      { groupResource: 'persistentvolumeclaims', namespace: 'shop', name: 'web-data' },
      { groupResource: 'priorityclasses.scheduling.k8s.io', name: 'business-critical' }
    ]);
  });
  it("brings a bound claim's volume, not an unbound one's", () => {
    expect(relatedItems(boundClaim(), 'persistentvolumeclaims')).toEqual([{ groupResource: 'persistentvolumes', name: 'pvc-f6f6f6f6-1111-4222-8333-444455556666' }]);
    const pending = boundClaim();
    pending.status = { phase: 'Pending' };
    expect(relatedItems(pending, 'persistentvolumeclaims')).toEqual([]);
  });
  it("brings a custom resource's CRD when the backup has it", () => {
    const widget = { apiVersion: 'example.com/v1', kind: 'Widget', metadata: { name: 'w1', namespace: 'shop' } };
    expect(relatedItems(widget, 'widgets.example.com', new Set(['widgets.example.com']))).toEqual([
      { groupResource: 'customresourcedefinitions.apiextensions.k8s.io', name: 'widgets.example.com' }
    ]);
    expect(relatedItems(widget, 'widgets.example.com')).toEqual([]);
  });
});
