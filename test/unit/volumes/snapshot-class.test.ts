import { describe, expect, it } from '@jest/globals';
import type { KubeObject } from '../../../src/model/kube-object.js';
import { chooseSnapshotClass } from '../../../src/volumes/snapshot-class.js';

const cls = (name: string, driver: string, extra: { labels?: Record<string, string>; annotations?: Record<string, string> } = {}): KubeObject =>
  ({ apiVersion: 'snapshot.storage.k8s.io/v1', kind: 'VolumeSnapshotClass', metadata: { name, ...extra }, driver, deletionPolicy: 'Delete' }) as KubeObject;
const claim = (annotations: Record<string, string> = {}): KubeObject => ({ apiVersion: 'v1', kind: 'PersistentVolumeClaim', metadata: { name: 'c', namespace: 'n', annotations } });
const D = 'ebs.csi.aws.com';

describe("Velero's choice of VolumeSnapshotClass", () => {
  const classes = [cls('other', 'pd.csi.storage.gke.io'), cls('plain', D), cls('labelled', D, { labels: { 'velero.io/csi-volumesnapshot-class': 'true' } }), cls('default', D, { annotations: { 'snapshot.storage.kubernetes.io/is-default-class': 'false' } })];

  it.each<[string, KubeObject[], KubeObject, Record<string, string>, string | undefined]>([
    ['the claim annotation first', classes, claim({ 'velero.io/csi-volumesnapshot-class': 'plain' }), { [D]: 'default' }, 'plain'],
    ['the claim annotation, names compared without case', classes, claim({ 'velero.io/csi-volumesnapshot-class': 'PLAIN' }), {}, 'plain'],
    ['past a claim annotation naming another driver', classes, claim({ 'velero.io/csi-volumesnapshot-class': 'other' }), {}, 'labelled'],
    ['past a claim annotation naming a missing class', classes, claim({ 'velero.io/csi-volumesnapshot-class': 'gone' }), {}, 'labelled'],
    ["the backup's per-driver class next", classes, claim(), { [D]: 'default' }, 'default'],
    ['the labelled class next', classes, claim(), {}, 'labelled'],
    ['the default-class annotation (presence, even "false") next', classes.filter((c) => c.metadata.name !== 'labelled'), claim(), {}, 'default'],
    ['the only class of the driver last', [cls('only', D), cls('other', 'x')], claim(), {}, 'only'],
    ['none when several and none chosen', [cls('a', D), cls('b', D)], claim(), {}, undefined],
    ['none for a driver without classes', [cls('other', 'x')], claim(), {}, undefined]
  ])('%s', (_what, list, pvc, byDriver, expected) => {
    const choice = chooseSnapshotClass(D, list, pvc, byDriver);
    expect(choice.name).toBe(expected);
    if (!expected) expect(choice.reason).toContain(D);
  });
});
