import { describe, expect, it } from '@jest/globals';
import { annotationWantsCopy, neverCopiedReason, podVolumes, wholeVolumeMounts } from '../../../src/backup/pod-volumes.js';
import type { KubeObject } from '../../../src/model/kube-object.js';

function pod(annotations: Record<string, string> = {}): KubeObject {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: 'p', namespace: 'ns', annotations },
    spec: {
      containers: [
        {
          name: 'app',
          volumeMounts: [
            { name: 'data', mountPath: '/data' },
            { name: 'cache', mountPath: '/cache' },
            { name: 'part', mountPath: '/part', subPath: 'x' },
            { name: 'conf', mountPath: '/conf' },
            { name: 'creds', mountPath: '/creds' },
            { name: 'node', mountPath: '/node' },
            { name: 'info', mountPath: '/info' },
            { name: 'proj', mountPath: '/proj' },
            { name: 'default-token-abcde', mountPath: '/var/run/secrets' }
          ],
          volumeDevices: [{ name: 'raw', devicePath: '/dev/raw' }]
        },
        { name: 'sidecar', volumeMounts: [{ name: 'data', mountPath: '/srv/data', readOnly: true }] }
      ],
      volumes: [
        { name: 'data', persistentVolumeClaim: { claimName: 'data-claim' } },
        { name: 'cache', emptyDir: {} },
        { name: 'part', persistentVolumeClaim: { claimName: 'part-claim' } },
        { name: 'conf', configMap: { name: 'c' } },
        { name: 'creds', secret: { secretName: 's' } },
        { name: 'node', hostPath: { path: '/var/log' } },
        { name: 'info', downwardAPI: { items: [] } },
        { name: 'proj', projected: { sources: [] } },
        { name: 'default-token-abcde', secret: { secretName: 'default-token-abcde' } },
        { name: 'raw', persistentVolumeClaim: { claimName: 'raw-claim' } },
        { name: 'unmounted', emptyDir: {} }
      ]
    }
  };
}

describe('podVolumes', () => {
  it('names each volume by its source type, with the claim of a claim volume', () => {
    const volumes = podVolumes(pod());
    expect(volumes.find((v) => v.name === 'data')).toMatchObject({ type: 'persistentVolumeClaim', claim: 'data-claim' });
    expect(volumes.find((v) => v.name === 'cache')).toMatchObject({ type: 'emptyDir' });
    expect(volumes.find((v) => v.name === 'cache')!.claim).toBeUndefined();
  });
});

describe('neverCopiedReason', () => {
  const volumes = Object.fromEntries(podVolumes(pod()).map((v) => [v.name, v]));
  it.each([
    ['conf', 'configMap'],
    ['creds', 'secret'],
    ['node', 'hostPath'],
    ['info', 'downwardAPI'],
    ['proj', 'projected'],
    ['default-token-abcde', 'secret'],
    ['raw', 'block volume'],
    ['unmounted', 'no container mounts it']
  ])('never copies %s (%s)', (name, reason) => {
    expect(neverCopiedReason(pod(), volumes[name]!)).toContain(reason);
  });
  it.each(['data', 'cache', 'part'])('may copy %s', (name) => {
    expect(neverCopiedReason(pod(), volumes[name]!)).toBeUndefined();
  });
});

describe('annotationWantsCopy', () => {
  it.each([
    [{ 'backup.velero.io/backup-volumes': 'data,cache' }, false, 'data', true],
    [{ 'backup.velero.io/backup-volumes': 'data, cache' }, false, 'cache', true],
    [{ 'backup.velero.io/backup-volumes': 'data' }, false, 'cache', false],
    [{}, false, 'data', false],
    [{}, true, 'data', true],
    [{ 'backup.velero.io/backup-volumes-excludes': 'cache' }, true, 'cache', false],
    [{ 'backup.velero.io/backup-volumes-excludes': 'cache' }, true, 'data', true],
    // The opt-in list is not read in opt-out mode, nor the opt-out list in opt-in mode (as in Velero).
    [{ 'backup.velero.io/backup-volumes-excludes': 'data' }, false, 'data', false]
  ])('%j with default %s: %s → %s', (annotations, byDefault, volume, expected) => {
    expect(annotationWantsCopy(pod(annotations), volume, byDefault)).toBe(expected);
  });
});

describe('wholeVolumeMounts', () => {
  it('lists every container that mounts the whole volume, and none that mounts only a subPath', () => {
    expect(wholeVolumeMounts(pod(), 'data')).toEqual([
      { container: 'app', path: '/data' },
      { container: 'sidecar', path: '/srv/data' }
    ]);
    expect(wholeVolumeMounts(pod(), 'part')).toEqual([]);
  });
});
