import { describe, expect, it } from '@jest/globals';
import { chooseVolumeAction, chooseVolumePolicy, volumeFactsFrom, type VolumeFacts } from '../../../src/backup/volume-policy.js';
import type { KubeObject } from '../../../src/model/kube-object.js';
import { parseVolumePolicies, type VolumeConditions, type VolumePolicies } from '../../../src/settings/volume-policies.js';
import { parseQuantity } from '../../../src/util/quantity.js';

// ---- objects as the API returns them ---------------------------------------------------------------------------

function pv(name: string, spec: Record<string, unknown>): KubeObject {
  return { apiVersion: 'v1', kind: 'PersistentVolume', metadata: { name }, spec };
}
function pvc(labels: Record<string, string> = {}, phase = 'Bound'): KubeObject {
  return { apiVersion: 'v1', kind: 'PersistentVolumeClaim', metadata: { name: 'data', namespace: 'app', labels }, spec: {}, status: { phase } };
}

const ebs = (storage = '5Gi', storageClassName = 'gp2') =>
  pv('pv-ebs', { capacity: { storage }, storageClassName, csi: { driver: 'ebs.csi.aws.com', volumeHandle: 'vol-1', volumeAttributes: { type: 'gp3', encrypted: 'true' } } });
const nfsPv = pv('pv-nfs', { capacity: { storage: '100Gi' }, storageClassName: 'nfs', nfs: { server: '10.0.0.5', path: '/exports/a' } });
const hostPathPv = pv('pv-host', { capacity: { storage: '1Gi' }, storageClassName: 'manual', hostPath: { path: '/mnt/data' } });
const localPv = pv('pv-local', { capacity: { storage: '1Gi' }, storageClassName: 'local', local: { path: '/mnt/disks/1' } });
const storageosPv = pv('pv-sos', { capacity: { storage: '1Gi' }, storageos: { volumeName: 'v' } });
const noClassPv = pv('pv-none', { capacity: { storage: '5Gi' }, storageClassName: '', csi: { driver: 'ebs.csi.aws.com', volumeHandle: 'vol-2' } });

// ---- facts ------------------------------------------------------------------------------------------------------

/** A PV with its claim (null: a PV without one). */
const claim = (volume = ebs(), claimObject: KubeObject | null = pvc({ app: 'db', env: 'prod' })) => volumeFactsFrom({ pv: volume, pvc: claimObject ?? undefined });
const podVolume = (volume: Record<string, unknown>) => volumeFactsFrom({ podVolume: { name: 'v', ...volume } });
const emptyDir = podVolume({ emptyDir: {} });
const configMapVolume = podVolume({ configMap: { name: 'settings' } });
const inlineNfs = podVolume({ nfs: { server: '10.0.0.5', path: '/exports/a' } });
const inlineCsi = podVolume({ csi: { driver: 'secrets-store.csi.k8s.io', volumeAttributes: { secretProviderClass: 'vault' } } });
const unbound = volumeFactsFrom({ pvc: pvc({ app: 'db' }, 'Pending'), podVolume: { name: 'data', persistentVolumeClaim: { claimName: 'data' } } });

/** One policy with these conditions (written as YAML flow or block), whose action is skip. */
const onePolicy = (conditions: string): VolumePolicies => parseVolumePolicies(`version: v1\nvolumePolicies:\n- conditions: ${conditions}\n  action: {type: skip}\n`);
const matches = (conditions: string, volume: VolumeFacts) => chooseVolumeAction(onePolicy(conditions), volume) !== undefined;

type Case = [name: string, conditions: string, volume: VolumeFacts, expected: boolean];

