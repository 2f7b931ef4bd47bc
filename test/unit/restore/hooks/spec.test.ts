import { describe, expect, it } from '@jest/globals';
import { parseRestoreHooksSpec } from '../../../../src/settings/restore-hook-specs.js';
import { InputError } from '../../../../src/util/errors.js';

const yamlSpec = `
resources:
  - name: restore-db
    includedNamespaces: [db-*]
    excludedNamespaces: [db-test]
    includedResources: [pods]
    excludedResources: []
    labelSelector:
      matchLabels: {app: db}
      matchExpressions: [{key: tier, operator: In, values: [a, b]}]
    postHooks:
      - init:
          initContainers:
            - name: restore-data
              image: alpine:3.20
              command: [/bin/sh, -c, "cp -r /backup/. /data"]
              volumeMounts: [{name: data, mountPath: /data}]
          timeout: 2m
      - exec:
          container: db
          command: [/bin/sh, -c, "reload"]
          onError: Continue
          execTimeout: 1m
          waitTimeout: 5m
          waitForReady: true
      - exec: {command: [/bin/true]}
`;

const expected = {
  resources: [
    {
      name: 'restore-db',
      includedNamespaces: ['db-*'],
      excludedNamespaces: ['db-test'],
      includedResources: ['pods'],
      excludedResources: [],
      labelSelector: { matchLabels: { app: 'db' }, matchExpressions: [{ key: 'tier', operator: 'In', values: ['a', 'b'] }] },
      postHooks: [
        {
          init: {
            initContainers: [{ name: 'restore-data', image: 'alpine:3.20', command: ['/bin/sh', '-c', 'cp -r /backup/. /data'], volumeMounts: [{ name: 'data', mountPath: '/data' }] }],
            timeoutMs: 120_000
          }
        },
        { exec: { container: 'db', command: ['/bin/sh', '-c', 'reload'], onError: 'Continue', execTimeoutMs: 60_000, waitTimeoutMs: 300_000, waitForReady: true } },
        { exec: { command: ['/bin/true'], onError: 'Fail', execTimeoutMs: 30_000, waitForReady: false } }
      ]
    }
  ]
};

function problemOf(text: string, inputName?: string): string {
  try {
    parseRestoreHooksSpec(text, inputName);
  } catch (err) {
    expect(err).toBeInstanceOf(InputError);
    expect((err as InputError).input).toBe(inputName ?? 'restore-hooks');
    return (err as InputError).problem;
  }
  throw new Error('expected an InputError');
}

const withHook = (hook: unknown) => JSON.stringify({ resources: [{ name: 'r', postHooks: [hook] }] });
const withExec = (exec: Record<string, unknown>) => withHook({ exec: { command: ['x'], ...exec } });
const withInitContainer = (container: Record<string, unknown>) => withHook({ init: { initContainers: [{ name: 'c', image: 'i', command: ['x'], ...container }] } });

