import { describe, expect, it } from '@jest/globals';
import { parseBackupHooksSpec } from '../../../../src/settings/hook-specs.js';
import { InputError } from '../../../../src/util/errors.js';

const yamlSpec = `
resources:
  - name: freeze-db
    includedNamespaces: [db-*]
    excludedNamespaces: []
    includedResources: [pods]
    excludedResources: []
    labelSelector:
      matchLabels: {app: db}
      matchExpressions: [{key: tier, operator: In, values: [a, b]}]
    pre:
      - exec: {container: db, command: ["/bin/sh", "-c", "sync"], onError: Fail, timeout: 10s}
    post:
      - exec: {command: ["/bin/true"]}
`;

const expected = {
  resources: [
    {
      name: 'freeze-db',
      includedNamespaces: ['db-*'],
      excludedNamespaces: [],
      includedResources: ['pods'],
      excludedResources: [],
      labelSelector: { matchLabels: { app: 'db' }, matchExpressions: [{ key: 'tier', operator: 'In', values: ['a', 'b'] }] },
      pre: [{ container: 'db', command: ['/bin/sh', '-c', 'sync'], onError: 'Fail', timeoutMs: 10_000 }],
      post: [{ command: ['/bin/true'], onError: 'Fail', timeoutMs: 30_000 }]
    }
  ]
};

function problemOf(text: string): string {
  try {
    parseBackupHooksSpec(text);
  } catch (err) {
    expect(err).toBeInstanceOf(InputError);
    expect((err as InputError).input).toBe('hooks');
    return (err as InputError).problem;
  }
  throw new Error('expected an InputError');
}

