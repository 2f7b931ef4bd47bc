import { describe, expect, it } from '@jest/globals';
import { withRestoreInitContainers } from '../../../../src/hooks/restore-init-containers.js';
import { parseRestoreHooksSpec } from '../../../../src/settings/restore-hook-specs.js';
import type { KubeObject } from '../../../../src/model/kube-object.js';
import { type RestoreHooksSpec } from '../../../../src/hooks/hook-types.js';

const NO_SPEC: RestoreHooksSpec = { resources: [] };
const INIT = 'init.hook.restore.velero.io';

function pod(options: { namespace?: string; labels?: Record<string, string>; annotations?: Record<string, string>; initContainers?: unknown[] } = {}): KubeObject {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: 'web-0', namespace: options.namespace ?? 'shop', labels: options.labels ?? { app: 'web' }, ...(options.annotations ? { annotations: options.annotations } : {}) },
    spec: {
      ...(options.initContainers ? { initContainers: options.initContainers } : {}),
      containers: [{ name: 'main', image: 'app:1' }]
    }
  };
}

const initNames = (p: KubeObject) => ((p.spec as { initContainers?: { name: string }[] }).initContainers ?? []).map((c) => c.name);
const initContainers = (p: KubeObject) => (p.spec as { initContainers?: Record<string, unknown>[] }).initContainers ?? [];

/** A rule adding init containers named as given, with optional selection fields. */
function ruleSpec(name: string, containers: string[], selection: Record<string, unknown> = {}) {
  return { name, ...selection, postHooks: [{ init: { initContainers: containers.map((c) => ({ name: c, image: `${c}:1`, command: ['run', c] })) } }] };
}
const specOf = (...rules: unknown[]) => parseRestoreHooksSpec(JSON.stringify({ resources: rules }));

