import { describe, expect, it } from '@jest/globals';
import { deletionHazard } from '../../../src/restore/deletion-hazard.js';
import { claimMayKeepVolume } from '../../../src/restore/transform/pvc.js';

describe('deletionHazard: what recreate may delete', () => {
  const noneAllowed = () => false;
  it.each([
    ['namespaces', /everything in it/],
    ['customresourcedefinitions.apiextensions.k8s.io', /every custom resource/],
    ['persistentvolumes', /data/],
    ['persistentvolumeclaims', /data/],
    ['serviceaccounts', /token Secrets/],
    ['apiservices.apiregistration.k8s.io', /API group/],
    ['mutatingwebhookconfigurations.admissionregistration.k8s.io', /unchecked/],
    ['validatingwebhookconfigurations.admissionregistration.k8s.io', /unchecked/],
    ['widgets.example.com', /operator/],
    ['volumesnapshotcontents.snapshot.storage.k8s.io', /operator/]
  ])('never deletes %s', (groupResource, reason) => {
    expect(deletionHazard(groupResource, noneAllowed)).toMatch(reason);
  });

  it.each(['configmaps', 'secrets', 'deployments.apps', 'jobs.batch', 'roles.rbac.authorization.k8s.io', 'ingresses.networking.k8s.io', 'storageclasses.storage.k8s.io'])('may delete %s', (groupResource) => {
    expect(deletionHazard(groupResource, noneAllowed)).toBeUndefined();
  });

  it('may delete custom resources the user allows, never the destructive built-ins', () => {
    expect(deletionHazard('widgets.example.com', (gr) => gr === 'widgets.example.com')).toBeUndefined();
    expect(deletionHazard('namespaces', () => true)).toMatch(/everything in it/);
  });
});

describe('claimMayKeepVolume', () => {
  const claim = { namespace: 'copy', name: 'data' };
  it.each([
    ['a volume this run restores, absent from the target', { restored: new Set(['pv1']) }, true],
    ['a volume neither restored nor in the target', { restored: new Set<string>() }, false],
    ['a free volume in the target', { restored: new Set<string>(), existing: new Map([['pv1', null]]) }, true],
    ['a volume in the target bound to this claim', { restored: new Set<string>(), existing: new Map([['pv1', { namespace: 'copy', name: 'data' }]]) }, true],
    ['a volume in the target bound to the original claim (a same-cluster clone)', { restored: new Set(['pv1']), existing: new Map([['pv1', { namespace: 'orig', name: 'data' }]]) }, false]
  ])('%s: %s', (_what, volumes, expected) => {
    expect(claimMayKeepVolume('pv1', claim, volumes)).toBe(expected);
  });
});
