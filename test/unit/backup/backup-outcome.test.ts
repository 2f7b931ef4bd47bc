import { describe, expect, it } from '@jest/globals';
import { backupPhase, missingNamespaceWarning } from '../../../src/backup/backup-outcome.js';
import { claimsWithoutData } from '../../../src/backup/claims-without-data.js';
import { closeNames } from '../../../src/util/close-names.js';

describe('the phase of a finished backup', () => {
  const missing = [{ name: 'shopp', close: ['shop'] }];
  it.each([
    ['items, no errors', { items: 5, errors: 0, missingNamespaces: [] }, 'Completed', undefined],
    ['items and errors', { items: 5, errors: 2, missingNamespaces: [] }, 'PartiallyFailed', undefined],
    ['items, and a missing namespace beside found ones', { items: 5, errors: 0, missingNamespaces: missing }, 'Completed', undefined],
    ['0 items, nothing wrong (an empty namespace)', { items: 0, errors: 0, missingNamespaces: [] }, 'Completed', undefined],
    ['0 items because the only named namespace is missing', { items: 0, errors: 0, missingNamespaces: missing }, 'Failed', /include-namespaces names 'shopp'.*close existing names: shop/],
    ['0 items and 30 errors', { items: 0, errors: 30, missingNamespaces: [], firstError: 'cannot list configmaps: forbidden' }, 'Failed', /0 items backed up, with 30 errors; the first: cannot list configmaps: forbidden/]
  ])('%s', (_, tally, phase, failure) => {
    const outcome = backupPhase(tally);
    expect(outcome.phase).toBe(phase);
    if (failure) expect(outcome.failure).toMatch(failure);
    else expect(outcome.failure).toBeUndefined();
  });

  it('names the input, the namespace, the cluster and the close names in the warning', () => {
    expect(missingNamespaceWarning({ name: 'shopp', close: ['shop', 'shop-dev'] }, 'https://k8s:6443')).toBe(
      "include-namespaces: namespace 'shopp' does not exist in https://k8s:6443; nothing of it is backed up. Existing namespaces with close names: shop, shop-dev."
    );
  });
});

describe('close names', () => {
  it.each([
    ['shopp', ['shop', 'shop-dev', 'payments', 'kube-system'], ['shop']],
    ['shop', ['shop-dev', 'payments'], ['shop-dev']],
    ['paymnets', ['payments', 'default'], ['payments']],
    ['zzz', ['default', 'kube-system'], []],
    ['prod', ['shop-prod', 'prod-eu', 'dev'], ['prod-eu', 'shop-prod']]
  ])('%s among %j', (wanted, names, close) => {
    expect(closeNames(wanted, names)).toEqual(close);
  });
});

describe('claims whose data is not in the backup', () => {
  it('names each with the reason that applies, and leaves out copied and snapshotted ones', () => {
    const without = claimsWithoutData({
      claims: [
        { namespace: 'ns', name: 'copied', volumeName: 'pv-1' },
        { namespace: 'ns', name: 'snapped', volumeName: 'pv-2' },
        { namespace: 'ns', name: 'copy-failed', volumeName: 'pv-3' },
        { namespace: 'ns', name: 'pending', phase: 'Pending' },
        { namespace: 'ns', name: 'policy', volumeName: 'pv-5' },
        { namespace: 'ns', name: 'no-class', volumeName: 'pv-6' },
        { namespace: 'ns', name: 'plain', volumeName: 'pv-7' }
      ],
      copies: [
        { namespace: 'ns', claim: 'copied', result: 'succeeded' },
        { namespace: 'ns', claim: 'copy-failed', result: 'failed', error: 'tar exited 2' }
      ],
      snapshots: [{ namespace: 'ns', claim: 'snapped' }],
      skippedByPolicy: new Set(['pv-5']),
      snapshotSkips: new Map([['pv-6', 'csiSnapshot: the claim has no storage class;']])
    });
    expect(without).toEqual([
      { namespace: 'ns', name: 'copy-failed', reason: 'file-system copy failed: tar exited 2' },
      { namespace: 'ns', name: 'pending', reason: 'not bound to a volume (phase Pending): there is no data to take' },
      { namespace: 'ns', name: 'policy', reason: "a volume policy's skip action left it out" },
      { namespace: 'ns', name: 'no-class', reason: 'not snapshotted: the claim has no storage class' },
      { namespace: 'ns', name: 'plain', reason: 'neither copied nor snapshotted: no volume policy, default-volumes-to-fs-backup or snapshot-volumes took it' }
    ]);
  });
});
