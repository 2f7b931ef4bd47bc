import { describe, expect, it } from '@jest/globals';
import { planBackupScope } from '../../../src/backup/scope.js';
import type { ApiResource, DiscoveryResult } from '../../../src/kube/cluster.js';
import { backupableResources, resolveResourceName } from '../../../src/kube/resources.js';
import { ALL_FILTERS } from '../../../src/settings/scope-filters.js';

const ALL = ['list', 'create', 'get', 'delete', 'watch', 'update', 'patch'];
const r = (group: string, version: string, name: string, kind: string, namespaced = true, extra: Partial<ApiResource> = {}): ApiResource => ({
  group,
  version,
  name,
  kind,
  singularName: kind.toLowerCase(),
  namespaced,
  verbs: ALL,
  shortNames: [],
  ...extra
});

const discovery: DiscoveryResult = {
  groups: [
    { name: '', preferredVersion: 'v1', versions: ['v1'] },
    { name: 'apps', preferredVersion: 'v1', versions: ['v1'] },
    { name: 'events.k8s.io', preferredVersion: 'v1', versions: ['v1'] },
    { name: 'example.com', preferredVersion: 'v1', versions: ['v1', 'v2', 'v1beta1'] }
  ],
  resources: [
    r('', 'v1', 'pods', 'Pod', true, { shortNames: ['po'] }),
    r('', 'v1', 'configmaps', 'ConfigMap', true, { shortNames: ['cm'] }),
    r('', 'v1', 'namespaces', 'Namespace', false, { shortNames: ['ns'] }),
    r('', 'v1', 'persistentvolumes', 'PersistentVolume', false, { shortNames: ['pv'] }),
    r('', 'v1', 'events', 'Event', true, { shortNames: ['ev'] }),
    r('', 'v1', 'bindings', 'Binding', true, { verbs: ['create'] }),
    r('', 'v1', 'componentstatuses', 'ComponentStatus', false, { verbs: ['get', 'list'] }),
    r('apps', 'v1', 'deployments', 'Deployment', true, { shortNames: ['deploy'] }),
    r('events.k8s.io', 'v1', 'events', 'Event', true, { shortNames: ['ev'] }),
    r('example.com', 'v1', 'widgets', 'Widget'),
    r('example.com', 'v2', 'widgets', 'Widget'),
    r('example.com', 'v1beta1', 'widgets', 'Widget'),
    r('example.com', 'v1beta1', 'gadgets', 'Gadget', false)
  ],
  failures: [{ groupVersion: 'metrics.k8s.io/v1beta1', message: 'service unavailable' }]
};

const grs = (list: { groupResource: string }[]) => list.map((s) => s.groupResource);

describe('backupableResources', () => {
  it('takes each resource once, at its most preferred version, with the verbs a backup needs', () => {
    const resources = backupableResources(discovery);
    expect(grs(resources)).toEqual(['configmaps', 'deployments.apps', 'events', 'gadgets.example.com', 'namespaces', 'persistentvolumes', 'pods', 'widgets.example.com']);
    const widgets = resources.find((x) => x.groupResource === 'widgets.example.com')!;
    expect(widgets.resource.version).toBe('v1');
    expect(widgets.otherVersions).toEqual(['v2', 'v1beta1']);
    // Served only at a non-preferred version: taken there.
    expect(resources.find((x) => x.groupResource === 'gadgets.example.com')!.resource.version).toBe('v1beta1');
  });
});

describe('resolveResourceName', () => {
  const candidates = backupableResources(discovery);
  it.each([
    ['deploy', ['deployments.apps']],
    ['Deployment', ['deployments.apps']],
    ['deployments', ['deployments.apps']],
    ['deployments.apps', ['deployments.apps']],
    ['deployment.apps', ['deployments.apps']],
    ['cm', ['configmaps']],
    ['pods', ['pods']],
    ['widgets.example.com', ['widgets.example.com']],
    ['deployments.extensions', []],
    ['nothing', []]
  ])('%s → %j', (raw, expected) => expect(resolveResourceName(raw, candidates)).toEqual(expected));
});

describe('planBackupScope', () => {
  it('includes everything, and every cluster-scoped resource, by default', () => {
    const scope = planBackupScope(discovery, ALL_FILTERS);
    expect(scope.allNamespaces).toBe(true);
    expect(scope.clusterScopeMode).toBe('all');
    expect(grs(scope.namespaced)).toEqual(['configmaps', 'deployments.apps', 'events', 'pods', 'widgets.example.com']);
    expect(grs(scope.clusterScoped)).toEqual(['gadgets.example.com', 'persistentvolumes']);
    expect(scope.namespacesResource?.resource.kind).toBe('Namespace');
    expect(scope.literalNamespaces).toEqual([]);
    expect(scope.warnings).toEqual(['discovery of metrics.k8s.io/v1beta1 failed, its resources are not backed up: service unavailable']);
  });

  it('takes only related cluster-scoped items with a namespace subset, unless told', () => {
    const subset = { ...ALL_FILTERS, includeNamespaces: ['team-*', 'app?'], excludeNamespaces: ['team-secret'] };
    const scope = planBackupScope(discovery, subset);
    expect(scope.allNamespaces).toBe(false);
    expect(scope.clusterScopeMode).toBe('related');
    expect(['team-a', 'app1', 'team-secret', 'app12', 'default'].filter(scope.includesNamespace)).toEqual(['team-a', 'app1']);
    expect(planBackupScope(discovery, { ...subset, includeNamespaces: ['team-a', 'db-*', 'prod'] }).literalNamespaces).toEqual(['team-a', 'prod']);
    expect(planBackupScope(discovery, { ...subset, includeClusterResources: true }).clusterScopeMode).toBe('all');
    expect(planBackupScope(discovery, { ...ALL_FILTERS, includeClusterResources: false }).clusterScopeMode).toBe('none');
    expect(planBackupScope(discovery, { ...ALL_FILTERS, excludeNamespaces: ['kube-system'] }).clusterScopeMode).toBe('related');
  });

  it('applies resource includes and excludes', () => {
    const scope = planBackupScope(discovery, { ...ALL_FILTERS, includeResources: ['deploy', 'cm', 'pv', 'widgets.example.com'], excludeResources: ['cm'] });
    expect(grs(scope.namespaced)).toEqual(['deployments.apps', 'widgets.example.com']);
    expect(grs(scope.clusterScoped)).toEqual(['persistentvolumes']);
    expect(scope.namespacesResource).toBeUndefined();
  });

  it('refuses an unknown included resource with a suggestion, and warns on an unknown exclude', () => {
    expect(() => planBackupScope(discovery, { ...ALL_FILTERS, includeResources: ['deploymnets'] })).toThrow(
      "Input 'include-resources': 'deploymnets' is not a resource this cluster serves. Did you mean deployments.apps?"
    );
    const scope = planBackupScope(discovery, { ...ALL_FILTERS, excludeResources: ['gizmos'] });
    expect(scope.warnings).toContain("exclude-resources: 'gizmos' is not a resource this cluster serves; nothing to exclude");
  });
});
