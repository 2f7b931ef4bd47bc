import { describe, expect, it } from '@jest/globals';
import { groupByOwners, type ListedAddition } from '../../../src/diff/owners.js';
import { runDiff } from '../../../src/diff/run-diff.js';
import type { ActualSide, ExpectedObject, ExpectedSide } from '../../../src/diff/sides.js';
import type { KubeObject } from '../../../src/model/kube-object.js';
import { addedGroups, changeText, driftOutputs, driftSummary } from '../../../src/report/diff-report.js';
import { MemoryLogger } from '../../../src/util/logger.js';

const configMap = (name: string, data: Record<string, string>, extra: Partial<KubeObject['metadata']> = {}): KubeObject => ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, namespace: 'shop', ...extra }, data });
const deployment = (name: string, image: string): KubeObject => ({ apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name, namespace: 'shop' }, spec: { replicas: 1, template: { spec: { containers: [{ name: 'main', image }] } } } });

/** The backup side from plain objects per resource type; `skipped` names items a restore would skip. */
function expectedSide(byType: Record<string, KubeObject[]>, skipped: string[] = []): ExpectedSide & { reads: number } {
  const side = {
    backupName: 'nightly',
    reads: 0,
    resourceTypes: () => Object.keys(byType),
    warnings: () => [],
    *items(groupResource: string) {
      for (const object of byType[groupResource] ?? []) {
        const identity = { namespace: object.metadata.namespace, name: object.metadata.name! };
        yield {
          identity,
          read: async (): Promise<ExpectedObject> => {
            side.reads += 1;
            return skipped.includes(object.metadata.name!) ? { ok: false, action: 'skipped', reason: 'a restore skips it' } : { ok: true, desired: object, version: 'v1' };
          }
        };
      }
    }
  };
  return side;
}

function actualSide(byType: Record<string, KubeObject[]>): ActualSide {
  return {
    description: 'cluster test',
    async *objects(groupResource) {
      for (const object of byType[groupResource] ?? []) yield { object, version: 'v1' };
    },
    readAt: async () => undefined
  };
}

const diff = (expected: ExpectedSide, actual: ActualSide) => runDiff({ logger: new MemoryLogger(), clock: () => new Date(0) }, expected, actual);

describe('runDiff', () => {
  it('reports nothing when every object is held, whatever the server added', async () => {
    const live = { ...configMap('a', { k: 'v' }), metadata: { name: 'a', namespace: 'shop', uid: 'u1', resourceVersion: '7', creationTimestamp: 'x' } };
    const result = await diff(expectedSide({ configmaps: [configMap('a', { k: 'v' })] }), actualSide({ configmaps: [live] }));
    expect({ drifted: result.drifted, counts: result.counts }).toEqual({ drifted: false, counts: { added: 0, removed: 0, changed: 0, unchanged: 1, skipped: 0, failed: 0 } });
  });

  it('sorts objects into added, removed and changed, per namespace and resource, with masked ConfigMap values', async () => {
    const expected = expectedSide({ configmaps: [configMap('a', { k: 'old' }), configMap('gone', {})], 'deployments.apps': [deployment('web', 'web:1')] });
    const actual = actualSide({ configmaps: [configMap('a', { k: 'new' }), configMap('new', {})], 'deployments.apps': [deployment('web', 'web:2')] });
    const result = await diff(expected, actual);
    expect(result.counts).toMatchObject({ added: 1, removed: 1, changed: 2, unchanged: 0 });
    expect(result.changed).toEqual([
      { groupResource: 'configmaps', kind: 'ConfigMap', namespace: 'shop', name: 'a', changes: [{ path: 'data.k', op: 'replace', masked: true }] },
      { groupResource: 'deployments.apps', kind: 'Deployment', namespace: 'shop', name: 'web', changes: [{ path: 'spec.template.spec.containers[0].image', op: 'replace', from: 'web:2', to: 'web:1' }] }
    ]);
    expect(result.removed).toEqual([{ groupResource: 'configmaps', kind: 'ConfigMap', namespace: 'shop', name: 'gone' }]);
    expect(result.added.map((a) => a.name)).toEqual(['new']);
    expect(result.byNamespace).toEqual([{ key: 'shop', added: 1, removed: 1, changed: 2 }]);
    expect(result.byResource).toEqual([
      { key: 'configmaps', added: 1, removed: 1, changed: 1 },
      { key: 'deployments.apps', added: 0, removed: 0, changed: 1 }
    ]);
    expect(driftOutputs(result)).toEqual({ drifted: 'true', added: '1', removed: '1', changed: '2' });
    const summary = driftSummary(result);
    expect(summary).toContain('`spec.template.spec.containers[0].image`: `"web:1"` → `"web:2"`');
    expect(summary).not.toMatch(/old|"new"/);
  });

  it('counts a label or data key added live as drift, but not a field the server filled in', async () => {
    const labelled = { ...deployment('web', 'web:1'), metadata: { name: 'web', namespace: 'shop', labels: { app: 'web', team: 'payments' } } };
    const defaulted = { ...deployment('api', 'api:1'), spec: { replicas: 1, revisionHistoryLimit: 10, template: { spec: { containers: [{ name: 'main', image: 'api:1' }] } } } };
    const expected = expectedSide({ configmaps: [configMap('a', { k: 'v' })], 'deployments.apps': [{ ...deployment('web', 'web:1'), metadata: { name: 'web', namespace: 'shop', labels: { app: 'web' } } }, deployment('api', 'api:1')] });
    const actual = actualSide({ configmaps: [configMap('a', { k: 'v', added: 'secret-ish' })], 'deployments.apps': [labelled, defaulted] });
    const result = await diff(expected, actual);
    expect(result.counts).toMatchObject({ changed: 2, unchanged: 1 });
    expect(result.changed.map((object) => [object.name, object.changes])).toEqual([
      ['a', [{ path: 'data.added', op: 'remove', masked: true }]],
      ['web', [{ path: 'metadata.labels.team', op: 'remove', from: 'payments' }]]
    ]);
    expect(result.changed.flatMap((object) => object.changes.map(changeText))).toEqual(['`data.added` added live (values not shown)', '`metadata.labels.team`: unset in the backup, `"payments"` live']);
    expect(JSON.stringify(result)).not.toContain('secret-ish');
  });

  it('leaves out what a restore would skip: neither removed when gone, nor changed when it differs', async () => {
    const expected = expectedSide({ configmaps: [configMap('skipped-here', { k: 'a' }), configMap('skipped-gone', {})] }, ['skipped-here', 'skipped-gone']);
    const result = await diff(expected, actualSide({ configmaps: [configMap('skipped-here', { k: 'b' })] }));
    expect({ drifted: result.drifted, counts: result.counts }).toEqual({ drifted: false, counts: { added: 0, removed: 0, changed: 0, unchanged: 0, skipped: 2, failed: 0 } });
  });

  it('reads each backed-up object once, only to compare it', async () => {
    const expected = expectedSide({ configmaps: [configMap('a', {}), configMap('b', {})] });
    await diff(expected, actualSide({ configmaps: [configMap('a', {})] }));
    expect(expected.reads).toBe(2);
  });
});

