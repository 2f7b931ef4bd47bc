import { describe, expect, it } from '@jest/globals';
import type { ArchiveIndex } from '../../../src/archive/archive-index.js';
import type { ApiResource, DiscoveryResult } from '../../../src/kube/cluster.js';
import { backupableResources } from '../../../src/kube/resources.js';
import type { KubeObject } from '../../../src/model/kube-object.js';
import { BackupCatalog } from '../../../src/persistence/archive-catalog.js';
import { planRestoreScope } from '../../../src/restore/plan/filters.js';
import { selectItems, type Selection } from '../../../src/restore/select.js';
import type { RestoreFilters } from '../../../src/settings/restore-filters.js';

const r = (group: string, name: string, kind: string, namespaced = true): ApiResource => ({ group, version: 'v1', name, kind, singularName: kind.toLowerCase(), namespaced, verbs: ['list', 'create', 'get', 'delete'], shortNames: [] });
const target: DiscoveryResult = {
  groups: [{ name: '', preferredVersion: 'v1', versions: ['v1'] }],
  resources: [r('', 'pods', 'Pod'), r('', 'configmaps', 'ConfigMap'), r('', 'namespaces', 'Namespace', false), r('', 'persistentvolumeclaims', 'PersistentVolumeClaim'), r('', 'persistentvolumes', 'PersistentVolume', false)],
  failures: []
};

/** A spooled archive in memory: an entry per path, read back as given. */
function catalogOf(files: Record<string, string | KubeObject>): BackupCatalog {
  const content = new Map(Object.entries(files).map(([path, value]) => [path, typeof value === 'string' ? value : JSON.stringify(value)]));
  const index: ArchiveIndex = {
    entries: [...content.keys()].map((path, i) => ({ path, offset: i, size: content.get(path)!.length })),
    formatVersion: '1.1.0',
    read: async (entry) => Buffer.from(content.get(entry.path)!, 'utf8'),
    close: async () => {}
  };
  return new BackupCatalog(index);
}

const select = (files: Record<string, string | KubeObject>, overrides: Partial<RestoreFilters> = {}): Promise<Selection> => {
  const catalog = catalogOf(files);
  const filters: RestoreFilters = { includeNamespaces: [], excludeNamespaces: [], includeResources: [], excludeResources: [], includeClusterResources: undefined, orLabelSelectors: [], includeNames: [], ...overrides };
  return selectItems(catalog, planRestoreScope(filters, backupableResources(target), catalog.groupResources()));
};
const cm = (namespace: string, name: string, labels: Record<string, string> = {}): KubeObject => ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, namespace, labels } });
const chosen = (selection: Selection) => [...selection.items.values()].flat().map((item) => `${item.groupResource} ${item.namespace ?? ''}/${item.name}`).sort();
const rejected = (selection: Selection) => selection.rejected.map((r) => r.reason);

