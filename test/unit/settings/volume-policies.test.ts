import { describe, expect, it } from '@jest/globals';
import {
  parseVolumePolicies,
  PVC_PHASES,
  SUPPORTED_VOLUME_TYPES,
  VOLUME_ACTION_TYPES,
  volumePoliciesConfigMapRef,
  volumePoliciesFromConfigMapData,
  type VolumeConditions
} from '../../../src/settings/volume-policies.js';
import { InputError } from '../../../src/util/errors.js';
import { asFlags } from '../../support/input-errors.js';

/** The conditions of a one-policy document with these condition lines. */
const conditionsOf = (lines: string): VolumeConditions =>
  parseVolumePolicies(`version: v1\nvolumePolicies:\n- conditions:\n${indent(lines, 6)}\n  action:\n    type: skip\n`).volumePolicies[0]!.conditions;
const withConditions = (lines: string) => `version: v1\nvolumePolicies:\n- conditions:\n${indent(lines, 6)}\n  action:\n    type: skip\n`;
const indent = (text: string, by: number) =>
  text
    .split('\n')
    .map((line) => ' '.repeat(by) + line)
    .join('\n');
const capacityText = (range: { lower: { toString(): string }; upper: { toString(): string } } | undefined) => range && `${range.lower.toString()},${range.upper.toString()}`;

/** The InputError `fn` throws. */
function inputError(fn: () => unknown): InputError {
  try {
    fn();
  } catch (err) {
    if (err instanceof InputError) return err;
    throw err;
  }
  throw new Error('expected an InputError');
}

