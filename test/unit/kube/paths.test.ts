import { describe, expect, it } from '@jest/globals';
import { resourcePath } from '../../../src/kube/paths.js';

const configmaps = { group: '', version: 'v1', resource: 'configmaps', namespaced: true };

describe('resourcePath', () => {
  it('addresses items and collections', () => {
    expect(resourcePath(configmaps, 'ns', 'a b')).toBe('/api/v1/namespaces/ns/configmaps/a%20b');
    expect(resourcePath({ group: 'apps', version: 'v1', resource: 'deployments', namespaced: true })).toBe('/apis/apps/v1/deployments');
  });

  it.each([['.'], ['..']])('refuses %j as a name or namespace, which URL normalisation would turn into another address', (bad) => {
    expect(() => resourcePath(configmaps, 'ns', bad)).toThrow(/is not a valid object or namespace name/);
    expect(() => resourcePath(configmaps, bad, 'x')).toThrow(/is not a valid object or namespace name/);
  });

  it('refuses an empty name, which would address the whole collection', () => {
    expect(() => resourcePath(configmaps, 'ns', '')).toThrow(/is not a valid object name/);
  });
});
