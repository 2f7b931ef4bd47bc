import { describe, expect, it } from '@jest/globals';
import { parseCommandAnnotation } from '../../../../src/hooks/annotations.js';
import { hooksForPod } from '../../../../src/hooks/pod-hooks.js';
import { parseBackupHooksSpec } from '../../../../src/settings/hook-specs.js';
import type { KubeObject } from '../../../../src/model/kube-object.js';
import { type BackupHooksSpec } from '../../../../src/hooks/hook-types.js';

function pod(options: { namespace?: string; labels?: Record<string, string>; annotations?: Record<string, string>; containers?: string[]; spec?: Record<string, unknown> } = {}): KubeObject {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: 'p', namespace: options.namespace ?? 'db-1', labels: options.labels ?? { app: 'db' }, annotations: options.annotations ?? {} },
    spec: options.spec ?? { containers: (options.containers ?? ['main', 'db']).map((name) => ({ name })) },
    status: { phase: 'Running' }
  };
}

const none: BackupHooksSpec = { resources: [] };
const spec = (text: string) => parseBackupHooksSpec(text);
const commands = (p: KubeObject, phase: 'pre' | 'post', s: BackupHooksSpec) => hooksForPod(p, phase, s).map((h) => h.hook.command.join(' '));

describe('parseCommandAnnotation', () => {
  it.each([
    ['["/bin/sh","-c","echo hi"]', ['/bin/sh', '-c', 'echo hi']],
    ['/bin/sync', ['/bin/sync']],
    ['echo hi there', ['echo hi there']],
    ['[not json', ['[not json']],
    ['["a", 1]', ['["a", 1]']],
    ['[]', []]
  ])('%s', (value, expected) => {
    expect(parseCommandAnnotation(value)).toEqual(expected);
  });
});