describe('chooseVolumeAction: each condition as Velero matches it', () => {
  describe('capacity: inclusive; a zero bound is open; capacity comes from PV.spec.capacity.storage', () => {
    it.each<Case>([
      ['up to 10Gi, 5Gi PV', '{capacity: "0,10Gi"}', claim(), true],
      ['up to 10Gi (empty lower), 5Gi PV', '{capacity: ",10Gi"}', claim(), true],
      ['10Gi and more, 5Gi PV', '{capacity: "10Gi,"}', claim(), false],
      ['10Gi and more (zero upper), 50Gi PV', '{capacity: "10Gi,0"}', claim(ebs('50Gi')), true],
      ['lower bound inclusive', '{capacity: "5Gi,10Gi"}', claim(), true],
      ['upper bound inclusive', '{capacity: "1Gi,5Gi"}', claim(), true],
      ['just above the upper bound', '{capacity: "1Gi,5Gi"}', claim(ebs('5121Mi')), false],
      ['just below the lower bound', '{capacity: "5Gi,10Gi"}', claim(ebs('5119Mi')), false],
      ['exact across suffixes: 1073741824 is 1Gi', '{capacity: "1Gi,1Gi"}', claim(ebs('1073741824')), true],
      ['decimal G is below binary Gi', '{capacity: "1Gi,2Gi"}', claim(ebs('1G')), false],
      ['"," is any capacity', '{capacity: ","}', claim(ebs('1Ei')), true],
      ['"0,0" is any capacity', '{capacity: "0,0"}', claim(), true],
      ['no capacity is any capacity', '{}', claim(ebs('1Pi')), true],
      ['a PV without spec.capacity has 0: matches up-to ranges', '{capacity: ",1Gi"}', claim(pv('bare', { csi: { driver: 'd' } })), true],
      ['a PV without spec.capacity has 0: not a lower bound', '{capacity: "1,"}', claim(pv('bare', { csi: { driver: 'd' } })), false],
      ['a pod volume has 0: matches when the lower bound is 0', '{capacity: "0,10Gi"}', emptyDir, true],
      ['a pod volume has 0: "," matches', '{capacity: ","}', emptyDir, true],
      ['a pod volume has 0: never a non-zero lower bound', '{capacity: "1,"}', emptyDir, false],
      ['a pod volume has 0: never a closed range', '{capacity: "1Gi,10Gi"}', emptyDir, false],
      ['an unbound claim has 0', '{capacity: "1Gi,"}', unbound, false],
      ['an unbound claim has 0, up-to range', '{capacity: ",1Gi"}', unbound, true]
    ])('%s', (_name, conditions, volume, expected) => expect(matches(conditions, volume)).toBe(expected));
  });

  describe('storageClass: PV.spec.storageClassName in the list, exactly', () => {
    it.each<Case>([
      ['listed', '{storageClass: [standard, gp2]}', claim(), true],
      ['not listed', '{storageClass: [standard]}', claim(), false],
      ['case-sensitive', '{storageClass: [GP2]}', claim(), false],
      ['empty list: no condition', '{storageClass: []}', claim(), true],
      ['a PV without a class never matches', '{storageClass: [""]}', claim(noClassPv), false],
      ['a pod volume never matches (class "")', '{storageClass: [gp2]}', emptyDir, false],
      ['an unbound claim never matches (Velero reads the PV class)', '{storageClass: [gp2]}', unbound, false]
    ])('%s', (_name, conditions, volume, expected) => expect(matches(conditions, volume)).toBe(expected));
  });

  describe('nfs: {} is any NFS volume; server and path must be equal when given', () => {
    it.each<Case>([
      ['{} on an NFS PV', '{nfs: {}}', claim(nfsPv), true],
      ['{} on a CSI PV', '{nfs: {}}', claim(), false],
      ['server', '{nfs: {server: 10.0.0.5}}', claim(nfsPv), true],
      ['other server', '{nfs: {server: 10.0.0.6}}', claim(nfsPv), false],
      ['path', '{nfs: {path: /exports/a}}', claim(nfsPv), true],
      ['other path', '{nfs: {path: /exports/b}}', claim(nfsPv), false],
      ['server and path', '{nfs: {server: 10.0.0.5, path: /exports/a}}', claim(nfsPv), true],
      ['server right, path wrong', '{nfs: {server: 10.0.0.5, path: /exports/b}}', claim(nfsPv), false],
      ['an inline NFS pod volume', '{nfs: {server: 10.0.0.5}}', inlineNfs, true],
      ['an emptyDir', '{nfs: {}}', emptyDir, false],
      ['an unbound claim', '{nfs: {}}', unbound, false]
    ])('%s', (_name, conditions, volume, expected) => expect(matches(conditions, volume)).toBe(expected));
  });

  describe('csi: {} is any CSI volume; driver equal; volumeAttributes a subset of the volume’s', () => {
    it.each<Case>([
      ['{} on a CSI PV', '{csi: {}}', claim(), true],
      ['{} on an NFS PV', '{csi: {}}', claim(nfsPv), false],
      ['driver', '{csi: {driver: ebs.csi.aws.com}}', claim(), true],
      ['other driver', '{csi: {driver: efs.csi.aws.com}}', claim(), false],
      ['driver and one attribute', '{csi: {driver: ebs.csi.aws.com, volumeAttributes: {type: gp3}}}', claim(), true],
      ['driver and all attributes', '{csi: {driver: ebs.csi.aws.com, volumeAttributes: {type: gp3, encrypted: "true"}}}', claim(), true],
      ['attribute with another value', '{csi: {driver: ebs.csi.aws.com, volumeAttributes: {type: io2}}}', claim(), false],
      ['attribute the volume lacks', '{csi: {driver: ebs.csi.aws.com, volumeAttributes: {iops: "3000"}}}', claim(), false],
      ['attribute on a volume without attributes', '{csi: {driver: ebs.csi.aws.com, volumeAttributes: {type: gp3}}}', claim(noClassPv), false],
      ['an inline CSI pod volume', '{csi: {driver: secrets-store.csi.k8s.io, volumeAttributes: {secretProviderClass: vault}}}', inlineCsi, true],
      ['an emptyDir', '{csi: {}}', emptyDir, false]
    ])('%s', (_name, conditions, volume, expected) => expect(matches(conditions, volume)).toBe(expected));
  });

  describe('volumeTypes: from the PV source or the pod volume type, case-sensitive', () => {
    it.each<Case>([
      ['csi PV', '{volumeTypes: [csi]}', claim(), true],
      ['nfs PV', '{volumeTypes: [nfs]}', claim(nfsPv), true],
      ['hostPath PV', '{volumeTypes: [local, hostPath]}', claim(hostPathPv), true],
      ['hostPath PV is not local', '{volumeTypes: [local]}', claim(hostPathPv), false],
      ['local PV', '{volumeTypes: [local]}', claim(localPv), true],
      ['the storageos field is storageOS', '{volumeTypes: [storageOS]}', claim(storageosPv), true],
      ['emptyDir pod volume', '{volumeTypes: [emptyDir]}', emptyDir, true],
      ['configMap pod volume matches configMap', '{volumeTypes: [configMap]}', configMapVolume, true],
      ['configMap pod volume is not emptyDir', '{volumeTypes: [emptyDir]}', configMapVolume, false],
      ['inline nfs pod volume', '{volumeTypes: [nfs]}', inlineNfs, true],
      ['a source Velero does not name has no type', '{volumeTypes: [emptyDir, csi]}', podVolume({ image: { reference: 'r' } }), false],
      ['an unbound claim has no type', '{volumeTypes: [csi]}', unbound, false]
    ])('%s', (_name, conditions, volume, expected) => expect(matches(conditions, volume)).toBe(expected));

    it('never matches `configmap`: the parser refuses it, and Velero, which accepts it, compares case-sensitively', () => {
      expect(() => onePolicy('{volumeTypes: [configmap]}')).toThrow(/did you mean 'configMap'/);
      // The policy Velero would build from it:
      const veleroAccepted: VolumePolicies = { version: 'v1', volumePolicies: [{ index: 0, conditions: { volumeTypes: ['configmap'] } as unknown as VolumeConditions, action: { type: 'skip' } }] };
      expect(chooseVolumeAction(veleroAccepted, configMapVolume)).toBeUndefined();
    });
  });

  describe('pvcLabels: every pair on the claim; pvcPhase: the claim’s status.phase', () => {
    it.each<Case>([
      ['one label', '{pvcLabels: {env: prod}}', claim(), true],
      ['all labels', '{pvcLabels: {env: prod, app: db}}', claim(), true],
      ['a label with another value', '{pvcLabels: {env: staging}}', claim(), false],
      ['a label the claim lacks', '{pvcLabels: {env: prod, tier: gold}}', claim(), false],
      ['a PV without a claim', '{pvcLabels: {env: prod}}', claim(ebs(), null), false],
      ['a pod volume without a claim', '{pvcLabels: {env: prod}}', emptyDir, false],
      ['an unbound claim has labels', '{pvcLabels: {app: db}}', unbound, true],
      ['Bound', '{pvcPhase: [Bound]}', claim(), true],
      ['Pending or Lost, claim Bound', '{pvcPhase: [Pending, Lost]}', claim(), false],
      ['Pending, unbound claim', '{pvcPhase: [Pending]}', unbound, true],
      ['Lost', '{pvcPhase: [Lost]}', claim(ebs(), pvc({}, 'Lost')), true],
      ['a PV without a claim has no phase', '{pvcPhase: [Bound]}', claim(ebs(), null), false],
      ['a pod volume has no phase', '{pvcPhase: [Bound, Pending, Lost]}', emptyDir, false]
    ])('%s', (_name, conditions, volume, expected) => expect(matches(conditions, volume)).toBe(expected));
  });

  it('needs every condition of a policy to match', () => {
    const conditions = '{capacity: "0,10Gi", storageClass: [gp2], csi: {driver: ebs.csi.aws.com}, volumeTypes: [csi], pvcLabels: {env: prod}, pvcPhase: [Bound]}';
    expect(matches(conditions, claim())).toBe(true);
    expect(matches(conditions, claim(ebs('20Gi')))).toBe(false);
    expect(matches(conditions, claim(ebs('5Gi', 'standard')))).toBe(false);
    expect(matches(conditions, claim(ebs(), pvc({ env: 'dev' })))).toBe(false);
    expect(matches(conditions, claim(ebs(), pvc({ env: 'prod' }, 'Lost')))).toBe(false);
  });
});

