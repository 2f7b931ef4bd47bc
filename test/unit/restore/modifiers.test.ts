import { describe, expect, it } from '@jest/globals';
import { transformForRestore, type TransformContext } from '../../../src/restore/transform/index.js';
import { applyResourceModifiers, resolvePointer } from '../../../src/restore/transform/modifiers/apply.js';
import { goRegExp } from '../../../src/settings/go-regexp.js';
import { parseResourceModifiers } from '../../../src/settings/resource-modifiers.js';
import { patchValue } from '../../../src/settings/patch-value.js';
import { boundClaim, clusterIpService, deployment } from './fixtures.js';
import type { KubeObject } from '../../../src/model/kube-object.js';

const modifiers = (yaml: string) => parseResourceModifiers(yaml)!;
const spec = (object: KubeObject) => object.spec as Record<string, any>;

describe('patchValue (Velero’s addQuotes)', () => {
  it.each<[string, unknown]>([
    ['', ''],
    ['premium', 'premium'],
    ['"true"', 'true'],
    ['"42"', '42'],
    ['"null"', 'null'],
    ['null', null],
    ['true', true],
    ['False', false],
    ['3', 3],
    ['-1.5e3', -1500],
    ['1.0', 1],
    ['.5', '.5'],
    ['1.2.3', '1.2.3'],
    ['{"name": "nginx", "ports": [{"containerPort": 80}]}', { name: 'nginx', ports: [{ containerPort: 80 }] }],
    ['["a", "b"]', ['a', 'b']]
  ])('%j → %j', (raw, expected) => expect(patchValue(raw)).toEqual(expected));

  it('throws on broken JSON after { or [', () => {
    expect(() => patchValue('{broken')).toThrow(SyntaxError);
  });
});

describe('goRegExp', () => {
  it.each<[string, string, boolean]>([
    ['^mysql.*$', 'mysql-0', true],
    ['mysql', 'my-mysql-0', true],
    ['(?i)^MYSQL', 'mysql-0', true],
    ['^(?P<app>[a-z]+)-\\d+$', 'web-12', true],
    ['\\Aweb\\z', 'web', true],
    ['\\Aweb\\z', 'web-1', false]
  ])('%s on %s → %s', (pattern, name, expected) => expect(goRegExp(pattern).test(name)).toBe(expected));
});