describe('hooksForPod from annotations', () => {
  it('reads a pre hook with defaults: first container, Fail, 30s', () => {
    const hooks = hooksForPod(pod({ annotations: { 'pre.hook.backup.velero.io/command': '["/bin/sh","-c","echo hi"]' } }), 'pre', none);
    expect(hooks).toEqual([{ source: 'annotation', label: 'from annotations', container: 'main', hook: { command: ['/bin/sh', '-c', 'echo hi'], onError: 'Fail', timeoutMs: 30_000 } }]);
  });

  it('reads every pre annotation', () => {
    const annotations = {
      'pre.hook.backup.velero.io/command': 'sync',
      'pre.hook.backup.velero.io/container': 'db',
      'pre.hook.backup.velero.io/on-error': 'Continue',
      'pre.hook.backup.velero.io/timeout': '1m'
    };
    expect(hooksForPod(pod({ annotations }), 'pre', none)).toEqual([
      { source: 'annotation', label: 'from annotations', container: 'db', hook: { container: 'db', command: ['sync'], onError: 'Continue', timeoutMs: 60_000 } }
    ]);
  });

  it('takes the unprefixed keys as a pre hook, never as a post hook', () => {
    const p = pod({ annotations: { 'hook.backup.velero.io/command': '["fsfreeze","-f","/data"]', 'hook.backup.velero.io/container': 'db' } });
    expect(hooksForPod(p, 'pre', none).map((h) => [h.container, h.hook.command])).toEqual([['db', ['fsfreeze', '-f', '/data']]]);
    expect(hooksForPod(p, 'post', none)).toEqual([]);
  });

  it('prefers pre.* over the unprefixed keys and never mixes them', () => {
    const p = pod({ annotations: { 'pre.hook.backup.velero.io/command': 'new', 'hook.backup.velero.io/command': 'old', 'hook.backup.velero.io/container': 'db' } });
    expect(hooksForPod(p, 'pre', none).map((h) => [h.container, h.hook.command])).toEqual([['main', ['new']]]);
  });

  it('reads post hooks from post.* only', () => {
    const p = pod({ annotations: { 'post.hook.backup.velero.io/command': 'thaw', 'post.hook.backup.velero.io/timeout': '5s' } });
    expect(hooksForPod(p, 'pre', none)).toEqual([]);
    expect(hooksForPod(p, 'post', none).map((h) => [h.hook.command, h.hook.timeoutMs])).toEqual([[['thaw'], 5000]]);
  });

  it('ignores an empty command annotation, as Velero does', () => {
    expect(hooksForPod(pod({ annotations: { 'pre.hook.backup.velero.io/command': '', 'pre.hook.backup.velero.io/container': 'db' } }), 'pre', none)).toEqual([]);
  });

  it('turns bad annotation values into a problem naming the annotation', () => {
    const p = pod({ annotations: { 'pre.hook.backup.velero.io/command': 'sync', 'pre.hook.backup.velero.io/timeout': '5x', 'pre.hook.backup.velero.io/on-error': 'continue' } });
    const [hook] = hooksForPod(p, 'pre', none);
    expect(hook!.problem).toBe(
      "annotation pre.hook.backup.velero.io/on-error is 'continue', not Continue or Fail; annotation pre.hook.backup.velero.io/timeout is '5x', not a Go duration such as 30s or 1m"
    );
    expect(hook!.hook.onError).toBe('Fail');
  });

  it('keeps a valid on-error when only the timeout is bad', () => {
    const p = pod({ annotations: { 'post.hook.backup.velero.io/command': 'x', 'post.hook.backup.velero.io/timeout': 'soon', 'post.hook.backup.velero.io/on-error': 'Continue' } });
    expect(hooksForPod(p, 'post', none)[0]).toMatchObject({ hook: { onError: 'Continue' }, problem: "annotation post.hook.backup.velero.io/timeout is 'soon', not a Go duration such as 30s or 1m" });
  });

  it('flags an empty JSON command', () => {
    expect(hooksForPod(pod({ annotations: { 'pre.hook.backup.velero.io/command': '[]' } }), 'pre', none)[0]!.problem).toBe('annotation pre.hook.backup.velero.io/command holds an empty command');
  });

  it('flags a container the pod does not have', () => {
    const [hook] = hooksForPod(pod({ annotations: { 'pre.hook.backup.velero.io/command': 'x', 'pre.hook.backup.velero.io/container': 'nope' } }), 'pre', none);
    expect(hook).toMatchObject({ container: '', problem: "no container 'nope' in the pod (its containers: main, db)" });
  });

  it('accepts a native sidecar but not a plain init container', () => {
    const p = (container: string) =>
      pod({
        annotations: { 'pre.hook.backup.velero.io/command': 'x', 'pre.hook.backup.velero.io/container': container },
        spec: { containers: [{ name: 'main' }], initContainers: [{ name: 'proxy', restartPolicy: 'Always' }, { name: 'setup' }] }
      });
    expect(hooksForPod(p('proxy'), 'pre', none)[0]).toMatchObject({ container: 'proxy' });
    expect(hooksForPod(p('setup'), 'pre', none)[0]!.problem).toContain("no container 'setup'");
  });

  it('flags a pod without containers', () => {
    expect(hooksForPod(pod({ annotations: { 'pre.hook.backup.velero.io/command': 'x' }, spec: {} }), 'pre', none)[0]!.problem).toBe('the pod has no containers');
  });

  it('wins over spec rules for its phase only', () => {
    const s = spec('resources: [{name: r, pre: [{exec: {command: [spec-pre]}}], post: [{exec: {command: [spec-post]}}]}]');
    const p = pod({ annotations: { 'pre.hook.backup.velero.io/command': 'annotation-pre' } });
    expect(commands(p, 'pre', s)).toEqual(['annotation-pre']);
    expect(commands(p, 'post', s)).toEqual(['spec-post']);
  });
});

