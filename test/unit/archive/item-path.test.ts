import { describe, expect, it } from '@jest/globals';
import {
  groupResourceName,
  itemPath,
  normalizeEntryPath,
  parseItemPath,
  type ItemLocation
} from '../../../src/archive/item-path.js';

describe('groupResourceName', () => {
  it.each([
    ['pods', '', 'pods'],
    ['namespaces', '', 'namespaces'],
    ['deployments', 'apps', 'deployments.apps'],
    ['customresourcedefinitions', 'apiextensions.k8s.io', 'customresourcedefinitions.apiextensions.k8s.io']
  ])('%s in group %j is %s', (resource, group, expected) => {
    expect(groupResourceName(resource, group)).toBe(expected);
  });
});

describe('itemPath and parseItemPath', () => {
  const cases: [ItemLocation, string][] = [
    [{ groupResource: 'pods', namespace: 'ns', name: 'web-0' }, 'resources/pods/namespaces/ns/web-0.json'],
    [{ groupResource: 'namespaces', name: 'ns' }, 'resources/namespaces/cluster/ns.json'],
    [{ groupResource: 'persistentvolumes', name: 'pv-1' }, 'resources/persistentvolumes/cluster/pv-1.json'],
    [
      { groupResource: 'deployments.apps', namespace: 'ns', name: 'web', version: 'v1', preferred: true },
      'resources/deployments.apps/v1-preferredversion/namespaces/ns/web.json'
    ],
    [
      { groupResource: 'horizontalpodautoscalers.autoscaling', namespace: 'ns', name: 'h', version: 'v2beta2' },
      'resources/horizontalpodautoscalers.autoscaling/v2beta2/namespaces/ns/h.json'
    ],
    [
      {
        groupResource: 'customresourcedefinitions.apiextensions.k8s.io',
        name: 'widgets.example.com',
        version: 'v1',
        preferred: true
      },
      'resources/customresourcedefinitions.apiextensions.k8s.io/v1-preferredversion/cluster/widgets.example.com.json'
    ],
    [{ groupResource: 'configmaps', namespace: 'ns', name: 'my.config' }, 'resources/configmaps/namespaces/ns/my.config.json'],
    // A namespace called like a scope folder, and a CRD version that is not v<N>: still unambiguous.
    [{ groupResource: 'pods', namespace: 'cluster', name: 'p' }, 'resources/pods/namespaces/cluster/p.json'],
    [
      { groupResource: 'widgets.example.com', namespace: 'ns', name: 'w', version: 'stable', preferred: true },
      'resources/widgets.example.com/stable-preferredversion/namespaces/ns/w.json'
    ]
  ];

  it.each(cases)('%j is %s', (location, path) => {
    expect(itemPath(location)).toBe(path);
  });

  it.each(cases)('%j round-trips through parseItemPath', (location, path) => {
    const parsed = parseItemPath(path)!;
    expect(parsed).toBeDefined();
    expect(parsed.groupResource).toBe(location.groupResource);
    expect(parsed.name).toBe(location.name);
    expect(parsed.namespace).toBe(location.namespace);
    expect(parsed.versionDir).toEqual(
      location.version ? { version: location.version, preferred: location.preferred ?? false } : undefined
    );
    expect(itemPath({ ...parsed, version: parsed.versionDir?.version, preferred: parsed.versionDir?.preferred })).toBe(path);
  });

  it('splits the group resource at its first dot', () => {
    expect(parseItemPath('resources/customresourcedefinitions.apiextensions.k8s.io/cluster/x.json')).toEqual({
      groupResource: 'customresourcedefinitions.apiextensions.k8s.io',
      resource: 'customresourcedefinitions',
      group: 'apiextensions.k8s.io',
      name: 'x'
    });
    expect(parseItemPath('resources/pods/namespaces/ns/a.b.json')).toEqual({
      groupResource: 'pods',
      resource: 'pods',
      group: '',
      namespace: 'ns',
      name: 'a.b'
    });
  });

  it.each([
    'metadata/version',
    'resources',
    'resources/pods',
    'resources/pods/cluster',
    'resources/pods/cluster/x.yaml',
    'resources/pods/cluster/.json',
    'resources/pods/cluster/a/b.json',
    'resources/pods/namespaces/x.json',
    'resources/pods/namespaces/ns/sub/x.json',
    'resources/pods/v1/v1-preferredversion/cluster/x.json',
    'resources/pods/Not_A_Version/cluster/x.json',
    'resources//cluster/x.json',
    '/resources/pods/cluster/x.json',
    'other/pods/cluster/x.json'
  ])('%s is not an item', (path) => {
    expect(parseItemPath(path)).toBeUndefined();
  });

  it.each([
    [{ groupResource: 'pods', namespace: 'a/b', name: 'x' }, /namespace/],
    [{ groupResource: 'pods', name: 'a/b' }, /name/],
    [{ groupResource: 'pods', name: '' }, /name/],
    [{ groupResource: '', name: 'x' }, /resource/],
    [{ groupResource: 'pods', name: 'x', version: 'v1/x' }, /version/],
    [{ groupResource: 'pods', name: 'x', version: 'v1-preferredversion' }, /version/]
  ])('refuses to build a path from %j', (location, message) => {
    expect(() => itemPath(location)).toThrow(message);
  });

  it('drops a leading ./ from entry names, as an extraction would', () => {
    expect(normalizeEntryPath('./resources/pods/cluster/x.json')).toBe('resources/pods/cluster/x.json');
    expect(normalizeEntryPath('metadata/version')).toBe('metadata/version');
  });
});