describe('parseResourceModifiers', () => {
  it('is empty for empty input', () => {
    expect(parseResourceModifiers(undefined)).toBeUndefined();
    expect(parseResourceModifiers('  \n')).toBeUndefined();
  });

  it("reads Velero's documented example", () => {
    const parsed = modifiers(`
version: v1
resourceModifierRules:
- conditions:
    groupResource: persistentvolumeclaims
    resourceNameRegex: "^mysql.*$"
    namespaces:
    - bar
    - foo
    labelSelector:
      matchLabels:
        foo: bar
  patches:
  - operation: replace
    path: "/spec/storageClassName"
    value: "premium"
  - operation: remove
    path: "/metadata/labels/test"
`);
    expect(parsed.rules).toHaveLength(1);
    const rule = parsed.rules[0]!;
    expect(rule.conditions).toMatchObject({ groupResource: 'persistentvolumeclaims', namespaces: ['bar', 'foo'], labelSelector: { matchLabels: { foo: 'bar' } }, matches: [] });
    expect(rule.patch).toEqual({
      kind: 'json',
      operations: [
        { op: 'replace', path: '/spec/storageClassName', value: 'premium' },
        { op: 'remove', path: '/metadata/labels/test' }
      ]
    });
  });

  it('reads the ConfigMap Velero takes, and YAML scalars as their text', () => {
    const parsed = modifiers(`
apiVersion: v1
kind: ConfigMap
metadata: {name: modifiers, namespace: velero}
data:
  rules.yaml: |
    version: v1
    resourceModifierRules:
    - conditions: {groupResource: deployments.apps}
      patches:
      - {operation: replace, path: /spec/replicas, value: 1.0}
      - {operation: add, path: /metadata/labels/restored, value: yes}
      - {operation: add, path: /metadata/labels/flag, value: '"true"'}
`);
    expect(parsed.rules[0]!.patch).toEqual({
      kind: 'json',
      operations: [
        { op: 'replace', path: '/spec/replicas', value: 1 },
        { op: 'add', path: '/metadata/labels/restored', value: 'yes' },
        { op: 'add', path: '/metadata/labels/flag', value: 'true' }
      ]
    });
  });

  it('reads merge patches as YAML or JSON', () => {
    const parsed = modifiers(`
version: v1
resourceModifierRules:
- conditions: {groupResource: pods}
  mergePatches:
  - patchData: |
      {"metadata": {"annotations": {"foo": null}}}
  - patchData: |
      spec:
        replicas: 2
`);
    expect(parsed.rules[0]!.patch).toEqual({ kind: 'merge', documents: [{ metadata: { annotations: { foo: null } } }, { spec: { replicas: 2 } }] });
  });

  const rule = (body: string) => `version: v1\nresourceModifierRules:\n- ${body}`;
  it.each<[string, string, RegExp]>([
    ['wrong version', 'version: v2\nresourceModifierRules: []', /version: 'v2' is not supported/],
    ['no rules', 'version: v1\nresourceModifierRules: []', /resourceModifierRules: is empty/],
    ['not YAML', 'version: [v1', /is not valid YAML/],
    ['unknown top-level field', 'version: v1\nrules: []', /\(top level\): unknown field 'rules'/],
    ['no groupResource', rule('conditions: {namespaces: [a]}\n  patches: [{operation: remove, path: /a}]'), /resourceModifierRules\[0\]\.conditions\.groupResource: is missing/],
    ['old groupKind', rule('conditions: {groupKind: pods}\n  patches: [{operation: remove, path: /a}]'), /groupKind: was renamed. Velero 1.12 renamed groupKind to groupResource/],
    ['strategic patches', rule("conditions: {groupResource: pods}\n  strategicPatches: [{patchData: '{}'}]"), /strategicPatches: strategic merge patches are not supported.*Use mergePatches/],
    ['no patch', rule('conditions: {groupResource: pods}'), /resourceModifierRules\[0\]: has no patches or mergePatches/],
    ['both patch kinds', rule("conditions: {groupResource: pods}\n  patches: [{operation: remove, path: /a}]\n  mergePatches: [{patchData: '{}'}]"), /has both patches and mergePatches/],
    ['unknown operation', rule('conditions: {groupResource: pods}\n  patches: [{operation: delete, path: /a}]'), /patches\[0\]\.operation: 'delete' is not a JSON patch operation/],
    ['path not a pointer', rule('conditions: {groupResource: pods}\n  patches: [{operation: remove, path: spec.replicas}]'), /'spec.replicas' is not a JSON pointer/],
    ['copy without from', rule('conditions: {groupResource: pods}\n  patches: [{operation: copy, path: /a}]'), /patches\[0\]\.from: is required for copy/],
    ['bad JSON value', rule("conditions: {groupResource: pods}\n  patches: [{operation: add, path: /a, value: '{oops'}]"), /value: '\{oops' starts like JSON but is not valid JSON/],
    ['mapping as value', rule('conditions: {groupResource: pods}\n  patches: [{operation: add, path: /a, value: {b: 1}}]'), /value: must be a string/],
    ['bad regex', rule("conditions: {groupResource: pods, resourceNameRegex: '(['}\n  patches: [{operation: remove, path: /a}]"), /resourceNameRegex: '\(\[' is not a valid regular expression/],
    ['match without path', rule('conditions: {groupResource: pods, matches: [{value: a}]}\n  patches: [{operation: remove, path: /a}]'), /matches\[0\]\.path: is missing/],
    ['merge patch not a mapping', rule("conditions: {groupResource: pods}\n  mergePatches: [{patchData: '[1]'}]"), /patchData: must be a mapping/],
    ['bad selector operator', rule('conditions: {groupResource: pods, labelSelector: {matchExpressions: [{key: a, operator: Has}]}}\n  patches: [{operation: remove, path: /a}]'), /'Has' is not a label selector operator/]
  ])('refuses %s, naming the input and the rule', (_name, yaml, message) => {
    expect(() => parseResourceModifiers(yaml)).toThrow(message);
    expect(() => parseResourceModifiers(yaml)).toThrow(/^Input 'resource-modifiers'/);
  });
});

