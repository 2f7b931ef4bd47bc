import { describe, expect, it } from '@jest/globals';
import type { KubeObject } from '../../../src/model/kube-object.js';
import { RESTORE_WAIT_CONTAINER, withRestoreWaitContainer } from '../../../src/volumes/restore-wait.js';

const pod: KubeObject = {
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name: 'p', namespace: 'ns' },
  spec: {
    initContainers: [{ name: 'migrate', image: 'app' }, { name: RESTORE_WAIT_CONTAINER, image: 'old' }],
    containers: [{ name: 'app', image: 'app' }],
    volumes: [{ name: 'cache', emptyDir: {} }]
  }
};

describe('withRestoreWaitContainer', () => {
  it('puts the wait container first, mounting each volume, and replaces one left by an earlier restore', () => {
    const result = withRestoreWaitContainer(pod, ['cache'], 'busybox:1');
    const init = (result.spec as { initContainers: { name: string; image: string; volumeMounts?: unknown[]; command?: string[] }[] }).initContainers;
    expect(init.map((c) => c.name)).toEqual([RESTORE_WAIT_CONTAINER, 'migrate']);
    expect(init[0]).toMatchObject({ image: 'busybox:1', volumeMounts: [{ name: 'cache', mountPath: '/kube-backup-restore/cache' }] });
    expect(init[0]!.command!.slice(-1)).toEqual(['cache']);
  });

  it('leaves the input unchanged', () => {
    const before = structuredClone(pod);
    withRestoreWaitContainer(pod, ['cache'], 'busybox:1');
    expect(pod).toEqual(before);
  });
});
