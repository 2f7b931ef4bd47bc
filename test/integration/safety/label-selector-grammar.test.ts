import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { KubeCluster } from '../../../src/kube/kube-cluster.js';
import { KubeApiError } from '../../../src/kube/http.js';
import { formatLabelSelector, matchesLabelSelector, parseLabelSelector } from '../../../src/kube/label-selector.js';
import { clusterFor, createNamespace, deleteNamespace, refs } from '../../support/cluster.js';
import { testEnvironment, uniqueName } from '../../support/environment.js';

// The selector inputs are parsed before any work starts, with the API server's grammar. The server is the oracle:
// each selector here is sent to a real one, which must agree with the table and with our parser, and for valid
// selectors must select exactly the objects our matcher selects.
const env = testEnvironment();
const ns = uniqueName('selectors');
let cluster: KubeCluster;

const LABELLED: Record<string, Record<string, string>> = {
  web: { app: 'web', tier: 'web', version: '3' },
  db: { app: 'db', tier: 'db', version: '12', 'example.com/role': 'db' },
  cache: { tier: 'cache', version: 'x' },
  empty: { app: '' },
  keyword: { app: 'in' },
  bare: {}
};

const VALID = [
  'app=web', 'app==web', 'app!=web', 'app', '!app', '! app', 'app =  web', ' app=web ', 'app=', 'app==', 'app!=',
  'tier in (web)', 'tier in(web)', 'tier in (web, db)', 'tier notin (web)', 'tier notin(web,db)', 'tier in ()',
  'tier in (web,)', 'tier in (,web)', 'tier in (web,,db)', 'version>2', 'version > 2', 'version<10', 'in=1',
  'version>2,app', 'app=web , tier in (db,web)', 'example.com/role=db', 'app=in', 'app in (in,notin)', 'app,!tier',
  'a.b_c-d=e.f_g-h'
];

const INVALID = [
  'app=web,', ',app', 'app=web,,tier', 'tier in web', 'tier in (web', 'tier (web)', 'version>two', 'version>', 'version>1.5', 'version>-1',
  '!app=web', '!', 'app=-web', 'app=w@b', 'Example.com/role=db', 'a/b/c=1', '=web', 'app===web', 'app=web=db',
  'app in (web) tier', '-app=web', `app=${'v'.repeat(64)}`, `${'k'.repeat(64)}=v`
];

async function serverSelects(selector: string): Promise<string[] | 'invalid'> {
  try {
    const page = await cluster.listPage(refs.configmaps, { namespace: ns, labelSelector: selector, limit: 100 });
    return page.items.map((o) => o.metadata.name!).filter((n) => n in LABELLED).sort();
  } catch (err) {
    if (err instanceof KubeApiError && err.statusCode === 400) return 'invalid';
    throw err;
  }
}

beforeAll(async () => {
  cluster = clusterFor(env.kubeconfig);
  await createNamespace(cluster, ns);
  for (const [name, labels] of Object.entries(LABELLED)) {
    await cluster.create(refs.configmaps, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, namespace: ns, labels } });
  }
}, 120_000);

afterAll(async () => {
  await deleteNamespace(cluster, ns);
  cluster.close();
});

describe('label selectors, checked against the API server', () => {
  it.each(VALID)('accepts %j, and selects what the server selects', async (selector) => {
    const selected = await serverSelects(selector);
    expect(selected).not.toBe('invalid');
    const parsed = parseLabelSelector(selector, 'selector');
    const ours = Object.entries(LABELLED).filter(([, labels]) => matchesLabelSelector(parsed, labels)).map(([name]) => name).sort();
    expect(ours).toEqual(selected);
    // What a backup sends to the server's list calls selects the same objects.
    expect(await serverSelects(formatLabelSelector(parsed))).toEqual(selected);
  });

  it.each(INVALID)('refuses %j, as the server does, naming the input', async (selector) => {
    expect(await serverSelects(selector)).toBe('invalid');
    expect(() => parseLabelSelector(selector, 'or-selector')).toThrow(/^Input 'or-selector': /);
  });
});
