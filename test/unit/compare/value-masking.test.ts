import { describe, expect, it } from '@jest/globals';
import { describeChange, diffForUpdate, type FieldChange } from '../../../src/compare/diff.js';
import type { KubeObject } from '../../../src/model/kube-object.js';

// The rule (src/compare/value-masking.ts, README "What is never shown"): a dry run's diff names every changed field
// of every kind, and shows its values only for built-in kinds whose fields are known (an allow-list), never for
// Secrets, ConfigMaps, custom resources or kinds it does not know, and never where a field's name, an env entry's
// name, a preceding flag or the value itself looks like a credential. Labels' values are shown for every kind.

const OLD = 'old-v4lue-7f3a';
const NEW = 'new-v4lue-9c1e';

const object = (apiVersion: string, kind: string, body: Record<string, unknown> = {}, metadata: KubeObject['metadata'] = {}): KubeObject => ({
  apiVersion,
  kind,
  metadata: { name: 'x', namespace: 'shop', ...metadata },
  ...body
});

const podTemplate = (container: Record<string, unknown>) => ({
  spec: { replicas: 1, selector: { matchLabels: { app: 'web' } }, template: { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'main', image: 'nginx:1.27', ...container }] } } }
});
const deployment = (container: Record<string, unknown> = {}, metadata: KubeObject['metadata'] = {}) => object('apps/v1', 'Deployment', podTemplate(container), metadata);
const env = (name: string, value: string) => deployment({ env: [{ name: 'LOG_LEVEL', value: 'info' }, { name, value }] });