describe('parseVolumePolicies', () => {
  it("reads Velero's documented example, in order, with every condition and action", () => {
    const parsed = parseVolumePolicies(`
version: v1
volumePolicies:
- conditions:
    capacity: "10,100Gi"
    storageClass:
    - gp2
    - ebs-sc
    csi:
      driver: aws.efs.csi.driver
  action:
    type: skip
- conditions:
    nfs:
      server: 192.168.200.90
      path: /mnt/data
  action:
    type: fs-backup
- conditions:
    csi:
      driver: files.csi.driver
      volumeAttributes:
        protocol: nfs
  action:
    type: snapshot
- conditions:
    volumeTypes: [emptyDir, configMap]
    pvcLabels:
      environment: production
    pvcPhase: [Pending, Lost]
  action:
    type: custom
    parameters:
      plugin: my-mover
      retries: 3
      enabled: true
      nested: {a: [1, two]}
`);
    expect(parsed.version).toBe('v1');
    expect(parsed.includeExcludePolicy).toBeUndefined();
    expect(parsed.volumePolicies.map((p) => [p.index, p.action.type])).toEqual([
      [0, 'skip'],
      [1, 'fs-backup'],
      [2, 'snapshot'],
      [3, 'custom']
    ]);
    const [first, second, third, fourth] = parsed.volumePolicies.map((p) => p.conditions);
    expect(first!.capacity!.text).toBe('10,100Gi');
    expect(capacityText(first!.capacity)).toBe('10,107374182400');
    expect(first).toMatchObject({ storageClass: ['gp2', 'ebs-sc'], csi: { driver: 'aws.efs.csi.driver' } });
    expect(second).toEqual({ nfs: { server: '192.168.200.90', path: '/mnt/data' } });
    expect(third).toEqual({ csi: { driver: 'files.csi.driver', volumeAttributes: { protocol: 'nfs' } } });
    expect(fourth).toEqual({ volumeTypes: ['emptyDir', 'configMap'], pvcLabels: { environment: 'production' }, pvcPhase: ['Pending', 'Lost'] });
    // Free-form parameters keep their YAML types, as Velero's map[string]any does.
    expect(parsed.volumePolicies[3]!.action.parameters).toEqual({ plugin: 'my-mover', retries: 3, enabled: true, nested: { a: [1, 'two'] } });
    expect(parsed.volumePolicies[0]!.action.parameters).toBeUndefined();
  });

  it('takes no volumePolicies and no conditions (a policy without conditions matches every volume)', () => {
    expect(parseVolumePolicies('version: v1')).toEqual({ version: 'v1', volumePolicies: [] });
    expect(parseVolumePolicies('version: v1\nvolumePolicies:\n- action: {type: skip}').volumePolicies[0]!.conditions).toEqual({});
    expect(parseVolumePolicies('version: v1\nvolumePolicies:\n- conditions:\n  action: {type: skip}').volumePolicies[0]!.conditions).toEqual({});
    expect(parseVolumePolicies('version: v1\nvolumePolicies:\n- conditions: {}\n  action: {type: skip}').volumePolicies[0]!.conditions).toEqual({});
  });

  describe('version', () => {
    it.each<[string, RegExp]>([
      ['volumePolicies: []', /version: is missing\. Velero resource policies are version: v1/],
      ['version: v2', /version: 'v2' is not supported/],
      ['version: V1', /version: 'V1' is not supported\. Write v1 in lower case/],
      ['version: 1', /version: '1' is not supported/],
      ['version: [v1]', /version: expected a string, found a list/]
    ])('%s', (yaml, message) => expect(() => parseVolumePolicies(yaml)).toThrow(message));
  });

  describe('actions', () => {
    it.each(VOLUME_ACTION_TYPES)('%s', (type) => {
      expect(parseVolumePolicies(`version: v1\nvolumePolicies:\n- action: {type: ${type}}`).volumePolicies[0]!.action).toEqual({ type });
    });

    it.each<[string, RegExp]>([
      ['- action: {type: Skip}', /volumePolicies\[0\]\.action\.type: 'Skip' is not an action type: action types are lower-case, write skip\. Use one of skip, snapshot, fs-backup, custom/],
      ['- action: {type: delete}', /volumePolicies\[0\]\.action\.type: 'delete' is not an action type\. Use one of/],
      ['- action: {}', /volumePolicies\[0\]\.action\.type: is missing/],
      ['- conditions: {}', /volumePolicies\[0\]\.action\.type: is missing/],
      ['- action: skip', /volumePolicies\[0\]\.action: expected a mapping, found 'skip'/],
      ['- action: {type: custom, parameters: [a]}', /volumePolicies\[0\]\.action\.parameters: expected a mapping/]
    ])('refuses %s', (policy, message) => expect(() => parseVolumePolicies(`version: v1\nvolumePolicies:\n${policy}`)).toThrow(message));
  });

  describe('capacity (Velero parseCapacity and its validation)', () => {
    it.each<[string, string | undefined]>([
      ['"0,100Gi"', '0,107374182400'],
      ['",5Gi"', '0,5368709120'],
      ['"5Gi,"', '5368709120,0'],
      ['"10Gi,0"', '10737418240,0'],
      ['" 1Gi , 2Gi "', '1073741824,2147483648'],
      ['"1Gi,1Gi"', '1073741824,1073741824'],
      ['"0,0"', '0,0'],
      ['","', '0,0'],
      ['"1e3,2k"', '1000,2000'],
      ['"500m,1"', '0.5,1'],
      ['""', undefined],
      ['', undefined]
    ])('capacity: %s → %s', (value, expected) => expect(capacityText(conditionsOf(`capacity: ${value}`).capacity)).toBe(expected));

    it.each<[string, RegExp]>([
      ['"5Gi"', /capacity: '5Gi' is not a range: it needs a comma\. Write 'lower,upper'/],
      ['5', /capacity: '5' is not a range: it needs a comma/],
      ['" "', /capacity: ' ' is not a range: it needs a comma/],
      ['"1Gi,2Gi,3Gi"', /capacity: '1Gi,2Gi,3Gi' is not a range: it has 2 commas/],
      ['"100Gi,10Gi"', /capacity: '100Gi,10Gi' has its lower bound above its upper bound\. Put the smaller quantity first, or leave the upper bound empty \('100Gi,'\)/],
      ['"5GB,"', /capacity: the lower bound '5GB' is not a Kubernetes quantity: 'GB' is not a quantity suffix/],
      ['",10gi"', /capacity: the upper bound '10gi' is not a Kubernetes quantity/],
      ['[1Gi, 2Gi]', /capacity: expected a string, found a list/]
    ])('refuses capacity: %s', (value, message) => {
      expect(() => parseVolumePolicies(withConditions(`capacity: ${value}`))).toThrow(message);
      expect(inputError(() => parseVolumePolicies(withConditions(`capacity: ${value}`))).problem).toMatch(/^volumePolicies\[0\]\.conditions\.capacity: /);
    });
  });

  describe('storageClass, nfs, csi', () => {
    it.each<[string, VolumeConditions]>([
      ['storageClass: [gp2, standard]', { storageClass: ['gp2', 'standard'] }],
      ['storageClass: []', {}],
      ['storageClass:', {}],
      ['nfs: {}', { nfs: {} }],
      ['nfs:', {}],
      ['nfs: {server: 1.2.3.4}', { nfs: { server: '1.2.3.4' } }],
      ['nfs: {path: /x}', { nfs: { path: '/x' } }],
      ['nfs: {server: 1.2.3.4, path: /x}', { nfs: { server: '1.2.3.4', path: '/x' } }],
      ['csi: {}', { csi: {} }],
      ['csi: {driver: ebs.csi.aws.com}', { csi: { driver: 'ebs.csi.aws.com' } }],
      ['csi: {driver: d, volumeAttributes: {k: v, n: 2}}', { csi: { driver: 'd', volumeAttributes: { k: 'v', n: '2' } } }],
      ['csi: {driver: d, volumeAttributes: {}}', { csi: { driver: 'd' } }],
      ['csi: {volumeAttributes: }', { csi: {} }]
    ])('%s', (lines, expected) => expect(conditionsOf(lines)).toEqual(expected));

    it.each<[string, RegExp]>([
      ['storageClass: gp2', /conditions\.storageClass: expected a list, found 'gp2'/],
      ['nfs: abc', /conditions\.nfs: expected a mapping, found 'abc'/],
      ['csi: gp2', /conditions\.csi: expected a mapping, found 'gp2'/],
      ['csi: {volumeAttributes: {protocol: nfs}}', /conditions\.csi\.volumeAttributes: is given without csi\.driver\. Velero matches volume attributes only together with a driver/],
      ['csi: {volumeAttributes: {}}', /conditions\.csi\.volumeAttributes: is given without csi\.driver/],
      ['csi: {driver: d, volumeAttributes: {k: {a: b}}}', /conditions\.csi\.volumeAttributes\.k: expected a string, found a mapping/]
    ])('refuses %s', (lines, message) => expect(() => parseVolumePolicies(withConditions(lines))).toThrow(message));
  });

  describe('volumeTypes: case-sensitive SupportedVolume names', () => {
    it('takes every SupportedVolume name as written', () => {
      expect(conditionsOf(`volumeTypes: [${SUPPORTED_VOLUME_TYPES.join(', ')}]`).volumeTypes).toEqual([...SUPPORTED_VOLUME_TYPES]);
      expect(conditionsOf('volumeTypes: [configMap]').volumeTypes).toEqual(['configMap']);
    });

    it.each<[string, RegExp]>([
      // Velero decodes any string and never matches it; refused here, naming the one meant.
      ['configmap', /volumeTypes\[1\]: 'configmap' is not a volume type \(they are case-sensitive: did you mean 'configMap'\?\); Velero would accept it and never match it\. Use one of awsAzureDisk, /],
      ['EmptyDir', /did you mean 'emptyDir'/],
      ['storageos', /did you mean 'storageOS'/],
      ['persistentVolumeClaim', /'persistentVolumeClaim' is not a volume type; Velero would accept it/]
    ])('refuses %s', (value, message) => expect(() => parseVolumePolicies(withConditions(`volumeTypes: [emptyDir, ${value}]`))).toThrow(message));

    it('refuses a lone string', () => {
      expect(() => parseVolumePolicies(withConditions('volumeTypes: emptyDir'))).toThrow(/conditions\.volumeTypes: expected a list, found 'emptyDir'/);
    });
  });

  describe('pvcLabels and pvcPhase', () => {
    it.each<[string, VolumeConditions]>([
      ['pvcLabels: {environment: production, app: database}', { pvcLabels: { environment: 'production', app: 'database' } }],
      // yaml.v3 decodes a scalar into a string field as its text
      ['pvcLabels: {backup: true, tier: 1}', { pvcLabels: { backup: 'true', tier: '1' } }],
      ['pvcLabels: {}', {}],
      ['pvcPhase: [Pending]', { pvcPhase: ['Pending'] }],
      [`pvcPhase: [${PVC_PHASES.join(', ')}]`, { pvcPhase: [...PVC_PHASES] }],
      ['pvcPhase: []', {}]
    ])('%s', (lines, expected) => expect(conditionsOf(lines)).toEqual(expected));

    it.each<[string, RegExp]>([
      ['pvcLabels: production', /conditions\.pvcLabels: expected a mapping, found 'production'/],
      ['pvcLabels: [a]', /conditions\.pvcLabels: expected a mapping, found a list/],
      ['pvcLabels: {a: {b: c}}', /conditions\.pvcLabels\.a: expected a string, found a mapping/],
      ['pvcPhase: Pending', /conditions\.pvcPhase: expected a list, found 'Pending'/],
      ['pvcPhase: [bound]', /pvcPhase\[0\]: 'bound' is not a PVC phase \(they are case-sensitive: did you mean 'Bound'\?\).*Use one of Pending, Bound, Lost/],
      ['pvcPhase: [Available]', /pvcPhase\[0\]: 'Available' is not a PVC phase; Velero would accept it and never match it/]
    ])('refuses %s', (lines, message) => expect(() => parseVolumePolicies(withConditions(lines))).toThrow(message));
  });

  describe('strict decoding: unknown keys anywhere are errors naming the path', () => {
    it.each<[string, string, RegExp]>([
      ['top level', 'version: v1\nvolumePolicy: []', /^\(top level\): unknown field 'volumePolicy'$/],
      ['a policy', 'version: v1\nvolumePolicies:\n- conditions: {}\n  actions: {type: skip}', /^volumePolicies\[0\]: unknown field 'actions'$/],
      ['an action', 'version: v1\nvolumePolicies:\n- action: {type: skip, params: {}}', /^volumePolicies\[0\]\.action: unknown field 'params'$/],
      ['conditions', withConditions('capacity: "0,100Gi"\nunknown: {}'), /^volumePolicies\[0\]\.conditions: unknown field 'unknown'$/],
      ['conditions, wrong case', withConditions('storageclass: [gp2]'), /^volumePolicies\[0\]\.conditions: unknown field 'storageclass'$/],
      ['nfs', withConditions('nfs: {server: a, share: b}'), /^volumePolicies\[0\]\.conditions\.nfs: unknown field 'share'$/],
      ['csi', withConditions('csi: {driver: d, attributes: {}}'), /^volumePolicies\[0\]\.conditions\.csi: unknown field 'attributes'$/],
      ['includeExcludePolicy', 'version: v1\nincludeExcludePolicy: {includedResources: [pods]}', /^includeExcludePolicy: unknown field 'includedResources'$/]
    ])('in %s', (_where, yaml, problem) => {
      const error = inputError(() => parseVolumePolicies(yaml));
      expect(error.input).toBe('volume-policies');
      expect(error.problem).toMatch(problem);
      expect(error.fix).toMatch(/^Known fields: /);
    });

    it('lists the known fields', () => {
      expect(() => parseVolumePolicies(withConditions('pvcLabel: {a: b}'))).toThrow(
        "Input 'volume-policies': volumePolicies[0].conditions: unknown field 'pvcLabel'. Known fields: capacity, storageClass, nfs, csi, volumeTypes, pvcLabels, pvcPhase"
      );
    });

    it('leaves the free-form maps free: pvcLabels, csi.volumeAttributes and action.parameters take any key', () => {
      expect(() => parseVolumePolicies(`${withConditions('pvcLabels: {anything: x}\ncsi: {driver: d, volumeAttributes: {whatever: y}}')}`)).not.toThrow();
      expect(() => parseVolumePolicies('version: v1\nvolumePolicies:\n- action: {type: custom, parameters: {any: thing}}')).not.toThrow();
    });

    it('names sections of newer Velero releases', () => {
      expect(() => parseVolumePolicies('version: v1\nnamespacedFilterPolicies: []')).toThrow(/namespacedFilterPolicies: is a section of newer Velero releases that this action does not support/);
      expect(() => parseVolumePolicies(withConditions('pvcVolumeMode: Block'))).toThrow(/conditions\.pvcVolumeMode: is a condition of newer Velero releases/);
    });

    it('refuses duplicate keys, as yaml.v3 does', () => {
      expect(() => parseVolumePolicies(withConditions('capacity: "0,100Gi"\ncapacity: "0,100Gi"'))).toThrow(/is not valid YAML: Map keys must be unique/);
    });

    it('refuses wrongly shaped documents', () => {
      expect(() => parseVolumePolicies('')).toThrow("Input 'volume-policies': is empty");
      expect(() => parseVolumePolicies('# only a comment\n')).toThrow(/is empty/);
      expect(() => parseVolumePolicies('- version: v1')).toThrow(/\(top level\): expected a mapping, found a list/);
      expect(() => parseVolumePolicies('version: v1\nvolumePolicies: {}')).toThrow(/volumePolicies: expected a list, found a mapping/);
      expect(() => parseVolumePolicies('version: v1\nvolumePolicies:\n- conditions: []\n  action: {type: skip}')).toThrow(/volumePolicies\[0\]\.conditions: expected a mapping, found a list/);
      expect(() => parseVolumePolicies('version: [v1')).toThrow(/is not valid YAML/);
      expect(() => parseVolumePolicies('version: v1\n---\nversion: v1')).toThrow(/holds more than one YAML document/);
    });
  });

  describe('includeExcludePolicy (Velero IncludeExcludePolicy.Validate)', () => {
    it('reads the four lists; null is none, {} is four empty lists', () => {
      const parsed = parseVolumePolicies(`
version: v1
includeExcludePolicy:
  includedClusterScopedResources: [persistentvolumes]
  excludedClusterScopedResources: [storageclasses]
  includedNamespaceScopedResources: [pods, persistentvolumeclaims, secrets]
  excludedNamespaceScopedResources: [configmaps]
`);
      expect(parsed.includeExcludePolicy).toEqual({
        includedClusterScopedResources: ['persistentvolumes'],
        excludedClusterScopedResources: ['storageclasses'],
        includedNamespaceScopedResources: ['pods', 'persistentvolumeclaims', 'secrets'],
        excludedNamespaceScopedResources: ['configmaps']
      });
      expect(parseVolumePolicies('version: v1\nincludeExcludePolicy:').includeExcludePolicy).toBeUndefined();
      expect(parseVolumePolicies('version: v1\nincludeExcludePolicy: {}').includeExcludePolicy).toEqual({
        includedClusterScopedResources: [],
        excludedClusterScopedResources: [],
        includedNamespaceScopedResources: [],
        excludedNamespaceScopedResources: []
      });
    });

    it('allows the same resource in the lists of different scopes', () => {
      expect(() => parseVolumePolicies('version: v1\nincludeExcludePolicy: {includedClusterScopedResources: [foo], excludedNamespaceScopedResources: [foo]}')).not.toThrow();
    });

    it.each<[string, RegExp]>([
      ['{includedClusterScopedResources: [nodes, "*"]}', /includeExcludePolicy\.includedClusterScopedResources\[1\]: '\*' is not allowed here\. Velero refuses wildcards/],
      ['{excludedNamespaceScopedResources: ["*"]}', /includeExcludePolicy\.excludedNamespaceScopedResources\[0\]: '\*' is not allowed here/],
      [
        '{includedNamespaceScopedResources: [pods, secrets], excludedNamespaceScopedResources: [configmaps, secrets]}',
        /includeExcludePolicy\.excludedNamespaceScopedResources\[1\]: 'secrets' is also in includedNamespaceScopedResources\. A resource type cannot be both included and excluded/
      ],
      ['{includedClusterScopedResources: [nodes], excludedClusterScopedResources: [nodes]}', /excludedClusterScopedResources\[0\]: 'nodes' is also in includedClusterScopedResources/],
      ['{includedClusterScopedResources: nodes}', /includeExcludePolicy\.includedClusterScopedResources: expected a list/]
    ])('refuses %s', (policy, message) => expect(() => parseVolumePolicies(`version: v1\nincludeExcludePolicy: ${policy}`)).toThrow(message));
  });

  describe('YAML as yaml.v3 decodes it into Go strings', () => {
    it('keeps scalars as their text and plain null as nothing', () => {
      expect(conditionsOf('storageClass: [1.10, 0x1F, true, "quoted"]')).toEqual({ storageClass: ['1.10', '0x1F', 'true', 'quoted'] });
      expect(conditionsOf('capacity: ~\nnfs: null\ncsi:\npvcLabels: ~')).toEqual({});
    });

    it('follows anchors, aliases and merge keys', () => {
      const parsed = parseVolumePolicies(`
version: v1
volumePolicies:
- conditions: &big
    capacity: "100Gi,"
    storageClass: [gp2]
  action: {type: skip}
- conditions:
    <<: *big
    storageClass: [gp3]
  action: &custom {type: custom, parameters: {size: 2}}
- action: *custom
`);
      expect(parsed.volumePolicies[1]!.conditions.storageClass).toEqual(['gp3']);
      expect(parsed.volumePolicies[1]!.conditions.capacity!.text).toBe('100Gi,');
      expect(parsed.volumePolicies[2]!.action).toEqual({ type: 'custom', parameters: { size: 2 } });
    });

    it('refuses an alias bomb', () => {
      const levels = ['a: &a [x, x, x, x, x, x, x, x, x, x]'];
      for (let i = 1; i < 7; i++) levels.push(`${'abcdefg'[i]}: &${'abcdefg'[i]} [${Array(10).fill(`*${'abcdefg'[i - 1]}`).join(', ')}]`);
      expect(() => parseVolumePolicies(`${levels.join('\n')}\nversion: v1`)).toThrow(/expands to more than/);
    });
  });

  it('reads a pasted ConfigMap manifest through its single data entry', () => {
    const parsed = parseVolumePolicies(`
apiVersion: v1
kind: ConfigMap
metadata: {name: policies, namespace: velero}
data:
  policies.yaml: |
    version: v1
    volumePolicies:
    - conditions: {storageClass: [gp2]}
      action: {type: skip}
`);
    expect(parsed.volumePolicies[0]!.conditions).toEqual({ storageClass: ['gp2'] });
    expect(() => parseVolumePolicies('kind: ConfigMap\nmetadata: {name: p, namespace: velero}\ndata: {a: "version: v1", b: "version: v1"}')).toThrow(/ConfigMap velero\/p has 2 data entries \(a, b\); Velero requires exactly one/);
  });

  it('carries the given input key, which the edges relabel', () => {
    expect(inputError(() => parseVolumePolicies('version: v2', 'backup-volume-policies')).input).toBe('backup-volume-policies');
    expect(() => asFlags(() => parseVolumePolicies('version: v2'))).toThrow("Input '--volume-policies': version: 'v2' is not supported. Velero resource policies are version: v1");
  });
});

