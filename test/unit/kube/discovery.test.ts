import { describe, expect, it } from '@jest/globals';
import { parseGroups, parseResources } from '../../../src/kube/discovery.js';
import { resourcePath, splitApiVersion } from '../../../src/kube/paths.js';

describe('discovery parsing', () => {
  it('puts the preferred version first and keeps the core group', () => {
    const groups = parseGroups(
      { versions: ['v1'] },
      {
        groups: [
          { name: 'apps', versions: [{ groupVersion: 'apps/v1', version: 'v1' }], preferredVersion: { version: 'v1' } },
          {
            name: 'example.com',
            versions: [
              { groupVersion: 'example.com/v2', version: 'v2' },
              { groupVersion: 'example.com/v1', version: 'v1' },
              { groupVersion: 'example.com/v1alpha1', version: 'v1alpha1' }
            ],
            preferredVersion: { version: 'v1' }
          }
        ]
      }
    );
    expect(groups).toEqual([
      { name: '', preferredVersion: 'v1', versions: ['v1'] },
      { name: 'apps', preferredVersion: 'v1', versions: ['v1'] },
      { name: 'example.com', preferredVersion: 'v1', versions: ['v1', 'v2', 'v1alpha1'] }
    ]);
  });

  it('drops subresources and fills defaults', () => {
    const resources = parseResources({
      groupVersion: 'apps/v1',
      resources: [
        { name: 'deployments', singularName: 'deployment', namespaced: true, kind: 'Deployment', verbs: ['list', 'create'], shortNames: ['deploy'] },
        { name: 'deployments/scale', namespaced: true, kind: 'Scale', verbs: ['get'] },
        { name: 'widgets', namespaced: false, kind: 'Widget' }
      ]
    });
    expect(resources).toEqual([
      { group: 'apps', version: 'v1', name: 'deployments', kind: 'Deployment', singularName: 'deployment', namespaced: true, verbs: ['list', 'create'], shortNames: ['deploy'] },
      { group: 'apps', version: 'v1', name: 'widgets', kind: 'Widget', singularName: 'widget', namespaced: false, verbs: [], shortNames: [] }
    ]);
  });
});

describe('paths', () => {
  const pods = { group: '', version: 'v1', resource: 'pods', namespaced: true };
  const crds = { group: 'apiextensions.k8s.io', version: 'v1', resource: 'customresourcedefinitions', namespaced: false };
  it.each([
    [pods, undefined, undefined, '/api/v1/pods'],
    [pods, 'ns', undefined, '/api/v1/namespaces/ns/pods'],
    [pods, 'ns', 'web-0', '/api/v1/namespaces/ns/pods/web-0'],
    [crds, 'ignored', 'a.b', '/apis/apiextensions.k8s.io/v1/customresourcedefinitions/a.b']
  ])('%j %s %s', (ref, ns, name, expected) => {
    expect(resourcePath(ref, ns, name)).toBe(expected);
  });
  it('splits apiVersions', () => {
    expect(splitApiVersion('v1')).toEqual({ group: '', version: 'v1' });
    expect(splitApiVersion('apps/v1')).toEqual({ group: 'apps', version: 'v1' });
  });
});