describe('parseBackupHooksSpec', () => {
  it.each([undefined, '', '  \n', '# nothing yet\n', 'null'])('treats %j as no hooks', (text) => {
    expect(parseBackupHooksSpec(text)).toEqual({ resources: [] });
  });

  it('reads the YAML form with defaults filled in', () => {
    expect(parseBackupHooksSpec(yamlSpec)).toEqual(expected);
  });

  it('reads the same spec as JSON', () => {
    const json = JSON.stringify({
      resources: [
        {
          name: 'freeze-db',
          includedNamespaces: ['db-*'],
          excludedNamespaces: [],
          includedResources: ['pods'],
          excludedResources: [],
          labelSelector: { matchLabels: { app: 'db' }, matchExpressions: [{ key: 'tier', operator: 'In', values: ['a', 'b'] }] },
          pre: [{ exec: { container: 'db', command: ['/bin/sh', '-c', 'sync'], onError: 'Fail', timeout: '10s' } }],
          post: [{ exec: { command: ['/bin/true'] } }]
        }
      ]
    });
    expect(parseBackupHooksSpec(json)).toEqual(expected);
  });

  it("accepts Velero's Backup spec form (hooks: ...) and ignores its other fields", () => {
    const text = `includedNamespaces: ['*']\nttl: 720h0m0s\nhooks:\n${yamlSpec.replace(/^/gm, '  ')}`;
    expect(parseBackupHooksSpec(text)).toEqual(expected);
  });

  it('accepts a whole Backup object (spec.hooks)', () => {
    const text = `apiVersion: velero.io/v1\nkind: Backup\nmetadata: {name: b}\nspec:\n  hooks:\n${yamlSpec.replace(/^/gm, '    ')}`;
    expect(parseBackupHooksSpec(text)).toEqual(expected);
  });

  it('treats null lists as empty, as Velero’s nullable fields', () => {
    const spec = parseBackupHooksSpec('resources:\n  - name: r\n    includedNamespaces: null\n    pre: ~\n    labelSelector: null\n');
    expect(spec.resources[0]).toEqual({ name: 'r', includedNamespaces: [], excludedNamespaces: [], includedResources: [], excludedResources: [], pre: [], post: [] });
    expect(parseBackupHooksSpec('hooks: {}')).toEqual({ resources: [] });
    expect(parseBackupHooksSpec('resources: []')).toEqual({ resources: [] });
  });

  it('reads Continue, 0s as the default timeout, and minutes', () => {
    const spec = parseBackupHooksSpec('resources: [{name: r, pre: [{exec: {command: [a], onError: Continue, timeout: 0s}}, {exec: {command: [b], timeout: 1m30s}}]}]');
    expect(spec.resources[0]!.pre).toEqual([
      { command: ['a'], onError: 'Continue', timeoutMs: 30_000 },
      { command: ['b'], onError: 'Fail', timeoutMs: 90_000 }
    ]);
  });

  it('uses the given input name', () => {
    expect(() => parseBackupHooksSpec('resources: 3', 'backup-hooks')).toThrow("Input 'backup-hooks': resources: expected a list, found number 3");
  });

  describe('refuses, naming the exact place', () => {
    const cases: [string, string, string][] = [
      ['invalid YAML', 'resources: [', 'is not valid YAML or JSON: '],
      ['invalid JSON', '{"resources": [}', 'is not valid YAML or JSON: '],
      ['two documents', 'resources: []\n---\nresources: []', 'holds more than one YAML document'],
      ['a top-level list', '- name: x', '(top level): expected a mapping with a resources list'],
      ['a mapping without resources', 'rules: []', "(top level): expected 'resources'"],
      ['resources not a list', 'resources: {name: x}', 'resources: expected a list, found a mapping'],
      ['a rule that is not a mapping', 'resources: [x]', "resources[0]: expected a mapping, found 'x'"],
      ['a rule without a name', 'resources: [{pre: []}]', 'resources[0].name: is missing'],
      ['an unknown rule field', 'resources: [{name: r, labelSelectors: {}}]', "resources[0]: unknown field 'labelSelectors'"],
      ['a namespace that is not a string', 'resources: [{name: r, includedNamespaces: [1]}]', 'resources[0].includedNamespaces[0]: expected a string, found number 1'],
      ['a hook without exec', 'resources: [{name: r, pre: [{}]}]', 'resources[0].pre[0].exec: is missing'],
      ['an unknown exec field', 'resources: [{name: r, pre: [{exec: {command: [a], onEror: Fail}}]}]', "resources[0].pre[0].exec: unknown field 'onEror'"],
      ['an unknown onError value', 'resources: [{name: r, pre: [{exec: {command: [a]}}, {exec: {command: [a], onError: fail}}]}]', "resources[0].pre[1].exec.onError: 'fail' is not Continue or Fail"],
      ['an empty command', 'resources: [{name: r, post: [{exec: {command: []}}]}]', 'resources[0].post[0].exec.command: is empty'],
      ['a missing command', 'resources: [{name: r, post: [{exec: {container: c}}]}]', 'resources[0].post[0].exec.command: is empty'],
      ['a command given as one string', 'resources: [{name: r, pre: [{exec: {command: "sync"}}]}]', 'resources[0].pre[0].exec.command: must be a list of arguments, not one string'],
      ['a command argument that is not a string', 'resources: [{name: r, pre: [{exec: {command: [sleep, 5]}}]}]', 'resources[0].pre[0].exec.command[1]: expected a string, found number 5'],
      ['an invalid timeout', 'resources: [{name: r, pre: [{exec: {command: [a], timeout: soon}}]}]', "resources[0].pre[0].exec.timeout: 'soon' is not a duration"],
      ['a timeout in days', 'resources: [{name: r, pre: [{exec: {command: [a], timeout: 1d}}]}]', "resources[0].pre[0].exec.timeout: '1d' uses days"],
      ['a timeout as a bare number', 'resources: [{name: r, pre: [{exec: {command: [a], timeout: 10}}]}]', 'resources[0].pre[0].exec.timeout: expected a string, found number 10'],
      ['an invalid label operator', 'resources: [{name: r, labelSelector: {matchExpressions: [{key: a, operator: in, values: [x]}]}}]', "resources[0].labelSelector.matchExpressions[0].operator: 'in' is not a label selector operator"],
      ['a missing label operator', 'resources: [{name: r, labelSelector: {matchExpressions: [{key: a}]}}]', 'resources[0].labelSelector.matchExpressions[0].operator: is missing'],
      ['a label expression without key', 'resources: [{name: r, labelSelector: {matchExpressions: [{operator: Exists}]}}]', 'resources[0].labelSelector.matchExpressions[0].key: is missing'],
      ['In without values', 'resources: [{name: r, labelSelector: {matchExpressions: [{key: a, operator: In}]}}]', 'resources[0].labelSelector.matchExpressions[0].values: must not be empty for operator In'],
      ['Exists with values', 'resources: [{name: r, labelSelector: {matchExpressions: [{key: a, operator: Exists, values: [x]}]}}]', 'resources[0].labelSelector.matchExpressions[0].values: must be empty for operator Exists'],
      ['an unquoted boolean label value', 'resources: [{name: r, labelSelector: {matchLabels: {backup: true}}}]', 'resources[0].labelSelector.matchLabels.backup: expected a string, found boolean true'],
      ['an unknown selector field', 'resources: [{name: r, labelSelector: {app: db}}]', "resources[0].labelSelector: unknown field 'app'"],
      ['a bad field in the Backup spec form', 'hooks: {resources: [{name: r, pre: [{exec: {command: [a], onError: Retry}}]}]}', "hooks.resources[0].pre[0].exec.onError: 'Retry' is not Continue or Fail"],
      ['a bad field in the Backup object form', 'spec: {hooks: {resources: [{name: 7}]}}', 'spec.hooks.resources[0].name: expected a string, found number 7']
    ];
    it.each(cases)('%s', (_name, text, problem) => {
      expect(problemOf(text)).toContain(problem);
    });
  });

  it('gives a fix with each refusal', () => {
    const err = (() => {
      try {
        parseBackupHooksSpec('resources: [{name: r, pre: [{exec: {command: [a], onError: fail}}]}]');
      } catch (e) {
        return e as InputError;
      }
      throw new Error('expected an error');
    })();
    expect(err.fix).toBe('Use Continue or Fail (capitalised)');
    expect(err.message).toBe("Input 'hooks': resources[0].pre[0].exec.onError: 'fail' is not Continue or Fail. Use Continue or Fail (capitalised)");
  });

  it('says where invalid YAML is', () => {
    expect(problemOf('resources:\n  - name: r\n    pre: [\n')).toMatch(/at line \d+, column \d+$/);
  });
});
