import { describe, expect, it } from '@jest/globals';
import { chooseVersion, compareKubeAwareVersions, noCommonVersionMessage, type BackedUpVersion } from '../../../src/restore/plan/versions.js';

const v = (version: string, preferred = false): BackedUpVersion => ({ version, preferred });

describe('chooseVersion', () => {
  it.each<[string, BackedUpVersion[], string[], string | undefined, { version: string; preferred: boolean } | undefined]>([
    ['same preferred on both sides', [v('v1', true), v('v1beta1')], ['v1', 'v1beta1'], undefined, { version: 'v1', preferred: true }],
    ['target preferred, present in the backup though not preferred there', [v('v1beta1', true), v('v1')], ['v1', 'v1beta1'], undefined, { version: 'v1', preferred: false }],
    ['target preferred absent from the backup: the backup preferred, served by the target', [v('v1beta1', true)], ['v1', 'v1beta1'], 'v1', { version: 'v1beta1', preferred: true }],
    ['neither preferred common: the highest common version', [v('v2', true), v('v1beta2'), v('v1alpha1')], ['v3', 'v1beta2', 'v1alpha1'], 'v3', { version: 'v1beta2', preferred: false }],
    ['nothing in common', [v('v1beta1', true)], ['v1'], 'v1', undefined],
    ['resource not served at all', [v('v1', true)], [], undefined, undefined],
    ['explicit target preferred overrides the first served', [v('v1', true), v('v2')], ['v1', 'v2'], 'v2', { version: 'v2', preferred: false }]
  ])('%s', (_name, backedUp, served, preferred, expected) => {
    expect(chooseVersion(backedUp, served, preferred)).toEqual(expected);
  });

  it('explains a missing common version', () => {
    expect(noCommonVersionMessage('widgets.example.com', [v('v1beta1', true)], ['v1'])).toBe(
      'widgets.example.com: the backup holds version(s) v1beta1 but the target cluster serves v1; no common version to restore'
    );
    expect(noCommonVersionMessage('widgets.example.com', [v('v1', true)], [])).toContain('serves none (the resource is not served)');
  });
});

describe('compareKubeAwareVersions', () => {
  it("sorts as Kubernetes' version priority", () => {
    const sorted = ['v1beta1', 'foo10', 'v1', 'v11alpha2', 'v12alpha1', 'v2', 'v10beta3', 'v3beta1', 'v11beta2', 'foo1', 'v10'].sort(compareKubeAwareVersions);
    expect(sorted).toEqual(['v10', 'v2', 'v1', 'v11beta2', 'v10beta3', 'v3beta1', 'v1beta1', 'v12alpha1', 'v11alpha2', 'foo1', 'foo10']);
  });
});