describe('applyResourceModifiers', () => {
  const pvc = () => ({ ...boundClaim(), metadata: { ...boundClaim().metadata, labels: { app: 'mysql', test: 'x' }, name: 'mysql-data' } });

  it('applies a matching rule and reports it', () => {
    const m = modifiers(`
version: v1
resourceModifierRules:
- conditions:
    groupResource: persistentvolumeclaims
    resourceNameRegex: "^mysql"
    namespaces: [shop]
    labelSelector: {matchLabels: {app: mysql}}
  patches:
  - {operation: replace, path: /spec/storageClassName, value: premium}
  - {operation: remove, path: /metadata/labels/test}
`);
    const outcome = applyResourceModifiers(pvc(), 'persistentvolumeclaims', m);
    expect(outcome.errors).toEqual([]);
    expect(outcome.applied).toEqual([0]);
    expect(spec(outcome.object).storageClassName).toBe('premium');
    expect(outcome.object.metadata.labels).toEqual({ app: 'mysql' });
  });

  it.each<[string, string]>([
    ['other resource', 'groupResource: deployments.apps'],
    ['other namespace', 'groupResource: persistentvolumeclaims, namespaces: [blog]'],
    ['name regex', "groupResource: persistentvolumeclaims, resourceNameRegex: '^postgres'"],
    ['label selector', 'groupResource: persistentvolumeclaims, labelSelector: {matchLabels: {app: web}}'],
    ['matches value', "groupResource: persistentvolumeclaims, matches: [{path: /spec/storageClassName, value: gold}]"],
    ['matches missing path', "groupResource: persistentvolumeclaims, matches: [{path: /spec/dataSource/name, value: snap}]"]
  ])('leaves the item alone when a condition fails: %s', (_name, conditions) => {
    const m = modifiers(`version: v1\nresourceModifierRules:\n- conditions: {${conditions}}\n  patches: [{operation: replace, path: /spec/storageClassName, value: premium}]`);
    const outcome = applyResourceModifiers(pvc(), 'persistentvolumeclaims', m);
    expect(outcome).toEqual({ object: pvc(), applied: [], errors: [] });
  });

  it('matches groupResource globs with dots as separators', () => {
    const m = modifiers(`version: v1\nresourceModifierRules:\n- conditions: {groupResource: '*.apps'}\n  patches: [{operation: replace, path: /spec/replicas, value: '1'}]`);
    expect(spec(applyResourceModifiers(deployment(), 'deployments.apps', m).object).replicas).toBe(1);
    expect(applyResourceModifiers(deployment(), 'deployments.apps.example.com', m).applied).toEqual([]);
  });

  it('matches every rule against the item as backed up (Velero issue 7714)', () => {
    const m = modifiers(`
version: v1
resourceModifierRules:
- conditions: {groupResource: persistentvolumeclaims, matches: [{path: /spec/storageClassName, value: standard}]}
  patches: [{operation: replace, path: /spec/storageClassName, value: fast}]
- conditions: {groupResource: persistentvolumeclaims, matches: [{path: /spec/storageClassName, value: fast}]}
  patches: [{operation: replace, path: /spec/storageClassName, value: slow}]
`);
    const outcome = applyResourceModifiers(pvc(), 'persistentvolumeclaims', m);
    expect(spec(outcome.object).storageClassName).toBe('fast');
    expect(outcome.applied).toEqual([0]);
  });

  it('skips a JSON patch whose test operation fails, without error', () => {
    const m = modifiers(`
version: v1
resourceModifierRules:
- conditions: {groupResource: persistentvolumeclaims}
  patches:
  - {operation: test, path: /spec/storageClassName, value: premium}
  - {operation: replace, path: /spec/storageClassName, value: standard-rwo}
`);
    expect(applyResourceModifiers(pvc(), 'persistentvolumeclaims', m)).toEqual({ object: pvc(), applied: [], errors: [] });
  });

  it('reports a patch that cannot apply and leaves the item as it was', () => {
    const m = modifiers(`
version: v1
resourceModifierRules:
- conditions: {groupResource: persistentvolumeclaims}
  patches: [{operation: replace, path: /spec/dataSource/name, value: x}]
- conditions: {groupResource: persistentvolumeclaims}
  patches: [{operation: add, path: /metadata/labels/ok, value: 'yes'}]
`);
    const outcome = applyResourceModifiers(pvc(), 'persistentvolumeclaims', m);
    expect(outcome.errors).toEqual([expect.stringMatching(/^resource modifier rule 0 \(persistentvolumeclaims\): /)]);
    expect(outcome.applied).toEqual([1]);
    expect(outcome.object.metadata.labels).toEqual({ app: 'mysql', test: 'x', ok: 'yes' });
  });

  it('applies merge patches in order, null deleting', () => {
    const m = modifiers(`
version: v1
resourceModifierRules:
- conditions: {groupResource: deployments.apps}
  mergePatches:
  - patchData: '{"metadata": {"annotations": {"deployment.kubernetes.io/revision": null}}, "spec": {"replicas": 0}}'
  - patchData: '{"spec": {"template": {"spec": {"nodeSelector": {"pool": "dr"}}}}}'
`);
    const { object } = applyResourceModifiers(deployment(), 'deployments.apps', m);
    expect(object.metadata.annotations).toEqual({});
    expect(spec(object).replicas).toBe(0);
    expect(spec(object).template.spec.nodeSelector).toEqual({ pool: 'dr' });
    expect(spec(object).template.spec.containers).toEqual(spec(deployment()).template.spec.containers);
  });

  it('adds an array element from escaped JSON, as in Velero’s docs', () => {
    const m = modifiers(`
version: v1
resourceModifierRules:
- conditions: {groupResource: deployments.apps, resourceNameRegex: "^web$", namespaces: [shop]}
  patches:
  - operation: add
    path: "/spec/template/spec/containers/0"
    value: "{\\"name\\": \\"sidecar\\", \\"image\\": \\"envoy:1.30\\"}"
  - operation: copy
    from: "/spec/template/spec/containers/1/image"
    path: "/metadata/annotations/main-image"
`);
    const { object, errors } = applyResourceModifiers(deployment(), 'deployments.apps', m);
    expect(errors).toEqual([]);
    expect(spec(object).template.spec.containers.map((c: { name: string }) => c.name)).toEqual(['sidecar', 'nginx']);
    expect(object.metadata.annotations!['main-image']).toBe('nginx:1.27');
  });
});