describe('volumePoliciesConfigMapRef', () => {
  it.each<[string, { namespace: string; name: string }]>([
    ['configmap:velero/volume-policies', { namespace: 'velero', name: 'volume-policies' }],
    ['ConfigMap:velero/policies.v2', { namespace: 'velero', name: 'policies.v2' }],
    ['  configmap: backup-system/p  \n', { namespace: 'backup-system', name: 'p' }]
  ])('%j', (text, expected) => expect(volumePoliciesConfigMapRef(text)).toEqual(expected));

  it.each(['version: v1\nvolumePolicies: []', 'configmap:\n  velero/p', '{"version": "v1"}', ''])('is undefined for YAML: %j', (text) => {
    expect(volumePoliciesConfigMapRef(text)).toBeUndefined();
  });

  it.each<[string, RegExp]>([
    ['configmap:policies', /'configmap:policies' does not name a ConfigMap as <namespace>\/<name>\. Write configmap:<namespace>\/<name>/],
    ['configmap:a/b/c', /does not name a ConfigMap as <namespace>\/<name>/],
    ['configmap:/p', /'' in 'configmap:\/p' is not a namespace name/],
    ['configmap:Velero/p', /'Velero' in 'configmap:Velero\/p' is not a namespace name/],
    ['configmap:velero/', /'' in 'configmap:velero\/' is not a ConfigMap name/],
    ['configmap:velero/My_Policies', /'My_Policies' in 'configmap:velero\/My_Policies' is not a ConfigMap name/]
  ])('refuses %j', (text, message) => {
    const error = inputError(() => volumePoliciesConfigMapRef(text, 'volume-policies'));
    expect(error.input).toBe('volume-policies');
    expect(error.message).toMatch(message);
  });
});

