import { describe, expect, it } from '@jest/globals';
import { parseIncludeNames } from '../../../src/settings/include-names.js';

describe('parseIncludeNames', () => {
  it('reads namespaced and cluster-scoped entries, with globs', () => {
    expect(parseIncludeNames('shop/configmaps/settings, shop/deployments.apps/web-*\nstorageclasses.storage.k8s.io/fast, namespaces/shop, prod-?/cm/[ab]x')).toEqual([
      { entry: 'shop/configmaps/settings', namespace: 'shop', resource: 'configmaps', name: 'settings' },
      { entry: 'shop/deployments.apps/web-*', namespace: 'shop', resource: 'deployments.apps', name: 'web-*' },
      { entry: 'storageclasses.storage.k8s.io/fast', resource: 'storageclasses.storage.k8s.io', name: 'fast' },
      { entry: 'namespaces/shop', resource: 'namespaces', name: 'shop' },
      { entry: 'prod-?/cm/[ab]x', namespace: 'prod-?', resource: 'cm', name: '[ab]x' }
    ]);
    expect(parseIncludeNames(undefined)).toEqual([]);
  });

  it.each([
    ['settings', /'settings' is not <namespace>\/<resource>\/<name> or <resource>\/<name>/],
    ['a/b/c/d', /'a\/b\/c\/d' is not/],
    ['shop//settings', /is not/],
    ['shop/configmaps/set tings', /'set tings' in 'shop\/configmaps\/set tings' is not a name or name pattern/]
  ])('refuses %j, naming the input', (raw, message) => {
    expect(() => parseIncludeNames(raw, 'include-names')).toThrow(message);
    expect(() => parseIncludeNames(raw, 'include-names')).toThrow(/^Input 'include-names'/);
  });
});
