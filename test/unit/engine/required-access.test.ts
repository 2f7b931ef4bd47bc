import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from '@jest/globals';
import { parseAllDocuments } from 'yaml';
import { accessReportLines } from '../../../src/engine/check-access.js';
import { ACCESS_MODES, describeAccess, requiredAccess, type AccessMode, type RequiredAccess } from '../../../src/engine/required-access.js';
import type { AccessCheck, ApiResource, DiscoveryResult } from '../../../src/kube/cluster.js';
import { repoRoot } from '../../support/environment.js';

const ALL = ['list', 'create', 'get', 'delete', 'watch', 'update', 'patch'];
const r = (group: string, name: string, kind: string, namespaced = true): ApiResource => ({ group, version: 'v1', name, kind, singularName: kind.toLowerCase(), namespaced, verbs: ALL, shortNames: [] });

const discovery: DiscoveryResult = {
  groups: [
    { name: '', preferredVersion: 'v1', versions: ['v1'] },
    { name: 'apps', preferredVersion: 'v1', versions: ['v1'] },
    { name: 'rbac.authorization.k8s.io', preferredVersion: 'v1', versions: ['v1'] },
    { name: 'snapshot.storage.k8s.io', preferredVersion: 'v1', versions: ['v1'] },
    { name: 'example.com', preferredVersion: 'v1', versions: ['v1'] }
  ],
  resources: [
    r('', 'pods', 'Pod'),
    r('', 'configmaps', 'ConfigMap'),
    r('', 'secrets', 'Secret'),
    r('', 'namespaces', 'Namespace', false),
    r('', 'persistentvolumes', 'PersistentVolume', false),
    r('apps', 'deployments', 'Deployment'),
    r('rbac.authorization.k8s.io', 'roles', 'Role'),
    r('rbac.authorization.k8s.io', 'clusterroles', 'ClusterRole', false),
    r('snapshot.storage.k8s.io', 'volumesnapshots', 'VolumeSnapshot'),
    r('snapshot.storage.k8s.io', 'volumesnapshotcontents', 'VolumeSnapshotContent', false),
    r('snapshot.storage.k8s.io', 'volumesnapshotclasses', 'VolumeSnapshotClass', false),
    r('example.com', 'widgets', 'Widget')
  ],
  failures: []
};
const withoutSnapshots: DiscoveryResult = { ...discovery, groups: discovery.groups.filter((g) => g.name !== 'snapshot.storage.k8s.io'), resources: discovery.resources.filter((x) => x.group !== 'snapshot.storage.k8s.io') };

const names = (needs: RequiredAccess[], optional = false) => needs.filter((n) => (n.optional ?? false) === optional).map(describeAccess);

describe('requiredAccess', () => {
  it.each<[string, AccessMode, DiscoveryResult, string[], string[], string[]]>([
    ['backup lists every resource cluster-wide', 'backup', withoutSnapshots, [], ['list configmaps cluster-wide', 'list widgets.example.com cluster-wide', 'list namespaces cluster-wide', 'list clusterroles.rbac.authorization.k8s.io cluster-wide', 'create pods/exec cluster-wide', 'create pods cluster-wide', 'delete pods cluster-wide'], ['create configmaps cluster-wide', 'list volumesnapshotclasses.snapshot.storage.k8s.io cluster-wide']],
    ['backup takes CSI snapshots where the API is served', 'backup', discovery, [], ['create volumesnapshots.snapshot.storage.k8s.io cluster-wide', 'patch volumesnapshotcontents.snapshot.storage.k8s.io cluster-wide', 'delete volumesnapshotcontents.snapshot.storage.k8s.io cluster-wide', 'get storageclasses.storage.k8s.io cluster-wide', 'list volumesnapshotclasses.snapshot.storage.k8s.io cluster-wide'], ['create volumesnapshotcontents.snapshot.storage.k8s.io cluster-wide']],
    ['a backup of one namespace needs its resources there and its Namespace by name', 'backup', withoutSnapshots, ['shop'], ['list configmaps in namespace shop', 'get namespaces shop in namespace shop', 'create pods/exec in namespace shop'], ['list configmaps cluster-wide', 'list persistentvolumes cluster-wide', 'get persistentvolumes cluster-wide', 'list clusterrolebindings.rbac.authorization.k8s.io cluster-wide']],
    ['restore reads, creates and updates every resource, and may escalate and bind roles', 'restore', withoutSnapshots, [], ['get secrets cluster-wide', 'create secrets cluster-wide', 'patch deployments.apps cluster-wide', 'create namespaces cluster-wide', 'escalate clusterroles.rbac.authorization.k8s.io cluster-wide', 'bind roles.rbac.authorization.k8s.io cluster-wide', 'create pods/exec cluster-wide'], ['delete secrets cluster-wide', 'list secrets cluster-wide']],
    ['a restore into one namespace needs cluster-scoped writes only as extras', 'restore', withoutSnapshots, ['shop'], ['create configmaps in namespace shop', 'escalate roles.rbac.authorization.k8s.io in namespace shop'], ['create configmaps cluster-wide', 'escalate clusterroles.rbac.authorization.k8s.io cluster-wide']]
  ])('%s', (_, mode, disc, namespaces, required, absent) => {
    const needs = requiredAccess(mode, disc, namespaces);
    expect(names(needs)).toEqual(expect.arrayContaining(required));
    for (const a of absent) expect(names(needs)).not.toContain(a);
  });

  it('marks what a run can do without as optional', () => {
    expect(names(requiredAccess('restore', withoutSnapshots), true)).toEqual(expect.arrayContaining(['delete configmaps cluster-wide']));
    // A namespace-limited backup looks up only related cluster-scoped items (backup/related.ts), never lists them all.
    expect(names(requiredAccess('backup', withoutSnapshots, ['shop']), true).sort()).toEqual(['get clusterroles.rbac.authorization.k8s.io cluster-wide', 'get persistentvolumes cluster-wide', 'list namespaces cluster-wide']);
  });
});