describe('hooksForPod from spec rules', () => {
  it('returns nothing (the same empty list) without hooks', () => {
    const first = hooksForPod(pod(), 'pre', none);
    expect(first).toEqual([]);
    expect(hooksForPod(pod({ namespace: 'x' }), 'post', none)).toBe(first);
  });

  it('runs every matching rule, rules in order and hooks in order', () => {
    const s = spec(`
resources:
  - name: first
    pre: [{exec: {command: [a]}}, {exec: {command: [b], container: db}}]
  - name: skipped
    includedNamespaces: [other]
    pre: [{exec: {command: [x]}}]
  - name: second
    pre: [{exec: {command: [c], onError: Continue}}]
`);
    const hooks = hooksForPod(pod(), 'pre', s);
    expect(hooks.map((h) => [h.source, h.label, h.container, h.hook.command[0]])).toEqual([
      ['first', "'first'[0]", 'main', 'a'],
      ['first', "'first'[1]", 'db', 'b'],
      ['second', "'second'[0]", 'main', 'c']
    ]);
    expect(hooksForPod(pod(), 'post', s)).toEqual([]);
  });

  it.each([
    ['no namespace filter', '{}', 'db-1', true],
    ['a glob', '{includedNamespaces: [db-*]}', 'db-1', true],
    ['a glob that does not match', '{includedNamespaces: [db-*]}', 'web-1', false],
    ['a ? glob', '{includedNamespaces: [db-?]}', 'db-12', false],
    ['star', "{includedNamespaces: ['*']}", 'anything', true],
    ['an exclusion', '{excludedNamespaces: [db-1]}', 'db-1', false],
    ['an exclusion wins over an inclusion', '{includedNamespaces: [db-*], excludedNamespaces: [db-1]}', 'db-1', false],
    ['an exclusion glob not matching', '{includedNamespaces: [db-*], excludedNamespaces: [db-2*]}', 'db-1', true]
  ])('namespaces: %s', (_name, filter, namespace, selected) => {
    const s = spec(`resources: [{name: r, pre: [{exec: {command: [a]}}], ${filter.slice(1, -1)}}]`.replace(', }', '}'));
    expect(hooksForPod(pod({ namespace }), 'pre', s).length).toBe(selected ? 1 : 0);
  });

  it.each([
    ['matchLabels hit', '{matchLabels: {app: db}}', true],
    ['matchLabels miss', '{matchLabels: {app: web}}', false],
    ['In', '{matchExpressions: [{key: tier, operator: In, values: [a, b]}]}', true],
    ['NotIn', '{matchExpressions: [{key: tier, operator: NotIn, values: [a]}]}', false],
    ['DoesNotExist', '{matchExpressions: [{key: legacy, operator: DoesNotExist}]}', true],
    ['empty selector', '{}', true]
  ])('label selector: %s', (_name, selector, selected) => {
    const s = spec(`resources: [{name: r, labelSelector: ${selector}, pre: [{exec: {command: [a]}}]}]`);
    expect(hooksForPod(pod({ labels: { app: 'db', tier: 'a' } }), 'pre', s).length).toBe(selected ? 1 : 0);
  });

  it.each([
    ['pods', '{includedResources: [pods]}', true],
    ['the kind', '{includedResources: [Pod]}', true],
    ['the short name', '{includedResources: [po]}', true],
    ['star', "{includedResources: ['*']}", true],
    ['another resource only', '{includedResources: [deployments.apps]}', false],
    ['pods excluded', '{excludedResources: [pods]}', false],
    ['another resource excluded', '{excludedResources: [configmaps]}', true]
  ])('resources: %s', (_name, filter, selected) => {
    const s = spec(`resources: [{name: r, ${filter.slice(1, -1)}, pre: [{exec: {command: [a]}}]}]`);
    expect(hooksForPod(pod(), 'pre', s).length).toBe(selected ? 1 : 0);
  });

  it('flags a rule container missing from this pod, keeping the rule order', () => {
    const s = spec('resources: [{name: r, pre: [{exec: {command: [a], container: sidecar}}, {exec: {command: [b]}}]}]');
    const hooks = hooksForPod(pod(), 'pre', s);
    expect(hooks.map((h) => h.problem)).toEqual(["no container 'sidecar' in the pod (its containers: main, db)", undefined]);
  });
});