describe('groupByOwners', () => {
  const listed = (kind: string, name: string, uid: string, owner?: { kind: string; name: string; uid: string }): ListedAddition => ({
    groupResource: kind.toLowerCase() + 's',
    kind,
    namespace: 'shop',
    name,
    uid,
    owners: owner ? [{ ...owner, controller: true }] : []
  });

  it.each([
    ['a Pod of an added ReplicaSet of an added Deployment comes with the Deployment', 'Pod', 'Deployment/web'],
    ['the added ReplicaSet comes with the Deployment', 'ReplicaSet', 'Deployment/web'],
    ['the Deployment is at the top', 'Deployment', undefined],
    ['a Pod of a ReplicaSet that was there before comes with nothing added, but names its owner', 'Pod-old', undefined]
  ])('%s', (_case, which, cameWith) => {
    const grouped = groupByOwners([
      listed('Deployment', 'web', 'd1'),
      listed('ReplicaSet', 'web-1', 'r1', { kind: 'Deployment', name: 'web', uid: 'd1' }),
      listed('Pod', 'web-1-a', 'p1', { kind: 'ReplicaSet', name: 'web-1', uid: 'r1' }),
      { ...listed('Pod', 'old-1-b', 'p2', { kind: 'ReplicaSet', name: 'old-1', uid: 'r-existing' }) }
    ]);
    const object = which === 'Pod-old' ? grouped[3]! : grouped.find((g) => g.kind === which)!;
    expect(object.cameWith && `${object.cameWith.kind}/${object.cameWith.name}`).toBe(cameWith);
    if (which === 'Pod-old') expect(object.owner).toEqual({ kind: 'ReplicaSet', name: 'old-1', uid: 'r-existing' });
  });

  it('stops at an ownership cycle', () => {
    const grouped = groupByOwners([listed('Widget', 'a', 'ua', { kind: 'Widget', name: 'b', uid: 'ub' }), listed('Widget', 'b', 'ub', { kind: 'Widget', name: 'a', uid: 'ua' })]);
    expect(grouped.map((g) => g.cameWith?.name)).toEqual(['b', 'a']);
  });

  it('renders each group once, with its followers counted per kind', () => {
    const grouped = groupByOwners([
      listed('Deployment', 'web', 'd1'),
      listed('ReplicaSet', 'web-1', 'r1', { kind: 'Deployment', name: 'web', uid: 'd1' }),
      listed('Pod', 'web-1-a', 'p1', { kind: 'ReplicaSet', name: 'web-1', uid: 'r1' }),
      listed('Pod', 'web-1-b', 'p2', { kind: 'ReplicaSet', name: 'web-1', uid: 'r1' })
    ]);
    expect(addedGroups(grouped)).toEqual(['- Deployment `shop/web`, with 2 Pod, 1 ReplicaSet']);
  });
});

describe('changeText', () => {
  it.each([
    [{ path: 'spec.replicas', op: 'replace' as const, from: 3, to: 2 }, '`spec.replicas`: `2` → `3`'],
    [{ path: 'spec.paused', op: 'add' as const, to: true }, '`spec.paused`: `true` in the backup, unset live'],
    [{ path: 'data.password', op: 'replace' as const, masked: true }, '`data.password` changed (values not shown)'],
    [{ path: 'data.password', op: 'add' as const, masked: true }, '`data.password` removed live (values not shown)']
  ])('%j', (change, text) => {
    expect(changeText(change)).toBe(text);
  });
});