describe('resource modifiers inside transformForRestore', () => {
  const ctx = (yaml: string, overrides: Partial<TransformContext> = {}): TransformContext => ({
    backupName: 'b',
    restoreName: 'r',
    restoreUid: '5b1d6a52-0000-4000-8000-000000000001',
    restoreVolumes: true,
    namespaceMappings: { shop: 'shop-copy' },
    storageClassMappings: {},
    preserveNodePorts: false,
    preserveOwnerReferences: false,
    restoredVolumes: new Set(),
    resourceModifiers: modifiers(yaml),
    ...overrides
  });

  it('match the backed-up namespace, and run before the per-kind steps (Velero’s order)', () => {
    const result = transformForRestore(
      clusterIpService(),
      'services',
      ctx(`
version: v1
resourceModifierRules:
- conditions: {groupResource: services, namespaces: [shop]}
  patches:
  - {operation: add, path: /spec/clusterIP, value: 10.0.0.1}
  - {operation: add, path: /metadata/labels/moved, value: 'yes'}
`)
    );
    expect(result).toMatchObject({ notes: ['resource modifier rule 0 applied'] });
    const object = (result as { object: KubeObject }).object;
    expect(object.metadata.namespace).toBe('shop-copy');
    expect(object.metadata.labels!.moved).toBe('yes');
    expect(spec(object).clusterIP).toBeUndefined();
  });

  it('fail the item when a rule fails', () => {
    const result = transformForRestore(
      clusterIpService(),
      'services',
      ctx(`version: v1\nresourceModifierRules:\n- conditions: {groupResource: services}\n  patches: [{operation: remove, path: /spec/nothing}]`)
    );
    expect(result).toEqual({ fail: expect.stringMatching(/^resource modifier rule 0 \(services\): /) });
  });
});

describe('resolvePointer', () => {
  it.each<[string, { exists: boolean; value?: unknown }]>([
    ['/spec/replicas', { exists: true, value: 3 }],
    ['/metadata/labels/app.kubernetes.io~1name', { exists: true, value: 'web' }],
    ['/spec/template/spec/containers/0/name', { exists: true, value: 'nginx' }],
    ['/spec/template/spec/containers/1/name', { exists: false }],
    ['/spec/template/spec/containers/-', { exists: false }],
    ['/spec/missing', { exists: false }]
  ])('%s', (pointer, expected) => expect(resolvePointer(deployment(), pointer)).toEqual(expected));
});