describe('volumePoliciesFromConfigMapData', () => {
  const ref = { namespace: 'velero', name: 'policies' };

  it('parses the one data entry, whatever its key', () => {
    expect(volumePoliciesFromConfigMapData({ anything: 'version: v1\nvolumePolicies:\n- action: {type: fs-backup}' }, ref).volumePolicies[0]!.action.type).toBe('fs-backup');
  });

  it.each<[Record<string, string>, RegExp]>([
    [{}, /ConfigMap velero\/policies has no data entries; Velero requires exactly one\. Keep the resource policies YAML as the only entry under data/],
    [{ a: 'version: v1', b: 'version: v1' }, /ConfigMap velero\/policies has 2 data entries \(a, b\); Velero requires exactly one/]
  ])('refuses other than one entry: %j', (data, message) => expect(() => volumePoliciesFromConfigMapData(data, ref)).toThrow(message));

  it('names the ConfigMap and key in errors from the YAML', () => {
    expect(() => volumePoliciesFromConfigMapData({ 'policies.yaml': 'version: v1\nvolumePolicies:\n- action: {type: Skip}' }, ref)).toThrow(
      "Input 'volume-policies': ConfigMap velero/policies, data key 'policies.yaml': volumePolicies[0].action.type: 'Skip' is not an action type: action types are lower-case, write skip. Use one of skip, snapshot, fs-backup, custom"
    );
  });
});