describe('withRestoreInitContainers', () => {
  it('returns the very same pod, cheaply, when nothing asks for init containers', () => {
    const original = pod();
    const result = withRestoreInitContainers(original, NO_SPEC);
    expect(result.pod).toBe(original);
    expect(result).toEqual({ pod: original, added: [], problems: [] });
    expect(withRestoreInitContainers(original, specOf({ name: 'exec-only', postHooks: [{ exec: { command: ['x'] } }] })).pod).toBe(original);
  });

  it('adds the container the annotations describe, first, before the pod’s own init containers', () => {
    const original = pod({
      annotations: { [`${INIT}/container-image`]: 'busybox:1.36', [`${INIT}/container-name`]: 'restore-marker', [`${INIT}/command`]: '["/bin/sh", "-c", "echo init > /work/marker"]' },
      initContainers: [{ name: 'own-init', image: 'own:1' }]
    });
    const before = structuredClone(original);
    const result = withRestoreInitContainers(original, NO_SPEC);
    expect(result.added).toEqual(['restore-marker']);
    expect(result.problems).toEqual([]);
    expect(initContainers(result.pod)).toEqual([
      { name: 'restore-marker', image: 'busybox:1.36', command: ['/bin/sh', '-c', 'echo init > /work/marker'] },
      { name: 'own-init', image: 'own:1' }
    ]);
    expect(original).toEqual(before);
  });

  it('takes a command annotation that is not a JSON array as one argument, and no command as the image entrypoint', () => {
    const single = withRestoreInitContainers(pod({ annotations: { [`${INIT}/container-image`]: 'tool:1', [`${INIT}/container-name`]: 'c', [`${INIT}/command`]: '/restore.sh' } }), NO_SPEC);
    expect(initContainers(single.pod)).toEqual([{ name: 'c', image: 'tool:1', command: ['/restore.sh'] }]);
    const entrypoint = withRestoreInitContainers(pod({ annotations: { [`${INIT}/container-image`]: 'tool:1', [`${INIT}/container-name`]: 'c' } }), NO_SPEC);
    expect(initContainers(entrypoint.pod)).toEqual([{ name: 'c', image: 'tool:1' }]);
  });

  it('names an unnamed annotation container like Velero, the same on every call for the same pod', () => {
    const annotations = { [`${INIT}/container-image`]: 'tool:1' };
    const first = withRestoreInitContainers(pod({ annotations }), NO_SPEC).added[0]!;
    expect(first).toMatch(/^velero-restore-init-[0-9a-f]{8}$/);
    expect(withRestoreInitContainers(pod({ annotations }), NO_SPEC).added[0]).toBe(first);
    expect(withRestoreInitContainers(pod({ annotations, namespace: 'other' }), NO_SPEC).added[0]).not.toBe(first);
  });

  it('prefers the annotations over spec rules (the spec rules then add nothing)', () => {
    const spec = specOf(ruleSpec('prepare', ['from-spec']));
    const annotated = withRestoreInitContainers(pod({ annotations: { [`${INIT}/container-image`]: 'tool:1', [`${INIT}/container-name`]: 'from-annotation' } }), spec);
    expect(initNames(annotated.pod)).toEqual(['from-annotation']);
    expect(initNames(withRestoreInitContainers(pod(), spec).pod)).toEqual(['from-spec']);
  });

  it('falls back to the spec, with a problem, when the annotations lack an image', () => {
    const spec = specOf(ruleSpec('prepare', ['from-spec']));
    const result = withRestoreInitContainers(pod({ annotations: { [`${INIT}/command`]: 'restore.sh' } }), spec);
    expect(initNames(result.pod)).toEqual(['from-spec']);
    expect(result.problems).toEqual([`annotations ${INIT}/* are ignored: ${INIT}/container-image is not set`]);
    expect(withRestoreInitContainers(pod({ annotations: { [`${INIT}/container-name`]: 'x' } }), NO_SPEC).problems).toHaveLength(1);
  });

  it('adds the init containers of every matching rule, rules and hooks in order, keeping container fields', () => {
    const spec = parseRestoreHooksSpec(`
resources:
  - name: first
    postHooks:
      - init:
          initContainers:
            - {name: a, image: a:1, command: [a], volumeMounts: [{name: data, mountPath: /data}]}
            - {name: b, image: b:1, command: [b]}
      - exec: {command: [not-an-init]}
      - init: {initContainers: [{name: c, image: c:1, command: [c]}]}
  - name: elsewhere
    includedNamespaces: [other]
    postHooks: [{init: {initContainers: [{name: skipped, image: s:1, command: [s]}]}}]
  - name: second
    postHooks: [{init: {initContainers: [{name: d, image: d:1, command: [d]}]}}]
`);
    const result = withRestoreInitContainers(pod({ initContainers: [{ name: 'own', image: 'own:1' }] }), spec);
    expect(result.added).toEqual(['a', 'b', 'c', 'd']);
    expect(initNames(result.pod)).toEqual(['a', 'b', 'c', 'd', 'own']);
    expect(initContainers(result.pod)[0]).toEqual({ name: 'a', image: 'a:1', command: ['a'], volumeMounts: [{ name: 'data', mountPath: '/data' }] });
  });

  it('gives each pod its own copy of a spec container', () => {
    const spec = specOf(ruleSpec('prepare', ['c']));
    const one = withRestoreInitContainers(pod(), spec);
    (initContainers(one.pod)[0]!.command as string[]).push('changed');
    expect(initContainers(withRestoreInitContainers(pod(), spec).pod)[0]!.command).toEqual(['run', 'c']);
  });

  it.each<[string, Record<string, unknown>, { namespace?: string; labels?: Record<string, string> }, boolean]>([
    ['an included namespace glob', { includedNamespaces: ['sh*'] }, {}, true],
    ['another namespace', { includedNamespaces: ['db'] }, {}, false],
    ['an excluded namespace', { excludedNamespaces: ['shop'] }, {}, false],
    ['matching labels', { labelSelector: { matchLabels: { app: 'web' } } }, {}, true],
    ['other labels', { labelSelector: { matchLabels: { app: 'db' } } }, {}, false],
    ['a matchExpression', { labelSelector: { matchExpressions: [{ key: 'app', operator: 'NotIn', values: ['db'] }] } }, {}, true],
    ['pods among the resources', { includedResources: ['pods'] }, {}, true],
    ['pods excluded', { excludedResources: ['pods'] }, {}, false]
  ])('applies a rule with %s: %s', (_what, selection, podOptions, applies) => {
    const result = withRestoreInitContainers(pod(podOptions), specOf(ruleSpec('r', ['c'], selection)));
    expect(result.added).toEqual(applies ? ['c'] : []);
  });

  it('matches rules against the namespace the pod is restored into (after namespace mapping)', () => {
    const spec = specOf(ruleSpec('copy-only', ['c'], { includedNamespaces: ['shop-copy'] }));
    expect(withRestoreInitContainers(pod({ namespace: 'shop-copy' }), spec).added).toEqual(['c']);
    expect(withRestoreInitContainers(pod({ namespace: 'shop' }), spec).added).toEqual([]);
  });

  it('does not add a container again that an earlier restore left in the backed-up pod', () => {
    const spec = specOf(ruleSpec('prepare', ['c']));
    const earlier = { name: 'c', image: 'c:1', command: ['run', 'c'], imagePullPolicy: 'IfNotPresent', terminationMessagePath: '/dev/termination-log' };
    const result = withRestoreInitContainers(pod({ initContainers: [earlier] }), spec);
    expect(result).toMatchObject({ added: [], problems: [] });
    expect(initContainers(result.pod)).toEqual([earlier]);
  });

  it('reports, and does not add, a hook container whose name the pod already uses for something else', () => {
    const clash = withRestoreInitContainers(pod(), specOf(ruleSpec('prepare', ['main', 'ok'])));
    expect(clash.added).toEqual(['ok']);
    expect(clash.problems).toEqual(["init container 'main' from restore hook rule 'prepare' is not added: the pod already has a container of that name"]);
    const twoRules = withRestoreInitContainers(pod(), specOf(ruleSpec('one', ['c']), { name: 'two', postHooks: [{ init: { initContainers: [{ name: 'c', image: 'other:1', command: ['x'] }] } }] }));
    expect(twoRules.added).toEqual(['c']);
    expect(twoRules.problems).toEqual(["init container 'c' from restore hook rule 'two' is not added: the pod already has a container of that name"]);
  });
});