/** Each case: the backed-up object, the live one, the one changed path, and whether its values may be shown. */
const cases: [string, KubeObject, KubeObject, string, boolean][] = [
  // Built-in kinds on the allow-list: values shown.
  ['a Deployment image', deployment({ image: NEW }), deployment({ image: OLD }), 'spec.template.spec.containers[0].image', true],
  ['a Deployment env value of an ordinary name', env('LOG_FORMAT', NEW), env('LOG_FORMAT', OLD), 'spec.template.spec.containers[0].env[1].value', true],
  ['a Deployment command', deployment({ command: ['run', NEW] }), deployment({ command: ['run', OLD] }), 'spec.template.spec.containers[0].command[1]', true],
  ['a Deployment annotation', deployment({}, { annotations: { note: NEW } }), deployment({}, { annotations: { note: OLD } }), 'metadata.annotations.note', true],
  ['a Deployment label', deployment({}, { labels: { tier: NEW } }), deployment({}, { labels: { tier: OLD } }), 'metadata.labels.tier', true],
  ['a Service selector', object('v1', 'Service', { spec: { selector: { app: NEW } } }), object('v1', 'Service', { spec: { selector: { app: OLD } } }), 'spec.selector.app', true],
  ['a Role rule', object('rbac.authorization.k8s.io/v1', 'Role', { rules: [{ verbs: [NEW] }] }), object('rbac.authorization.k8s.io/v1', 'Role', { rules: [{ verbs: [OLD] }] }), 'rules[0].verbs[0]', true],

  // Kinds whose values are never shown, whatever the field.
  ['a Secret data key', object('v1', 'Secret', { data: { password: NEW } }), object('v1', 'Secret', { data: { password: OLD } }), 'data.password', false],
  ['a Secret type-like field', object('v1', 'Secret', { type: NEW }), object('v1', 'Secret', { type: OLD }), 'type', false],
  ['a Secret annotation', object('v1', 'Secret', {}, { annotations: { note: NEW } }), object('v1', 'Secret', {}, { annotations: { note: OLD } }), 'metadata.annotations.note', false],
  ['a ConfigMap data key of an innocent name', object('v1', 'ConfigMap', { data: { mode: NEW } }), object('v1', 'ConfigMap', { data: { mode: OLD } }), 'data.mode', false],
  ['a ConfigMap binaryData key', object('v1', 'ConfigMap', { binaryData: { blob: NEW } }), object('v1', 'ConfigMap', { binaryData: { blob: OLD } }), 'binaryData.blob', false],
  ['a ConfigMap key live lacks', object('v1', 'ConfigMap', { data: { mode: NEW } }), object('v1', 'ConfigMap', { data: {} }), 'data.mode', false],
  ['a ConfigMap annotation', object('v1', 'ConfigMap', {}, { annotations: { note: NEW } }), object('v1', 'ConfigMap', {}, { annotations: { note: OLD } }), 'metadata.annotations.note', false],
  ['a custom resource spec field', object('example.com/v1', 'Widget', { spec: { size: NEW } }), object('example.com/v1', 'Widget', { spec: { size: OLD } }), 'spec.size', false],
  ['a custom resource of a kind named like a built-in', object('example.com/v1', 'Deployment', podTemplate({ image: NEW })), object('example.com/v1', 'Deployment', podTemplate({ image: OLD })), 'spec.template.spec.containers[0].image', false],
  ['a built-in kind off the list (StorageClass parameters)', object('storage.k8s.io/v1', 'StorageClass', { parameters: { restuser: NEW } }), object('storage.k8s.io/v1', 'StorageClass', { parameters: { restuser: OLD } }), 'parameters.restuser', false],
  ['an object without apiVersion/kind', { metadata: { name: 'x' }, spec: { a: NEW } } as KubeObject, { metadata: { name: 'x' }, spec: { a: OLD } } as KubeObject, 'spec.a', false],

  // Labels are shown for every kind: they are names for selection, not data.
  ['a Secret label', object('v1', 'Secret', {}, { labels: { tier: NEW } }), object('v1', 'Secret', {}, { labels: { tier: OLD } }), 'metadata.labels.tier', true],
  ['a custom resource label', object('example.com/v1', 'Widget', {}, { labels: { tier: NEW } }), object('example.com/v1', 'Widget', {}, { labels: { tier: OLD } }), 'metadata.labels.tier', true],

  // Allowed kinds, but the field looks like a credential.
  ['an env value named DB_PASSWORD', env('DB_PASSWORD', NEW), env('DB_PASSWORD', OLD), 'spec.template.spec.containers[0].env[1].value', false],
  ['an env value named API_KEY', env('API_KEY', NEW), env('API_KEY', OLD), 'spec.template.spec.containers[0].env[1].value', false],
  ['an env value named GITHUB_TOKEN', env('GITHUB_TOKEN', NEW), env('GITHUB_TOKEN', OLD), 'spec.template.spec.containers[0].env[1].value', false],
  ['an env value named clientSecret', env('clientSecret', NEW), env('clientSecret', OLD), 'spec.template.spec.containers[0].env[1].value', false],
  ['an env value named AWS_CREDENTIALS', env('AWS_CREDENTIALS', NEW), env('AWS_CREDENTIALS', OLD), 'spec.template.spec.containers[0].env[1].value', false],
  ['an env value named DBPASSWD (no separators)', env('DBPASSWD', NEW), env('DBPASSWD', OLD), 'spec.template.spec.containers[0].env[1].value', false],
  ['an env value named TLS_CERT', env('TLS_CERT', NEW), env('TLS_CERT', OLD), 'spec.template.spec.containers[0].env[1].value', false],
  [
    'a whole env list holding a credential (lists of another length are reported whole)',
    deployment({ env: [{ name: 'DB_PASSWORD', value: NEW }, { name: 'A', value: 'b' }] }),
    deployment({ env: [{ name: 'DB_PASSWORD', value: OLD }] }),
    'spec.template.spec.containers[0].env',
    false
  ],
  ['a --flag=value argument naming a credential', deployment({ args: [`--db-password=${NEW}`] }), deployment({ args: [`--db-password=${OLD}`] }), 'spec.template.spec.containers[0].args[0]', false],
  ['the argument after a --token flag', deployment({ args: ['--token', NEW] }), deployment({ args: ['--token', OLD] }), 'spec.template.spec.containers[0].args[1]', false],
  ['a shell command with password=', deployment({ command: ['sh', '-c', `mysql password=${NEW}`] }), deployment({ command: ['sh', '-c', `mysql password=${OLD}`] }), 'spec.template.spec.containers[0].command[2]', false],
  ['a URL with a password in it', deployment({ args: [`postgres://app:${NEW}@db:5432/app`] }), deployment({ args: [`postgres://app:${OLD}@db:5432/app`] }), 'spec.template.spec.containers[0].args[0]', false],
  ['a PEM block', deployment({}, { annotations: { note: `-----BEGIN PRIVATE KEY-----\n${NEW}` } }), deployment({}, { annotations: { note: `-----BEGIN PRIVATE KEY-----\n${OLD}` } }), 'metadata.annotations.note', false],
  ['a bearer token', deployment({}, { annotations: { note: `Bearer ${NEW}` } }), deployment({}, { annotations: { note: `Bearer ${OLD}` } }), 'metadata.annotations.note', false],
  ['an annotation whose name says key', deployment({}, { annotations: { 'example.com/signing-key': NEW } }), deployment({}, { annotations: { 'example.com/signing-key': OLD } }), 'metadata.annotations["example.com/signing-key"]', false],
  [
    "kubectl's last-applied annotation (a copy of the whole object)",
    deployment({}, { annotations: { 'kubectl.kubernetes.io/last-applied-configuration': `{"x":"${NEW}"}` } }),
    deployment({}, { annotations: { 'kubectl.kubernetes.io/last-applied-configuration': `{"x":"${OLD}"}` } }),
    'metadata.annotations["kubectl.kubernetes.io/last-applied-configuration"]',
    false
  ],
  ['a label whose name says token (the name rule holds for labels too)', deployment({}, { labels: { token: NEW } }), deployment({}, { labels: { token: OLD } }), 'metadata.labels.token', false]
];