describe('parseRestoreHooksSpec', () => {
  it.each([undefined, '', '  \n', '# none\n', 'null', '{resources: []}', '{hooks: null}'])('treats %j as no hooks', (text) => {
    expect(parseRestoreHooksSpec(text)).toEqual({ resources: [] });
  });

  it('reads the YAML form, keeping init containers as written and filling defaults', () => {
    expect(parseRestoreHooksSpec(yamlSpec)).toEqual(expected);
  });

  it('reads the same spec as JSON', () => {
    const json = JSON.stringify({
      resources: [
        {
          name: 'restore-db',
          includedNamespaces: ['db-*'],
          excludedNamespaces: ['db-test'],
          includedResources: ['pods'],
          labelSelector: { matchLabels: { app: 'db' }, matchExpressions: [{ key: 'tier', operator: 'In', values: ['a', 'b'] }] },
          postHooks: [
            {
              init: {
                initContainers: [{ name: 'restore-data', image: 'alpine:3.20', command: ['/bin/sh', '-c', 'cp -r /backup/. /data'], volumeMounts: [{ name: 'data', mountPath: '/data' }] }],
                timeout: '2m'
              }
            },
            { exec: { container: 'db', command: ['/bin/sh', '-c', 'reload'], onError: 'Continue', execTimeout: '1m', waitTimeout: '5m', waitForReady: true } },
            { exec: { command: ['/bin/true'] } }
          ]
        }
      ]
    });
    expect(parseRestoreHooksSpec(json)).toEqual({ resources: [{ ...expected.resources[0], excludedResources: [] }] });
  });

  it("reads a whole Velero Restore object and a Restore spec, ignoring their other fields", () => {
    const restore = `
apiVersion: velero.io/v1
kind: Restore
metadata: {name: r1, namespace: velero}
spec:
  backupName: nightly
  includedNamespaces: ['*']
  namespaceMapping: {db: db-copy}
  hooks:
    resources:
      - name: reload
        postHooks:
          - exec: {command: [reload], waitTimeout: 0s, execTimeout: 0s}
`;
    const hook = { exec: { command: ['reload'], onError: 'Fail', execTimeoutMs: 30_000, waitForReady: false } };
    const rule = { name: 'reload', includedNamespaces: [], excludedNamespaces: [], includedResources: [], excludedResources: [], postHooks: [hook] };
    expect(parseRestoreHooksSpec(restore)).toEqual({ resources: [rule] });
    expect(parseRestoreHooksSpec(JSON.stringify({ backupName: 'nightly', hooks: { resources: [{ name: 'reload', postHooks: [{ exec: { command: ['reload'] } }] }] } }))).toEqual({
      resources: [rule]
    });
  });

  it('keeps an entry holding both exec and init, as Velero does', () => {
    const spec = parseRestoreHooksSpec(withHook({ exec: { command: ['x'] }, init: { initContainers: [{ name: 'c', image: 'i', command: ['y'] }] } }));
    expect(spec.resources[0]!.postHooks[0]).toEqual({
      exec: { command: ['x'], onError: 'Fail', execTimeoutMs: 30_000, waitForReady: false },
      init: { initContainers: [{ name: 'c', image: 'i', command: ['y'] }] }
    });
  });

  it('names a custom input in its errors', () => {
    expect(problemOf('resources: [{postHooks: []}]', 'hooks-file')).toBe('resources[0].name: is missing');
  });

  it.each<[string, string, string]>([
    ['not YAML', 'resources: [', 'is not valid YAML or JSON'],
    ['a list at the top', '[1, 2]', '(top level): expected a mapping with a resources list'],
    ['no resources key', '{postHooks: []}', "(top level): expected 'resources' (Velero's spec.hooks), 'hooks' (a Restore spec) or 'spec.hooks' (a Restore)"],
    ['resources not a list', '{resources: {name: a}}', 'resources: expected a list, found a mapping'],
    ['a rule without a name', '{resources: [{postHooks: []}]}', 'resources[0].name: is missing'],
    ['a backup-style pre list', '{resources: [{name: a, pre: []}]}', "resources[0]: unknown field 'pre'"],
    ['a misspelt rule field', '{resources: [{name: a, postHook: []}]}', "resources[0]: unknown field 'postHook'"],
    ['namespaces not a list of strings', '{resources: [{name: a, includedNamespaces: [1]}]}', 'resources[0].includedNamespaces[0]: expected a string, found number 1'],
    ['a bad selector operator', '{resources: [{name: a, labelSelector: {matchExpressions: [{key: k, operator: Is}]}}]}', "resources[0].labelSelector.matchExpressions[0].operator: 'Is' is not a label selector operator"],
    ['an empty hook entry', withHook({}), 'resources[0].postHooks[0]: has neither exec nor init'],
    ['an unknown hook kind', withHook({ exec: { command: ['x'] }, post: {} }), "resources[0].postHooks[0]: unknown field 'post'"],
    ['a misspelt exec field', withExec({ onEror: 'Fail' }), "resources[0].postHooks[0].exec: unknown field 'onEror'"],
    ['a backup-style exec timeout', withExec({ timeout: '1m' }), "resources[0].postHooks[0].exec: unknown field 'timeout'"],
    ['a missing command', withHook({ exec: { container: 'c' } }), 'resources[0].postHooks[0].exec.command: is empty'],
    ['a command as one string', withHook({ exec: { command: 'echo hi' } }), 'resources[0].postHooks[0].exec.command: must be a list of arguments, not one string'],
    ['a bad onError', withExec({ onError: 'fail' }), "resources[0].postHooks[0].exec.onError: 'fail' is not Continue or Fail"],
    ['a bad execTimeout', withExec({ execTimeout: '30' }), "resources[0].postHooks[0].exec.execTimeout: '30' is not a duration"],
    ['an execTimeout in days', withExec({ execTimeout: '1d' }), "resources[0].postHooks[0].exec.execTimeout: '1d' uses days, which Go durations do not have"],
    ['a bad waitTimeout', withExec({ waitTimeout: 'soon' }), "resources[0].postHooks[0].exec.waitTimeout: 'soon' is not a duration"],
    ['a number as waitTimeout', withExec({ waitTimeout: 30 }), 'resources[0].postHooks[0].exec.waitTimeout: expected a string, found number 30'],
    ['a quoted waitForReady', withExec({ waitForReady: 'true' }), "resources[0].postHooks[0].exec.waitForReady: expected true or false, found 'true'"],
    ['a misspelt init field', withHook({ init: { containers: [] } }), "resources[0].postHooks[0].init: unknown field 'containers'"],
    ['no init containers', withHook({ init: { initContainers: [] } }), 'resources[0].postHooks[0].init.initContainers: is empty'],
    ['an init container that is not a mapping', withHook({ init: { initContainers: ['busybox'] } }), 'resources[0].postHooks[0].init.initContainers[0]: expected a mapping (a Kubernetes container)'],
    ['an init container without a name', withInitContainer({ name: undefined }), 'resources[0].postHooks[0].init.initContainers[0].name: is missing'],
    ['an init container with a bad name', withInitContainer({ name: 'Restore_Data' }), "resources[0].postHooks[0].init.initContainers[0].name: 'Restore_Data' is not a valid container name"],
    ['an init container without an image', withInitContainer({ image: '' }), 'resources[0].postHooks[0].init.initContainers[0].image: is missing'],
    ['an init container without a command', withInitContainer({ command: undefined }), 'resources[0].postHooks[0].init.initContainers[0].command: is empty'],
    ['an init container with a string command', withInitContainer({ command: 'cp -r a b' }), 'resources[0].postHooks[0].init.initContainers[0].command: must be a list of arguments, not one string'],
    [
      'two init containers of one name',
      withHook({ init: { initContainers: [{ name: 'c', image: 'i', command: ['x'] }, { name: 'c', image: 'j', command: ['y'] }] } }),
      "resources[0].postHooks[0].init.initContainers[1].name: 'c' is used twice"
    ],
    ['a bad init timeout', withHook({ init: { initContainers: [{ name: 'c', image: 'i', command: ['x'] }], timeout: '5 minutes' } }), "resources[0].postHooks[0].init.timeout: '5 minutes' is not a duration"]
  ])('refuses %s with the path of the mistake', (_what, text, problem) => {
    expect(problemOf(text)).toContain(problem);
  });

  it('gives paths inside a pasted Restore object', () => {
    expect(problemOf('{spec: {hooks: {resources: [{name: a, postHooks: [{exec: {command: [x], onError: Maybe}}]}]}}}')).toBe(
      "spec.hooks.resources[0].postHooks[0].exec.onError: 'Maybe' is not Continue or Fail"
    );
  });

  it('passes any other container field through for the API server to check', () => {
    const spec = parseRestoreHooksSpec(withInitContainer({ env: [{ name: 'A', value: '1' }] }));
    const container = spec.resources[0]!.postHooks[0]!.init!.initContainers[0]!;
    expect(container).toEqual({ name: 'c', image: 'i', command: ['x'], env: [{ name: 'A', value: '1' }] });
  });
});