/** Kubernetes' RBAC rule matching (plugin/pkg/auth/authorizer/rbac): '*' matches anything, subresources included. */
interface PolicyRule {
  apiGroups?: string[];
  resources?: string[];
  verbs: string[];
  resourceNames?: string[];
}
function allows(rules: PolicyRule[], check: AccessCheck): boolean {
  const resource = check.subresource ? `${check.resource}/${check.subresource}` : check.resource;
  return rules.some(
    (rule) =>
      rule.verbs.some((v) => v === '*' || v === check.verb) &&
      (rule.apiGroups ?? []).some((g) => g === '*' || g === check.group) &&
      (rule.resources ?? []).some((x) => x === '*' || x === resource) &&
      (!rule.resourceNames?.length || (check.name !== undefined && rule.resourceNames.includes(check.name)))
  );
}
function roleRules(file: string): PolicyRule[] {
  const docs = parseAllDocuments(fs.readFileSync(path.join(repoRoot, 'rbac', file), 'utf8')).map((d) => d.toJSON() as { kind: string; rules?: PolicyRule[] });
  return docs.find((d) => d.kind === 'ClusterRole')!.rules!;
}

describe('the roles in rbac/ against the table check tests', () => {
  it.each(ACCESS_MODES.map((mode) => [mode, mode]))('rbac/%s-role.yaml grants everything %s needs, optional extras included', (mode) => {
    const rules = roleRules(`${mode}-role.yaml`);
    const refused = requiredAccess(mode, discovery).filter((n) => !allows(rules, n));
    expect(refused.map(describeAccess)).toEqual([]);
  });

  it('the backup role writes nothing a backup does not write', () => {
    const rules = roleRules('backup-role.yaml');
    for (const verb of ['create', 'patch', 'update', 'delete', 'escalate', 'bind']) {
      for (const [group, resource] of [['', 'configmaps'], ['', 'secrets'], ['apps', 'deployments'], ['rbac.authorization.k8s.io', 'clusterroles'], ['', 'namespaces']] as const) {
        expect(allows(rules, { verb, group, resource })).toBe(false);
      }
    }
    const missingForRestore = requiredAccess('restore', discovery).filter((n) => !n.optional && !allows(rules, n));
    expect(missingForRestore.map(describeAccess)).toEqual(expect.arrayContaining(['create configmaps cluster-wide', 'escalate clusterroles.rbac.authorization.k8s.io cluster-wide']));
  });
});

describe('accessReportLines', () => {
  it('names each missing permission with why, fails only on required ones', () => {
    const missing: RequiredAccess = { verb: 'create', group: '', resource: 'pods', subresource: 'exec', namespace: 'shop', why: 'hooks run commands in pods' };
    const optional: RequiredAccess = { verb: 'list', group: '', resource: 'persistentvolumes', why: 'related volumes', optional: true };
    expect(accessReportLines({ checked: 9, missing: [missing], missingOptional: [optional] }, 'backup')).toEqual({
      out: ['access:   backup: 1 of 9 permissions it needs are missing:', '  create pods/exec in namespace shop: hooks run commands in pods'],
      err: ['warning: 1 permissions backup can do without are missing:', '  list persistentvolumes cluster-wide: related volumes']
    });
    expect(accessReportLines({ checked: 9, missing: [], missingOptional: [] }, 'restore')).toEqual({ out: ['access:   restore: all 9 permissions it needs are granted'], err: [] });
  });
});