describe('chooseVolumeAction: policies in order', () => {
  const policies = parseVolumePolicies(`
version: v1
volumePolicies:
- conditions: {capacity: "0,10Gi", csi: {driver: ebs.csi.aws.com}}
  action: {type: skip}
- conditions: {csi: {driver: ebs.csi.aws.com}}
  action: {type: snapshot}
- conditions: {nfs: {}}
  action: {type: fs-backup}
- conditions: {volumeTypes: [emptyDir]}
  action: {type: custom, parameters: {mover: rsync}}
`);

  it.each<[string, VolumeFacts, string | undefined]>([
    ['the first match wins when two match', claim(), 'skip'],
    ['a later policy when the first does not match', claim(ebs('50Gi')), 'snapshot'],
    ['nfs', claim(nfsPv), 'fs-backup'],
    ['emptyDir', emptyDir, 'custom'],
    ['none: undefined, so the caller falls back to its default', configMapVolume, undefined],
    ['none for a hostPath PV', claim(hostPathPv), undefined]
  ])('%s', (_name, volume, expected) => expect(chooseVolumeAction(policies, volume)?.type).toBe(expected));

  it('returns the action with its parameters, and the policy with its index', () => {
    expect(chooseVolumeAction(policies, emptyDir)).toEqual({ type: 'custom', parameters: { mover: 'rsync' } });
    expect(chooseVolumePolicy(policies, claim(nfsPv))?.index).toBe(2);
    expect(chooseVolumePolicy(policies, configMapVolume)).toBeUndefined();
  });

  it('a policy without conditions matches every volume; no policies match none', () => {
    const catchAll = parseVolumePolicies('version: v1\nvolumePolicies:\n- action: {type: fs-backup}');
    for (const volume of [claim(), emptyDir, unbound, claim(hostPathPv)]) expect(chooseVolumeAction(catchAll, volume)?.type).toBe('fs-backup');
    expect(chooseVolumeAction(parseVolumePolicies('version: v1'), claim())).toBeUndefined();
  });
});

