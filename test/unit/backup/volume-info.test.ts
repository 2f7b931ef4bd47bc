import { describe, expect, it } from '@jest/globals';
import { COPIED_REASON, NOT_BACKED_UP_REASON, POLICY_SKIP_REASON, volumeInfoEntries } from '../../../src/backup/volume-info.js';
import type { VolumeCopyRecord } from '../../../src/volumes/volume-copy-record.js';

const copy = (pv: string, result: 'succeeded' | 'failed') => ({ namespace: 'ns', claim: pv, persistentVolume: pv, result }) as VolumeCopyRecord;

describe("Velero's volumeinfo for our copies", () => {
  it('records every volume in scope as skipped (never PodVolumeBackup), with the reason that applies', () => {
    const entries = volumeInfoEntries({
      volumes: [
        { name: 'pv-copied', reclaimPolicy: 'Delete', claim: { namespace: 'ns', name: 'a' } },
        { name: 'pv-failed', reclaimPolicy: 'Retain', labels: { x: 'y' } },
        { name: 'pv-policy' },
        { name: 'pv-other' }
      ],
      copies: [copy('pv-copied', 'succeeded'), copy('pv-failed', 'failed')],
      snapshots: [],
      skippedByPolicy: new Set(['pv-policy'])
    });
    expect(entries).toEqual([
      { pvcName: 'a', pvcNamespace: 'ns', pvName: 'pv-copied', snapshotDataMoved: false, preserveLocalSnapshot: false, skipped: true, skippedReason: COPIED_REASON, pvInfo: { reclaimPolicy: 'Delete', labels: null } },
      { pvName: 'pv-failed', snapshotDataMoved: false, preserveLocalSnapshot: false, skipped: true, skippedReason: NOT_BACKED_UP_REASON, pvInfo: { reclaimPolicy: 'Retain', labels: { x: 'y' } } },
      { pvName: 'pv-policy', snapshotDataMoved: false, preserveLocalSnapshot: false, skipped: true, skippedReason: POLICY_SKIP_REASON, pvInfo: { reclaimPolicy: '', labels: null } },
      { pvName: 'pv-other', snapshotDataMoved: false, preserveLocalSnapshot: false, skipped: true, skippedReason: NOT_BACKED_UP_REASON, pvInfo: { reclaimPolicy: '', labels: null } }
    ]);
  });
});