function onlyChange(desired: KubeObject, live: KubeObject): FieldChange {
  const changes = diffForUpdate(desired, live);
  expect(changes).toHaveLength(1);
  return changes[0]!;
}

describe('which values a diff shows', () => {
  it.each(cases)('%s', (_name, desired, live, path, shown) => {
    const change = onlyChange(desired, live);
    expect(change.path).toBe(path);
    const text = describeChange(change);
    expect(text.startsWith(path)).toBe(true);
    if (shown) {
      expect(change.masked).toBeUndefined();
      expect(JSON.stringify(change)).toContain(NEW);
      expect(text).toContain(NEW);
    } else {
      expect(change).toEqual({ path, op: change.op, masked: true });
      expect(JSON.stringify(change)).not.toMatch(/v4lue/);
      expect(text).not.toMatch(/v4lue/);
      expect(text).toBe(`${path} ${change.op === 'add' ? 'added' : 'changed'}`);
    }
  });

  it('shows a toleration or selector key: a bare "key" names no credential', () => {
    const withToleration = (key: string) => object('apps/v1', 'Deployment', { spec: { template: { spec: { tolerations: [{ key, operator: 'Exists' }] } } } });
    const change = onlyChange(withToleration(NEW), withToleration(OLD));
    expect(change).toEqual({ path: 'spec.template.spec.tolerations[0].key', op: 'replace', from: OLD, to: NEW });
  });

  it('shows keys that name keys: topologyKey, configMapKeyRef', () => {
    const spread = (topologyKey: string) => object('apps/v1', 'Deployment', { spec: { template: { spec: { topologySpreadConstraints: [{ maxSkew: 1, topologyKey }] } } } });
    expect(onlyChange(spread(NEW), spread(OLD))).toEqual({ path: 'spec.template.spec.topologySpreadConstraints[0].topologyKey', op: 'replace', from: OLD, to: NEW });
    const fromConfigMap = (name: string) => deployment({ env: [{ name: 'MODE', valueFrom: { configMapKeyRef: { name, key: 'mode' } } }] });
    expect(onlyChange(fromConfigMap(NEW), fromConfigMap(OLD))).toEqual({ path: 'spec.template.spec.containers[0].env[0].valueFrom.configMapKeyRef.name', op: 'replace', from: OLD, to: NEW });
  });

  it('masks each change of an object on its own: other fields of a Deployment with a password env still show', () => {
    const d = deployment({ image: 'nginx:1.28', env: [{ name: 'DB_PASSWORD', value: NEW }] });
    const l = deployment({ image: 'nginx:1.27', env: [{ name: 'DB_PASSWORD', value: OLD }] });
    expect(diffForUpdate(d, l).map(describeChange)).toEqual([
      'spec.template.spec.containers[0].image: "nginx:1.27" → "nginx:1.28"',
      'spec.template.spec.containers[0].env[0].value changed'
    ]);
  });
});