describe('volumeFactsFrom', () => {
  it('reads a PV and its claim', () => {
    expect(volumeFactsFrom({ pv: ebs('10Gi'), pvc: pvc({ env: 'prod' }) })).toEqual({
      kind: 'pvc',
      pv: { capacity: parseQuantity('10Gi'), storageClassName: 'gp2', source: { kind: 'csi', driver: 'ebs.csi.aws.com', volumeAttributes: { type: 'gp3', encrypted: 'true' } } },
      pvc: { labels: { env: 'prod' }, phase: 'Bound' }
    });
  });

  it.each<[string, KubeObject, unknown]>([
    ['nfs', nfsPv, { kind: 'nfs', server: '10.0.0.5', path: '/exports/a' }],
    ['hostPath', hostPathPv, { kind: 'hostPath' }],
    ['local', localPv, { kind: 'other', volumeType: 'local' }],
    ['storageos', storageosPv, { kind: 'other', volumeType: 'storageOS' }],
    ['awsElasticBlockStore', pv('aws', { awsElasticBlockStore: { volumeID: 'v' } }), { kind: 'other', volumeType: 'awsElasticBlockStore' }],
    ['no known source', pv('odd', { capacity: { storage: '1Gi' } }), { kind: 'other', volumeType: '' }]
  ])('PV source %s', (_name, volume, source) => expect(volumeFactsFrom({ pv: volume })).toEqual({ kind: 'pvc', pv: expect.objectContaining({ source }) }));

  it.each<[Record<string, unknown>, unknown]>([
    [{ emptyDir: {} }, { kind: 'other', volumeType: 'emptyDir' }],
    [{ configMap: { name: 'c' } }, { kind: 'other', volumeType: 'configMap' }],
    [{ secret: { secretName: 's' } }, { kind: 'other', volumeType: 'secret' }],
    [{ projected: { sources: [] } }, { kind: 'other', volumeType: 'projected' }],
    [{ downwardAPI: {} }, { kind: 'other', volumeType: 'downwardAPI' }],
    [{ ephemeral: { volumeClaimTemplate: {} } }, { kind: 'other', volumeType: 'ephemeral' }],
    [{ hostPath: { path: '/var/log' } }, { kind: 'hostPath' }],
    [{ nfs: { server: 's', path: '/p' } }, { kind: 'nfs', server: 's', path: '/p' }],
    [{ csi: { driver: 'd' } }, { kind: 'csi', driver: 'd', volumeAttributes: {} }],
    [{ image: { reference: 'r' } }, { kind: 'other', volumeType: '' }]
  ])('pod volume %j', (volume, source) => expect(volumeFactsFrom({ podVolume: { name: 'v', ...volume } })).toEqual({ kind: 'podVolume', source }));

  it("takes a claim's pod volume on the claim's PV, or on the claim alone while it is unbound", () => {
    const podClaim = { name: 'data', persistentVolumeClaim: { claimName: 'data' } };
    expect(volumeFactsFrom({ podVolume: podClaim, pv: nfsPv, pvc: pvc() })).toEqual(volumeFactsFrom({ pv: nfsPv, pvc: pvc() }));
    expect(volumeFactsFrom({ podVolume: podClaim, pvc: pvc({}, 'Pending') })).toEqual({ kind: 'pvc', pvc: { labels: {}, phase: 'Pending' } });
    expect(volumeFactsFrom({ pvc: pvc({}, 'Lost') })).toEqual({ kind: 'pvc', pvc: { labels: {}, phase: 'Lost' } });
  });

  it('refuses nothing to describe, and a PV capacity that is not a quantity', () => {
    expect(() => volumeFactsFrom({})).toThrow(/give a PV, a PVC or a pod volume/);
    expect(() => volumeFactsFrom({ pv: ebs('5 GB') })).toThrow("PersistentVolume pv-ebs has capacity '5 GB', which is not a quantity: it contains whitespace");
  });
});
