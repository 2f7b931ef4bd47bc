import { describe, expect, it } from '@jest/globals';
import { NEVER_RESTORED, restoreWaves } from '../../../src/restore/plan/order.js';

describe('restoreWaves', () => {
  it('puts CRDs first, then each priority resource in its own wave, then all others together, alphabetically', () => {
    const waves = restoreWaves([
      'widgets.example.com',
      'deployments.apps',
      'services',
      'pods',
      'configmaps',
      'customresourcedefinitions.apiextensions.k8s.io',
      'namespaces',
      'persistentvolumeclaims',
      'persistentvolumes',
      'serviceaccounts',
      'secrets',
      'ingresses.networking.k8s.io',
      'replicasets.apps',
      'rolebindings.rbac.authorization.k8s.io',
      'clusterroles.rbac.authorization.k8s.io',
      'statefulsets.apps'
    ]);
    expect(waves).toEqual([
      ['customresourcedefinitions.apiextensions.k8s.io'],
      ['namespaces'],
      ['persistentvolumes'],
      ['persistentvolumeclaims'],
      ['clusterroles.rbac.authorization.k8s.io'],
      ['serviceaccounts'],
      ['rolebindings.rbac.authorization.k8s.io'],
      ['secrets'],
      ['configmaps'],
      ['pods'],
      ['replicasets.apps'],
      ['services'],
      ['deployments.apps', 'ingresses.networking.k8s.io', 'statefulsets.apps', 'widgets.example.com']
    ]);
  });

  it('leaves out resources that are never restored, and empty waves', () => {
    expect(restoreWaves(['nodes', 'events', 'events.events.k8s.io', 'backups.velero.io', 'configmaps'])).toEqual([['configmaps']]);
    expect(restoreWaves([])).toEqual([]);
  });

  it("puts Velero's Cluster API low priorities after everything else", () => {
    expect(restoreWaves(['clusters.cluster.x-k8s.io', 'machines.cluster.x-k8s.io', 'clusterclasses.cluster.x-k8s.io'])).toEqual([
      ['clusterclasses.cluster.x-k8s.io'],
      ['machines.cluster.x-k8s.io'],
      ['clusters.cluster.x-k8s.io']
    ]);
  });

  it('has Velero’s never-restored list', () => {
    expect([...NEVER_RESTORED].sort()).toEqual(
      [
        'backuprepositories.velero.io',
        'backups.velero.io',
        'csinodes.storage.k8s.io',
        'events',
        'events.events.k8s.io',
        'nodes',
        'resticrepositories.velero.io',
        'restores.velero.io',
        'volumeattachments.storage.k8s.io'
      ].sort()
    );
  });
});