describe('selectItems with items that cannot be used', () => {
  it('rejects, naming the entry, an unusable item the filters take, and goes on', async () => {
    const selection = await select(
      {
        'resources/configmaps/namespaces/shop/good.json': cm('shop', 'good'),
        'resources/configmaps/namespaces/shop/broken.json': '{not json',
        'resources/configmaps/namespaces/shop/moved.json': cm('kube-system', 'moved')
      },
      { includeNamespaces: ['shop'] }
    );
    expect(chosen(selection)).toEqual(['configmaps shop/good']);
    expect(rejected(selection)).toEqual([
      expect.stringMatching(/^resources\/configmaps\/namespaces\/shop\/broken\.json: not valid JSON/),
      "resources/configmaps/namespaces/shop/moved.json: metadata.namespace is 'kube-system', but the archive path puts it in namespace 'shop'"
    ]);
    expect(selection.warnings).toEqual([]);
    expect(selection.total).toBe(1);
  });

  it('never quotes the text of an item that is not JSON (it may be a Secret)', async () => {
    const selection = await select({
      'resources/secrets/namespaces/shop/db.json': '{"apiVersion":"v1","kind":"Secret","data":{"password":"aHVudGVyMg==" oops}}',
      'resources/secrets/namespaces/shop/cut.json': '{"apiVersion":"v1","kind":"Secret","data":{"password":"aHVudGVy'
    });
    expect(rejected(selection)).toEqual([
      expect.stringMatching(/^resources\/secrets\/namespaces\/shop\/db\.json: not valid JSON \(syntax error at character \d+\)$/),
      expect.stringMatching(/^resources\/secrets\/namespaces\/shop\/cut\.json: not valid JSON \((syntax error at character \d+|it ends too early)\)$/)
    ]);
    expect(rejected(selection).join()).not.toMatch(/aHVudGVy|oops/);
  });

  it('judges an unusable item by its path alone: outside the filters it is a warning, whatever its JSON says', async () => {
    const selection = await select(
      {
        'resources/configmaps/namespaces/other/broken.json': '[]',
        // Its JSON claims an included namespace; its path is the truth.
        'resources/configmaps/namespaces/other/claims-shop.json': cm('shop', 'claims-shop'),
        'resources/persistentvolumes/cluster/pv-1.json': 'null'
      },
      { includeNamespaces: ['shop'] }
    );
    expect(chosen(selection)).toEqual([]);
    expect(rejected(selection)).toEqual([]);
    expect(selection.warnings).toEqual([
      'an item the filters leave out cannot be used: resources/configmaps/namespaces/other/broken.json: not a Kubernetes object: the JSON is an array, not an object',
      "an item the filters leave out cannot be used: resources/configmaps/namespaces/other/claims-shop.json: metadata.namespace is 'shop', but the archive path puts it in namespace 'other'",
      'an item the filters leave out cannot be used: resources/persistentvolumes/cluster/pv-1.json: not a Kubernetes object: the JSON is null, not an object'
    ]);
  });

  it('does not let an unusable item escape the filters through labels nobody can read', async () => {
    const selection = await select(
      {
        'resources/configmaps/namespaces/shop/web.json': cm('shop', 'web', { app: 'web' }),
        'resources/configmaps/namespaces/shop/db.json': cm('shop', 'db', { app: 'db' }),
        'resources/configmaps/namespaces/shop/broken.json': '{'
      },
      { labelSelector: { matchLabels: { app: 'web' } } }
    );
    expect(chosen(selection)).toEqual(['configmaps shop/web']);
    expect(rejected(selection)).toEqual([expect.stringContaining('resources/configmaps/namespaces/shop/broken.json: not valid JSON')]);
  });

  it('rejects an unusable item a selected one brings (a pod’s claim), once', async () => {
    const pod: KubeObject = { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'web', namespace: 'shop' }, spec: { volumes: [{ name: 'd', persistentVolumeClaim: { claimName: 'data' } }] } };
    const selection = await select({
      'resources/pods/namespaces/shop/web.json': pod,
      'resources/persistentvolumeclaims/namespaces/shop/data.json': '{"metadata": 1}'
    });
    expect(chosen(selection)).toEqual(['pods shop/web']);
    expect(rejected(selection)).toEqual(['resources/persistentvolumeclaims/namespaces/shop/data.json: not a Kubernetes object: it has no metadata object']);
    expect(selection.warnings).toEqual([]);
  });

  it('fills a missing namespace from the path, so the item is selected and its related keys are in its namespace', async () => {
    const pod: KubeObject = { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'web', labels: { app: 'web' } }, spec: { volumes: [{ name: 'd', persistentVolumeClaim: { claimName: 'data' } }] } };
    const selection = await select(
      {
        'resources/pods/namespaces/shop/web.json': pod,
        'resources/persistentvolumeclaims/namespaces/shop/data.json': { apiVersion: 'v1', kind: 'PersistentVolumeClaim', metadata: { name: 'data', namespace: 'shop', labels: { other: 'x' } } }
      },
      { labelSelector: { matchLabels: { app: 'web' } } }
    );
    expect(chosen(selection)).toEqual(['persistentvolumeclaims shop/data', 'pods shop/web']);
  });
});
