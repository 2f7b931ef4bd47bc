import { describe, expect, it } from '@jest/globals';
import type { BackupResult } from '../../../src/backup/run.js';
import { backupSummary } from '../../../src/report/backup-report.js';
import { restoreOutputs, restoreSummary } from '../../../src/report/restore-report.js';
import { boundedSummary, SUMMARY_LIMIT_BYTES } from '../../../src/report/summary-limits.js';
import type { RestoreResult } from '../../../src/restore/run.js';
import { RestoreTally } from '../../../src/restore/tally.js';
import { RunResults } from '../../../src/util/run-results.js';
import { managedEndpointsReason } from '../../../src/restore/transform/endpoints.js';
import { transformForRestore } from '../../../src/restore/transform/index.js';

const started = new Date('2026-01-01T02:00:00Z');
const completed = new Date('2026-01-01T02:03:05Z');

/** A backup of 100,000 items across 100,000 namespaces, with an error per namespace: the worst case for a summary. */
function hugeBackup(): BackupResult {
  const results = new RunResults();
  const itemsByNamespace = new Map<string, number>();
  for (let i = 0; i < 100_000; i++) {
    const ns = `tenant-${String(i).padStart(6, '0')}`;
    itemsByNamespace.set(ns, 1);
    results.error(`cannot list secrets.example.com in namespace ${ns}: forbidden (a long message from the API server, as they are)`, ns);
  }
  return {
    name: 'nightly',
    phase: 'PartiallyFailed',
    location: 's3://bucket/prefix',
    cluster: 'https://prod.example:6443',
    startedAt: started,
    completedAt: completed,
    expiration: new Date('2026-02-01T00:00:00Z'),
    items: 100_000,
    errors: 100_000,
    warnings: 0,
    results,
    itemsByResource: new Map([['configmaps', 100_000]]),
    itemsByNamespace,
    volumeCopies: [],
    volumeSnapshots: [],
    claimsWithoutData: Array.from({ length: 5000 }, (_, i) => ({ namespace: 'data', name: `claim-${i}`, reason: 'neither copied nor snapshotted' }))
  };
}

describe('summaries of large runs', () => {
  it('a backup of 100,000 items stays under 1 MiB: aggregated tables, bounded lists', () => {
    const summary = backupSummary(hugeBackup());
    expect(Buffer.byteLength(summary)).toBeLessThanOrEqual(SUMMARY_LIMIT_BYTES);
    expect(summary).toContain('## Backup `nightly`: PartiallyFailed');
    expect(summary).toContain('100000 items from `https://prod.example:6443` to `s3://bucket/prefix` in 3m05s');
    // 100 namespaces shown, the other 99,900 summed so the total still adds up.
    expect(summary).toContain('| … 99900 more namespaces | 99900 |');
    expect(summary).toContain('- … and 99950 more (see the results file)');
    expect(summary).toContain('… and 4900 more');
    expect(summary).not.toContain('Summary truncated');
  });

  it('a restore of 100,000 items stays under 1 MiB, its plan cut to what it kept', () => {
    const results = new RunResults();
    const tally = new RestoreTally(results);
    for (let i = 0; i < 100_000; i++) {
      tally.record({ action: i % 10 === 0 ? 'skipped' : 'created', groupResource: 'configmaps', namespace: `tenant-${i}`, name: `settings-${i}`, reason: i % 10 === 0 ? 'a reason given at length, as transforms give it'.repeat(3) : undefined });
    }
    const summary = restoreSummary(restoreResult({ dryRun: true, tally, results }));
    expect(Buffer.byteLength(summary)).toBeLessThanOrEqual(SUMMARY_LIMIT_BYTES);
    expect(summary).toContain('**Dry run, nothing was written**: would create 90000, update 0, leave 0 unchanged, skip 10000; 0 would fail.');
    expect(summary).toContain('… and 99000 more objects (the restore log lists each)');
    expect(summary).toContain('… 99900 more namespaces');
  });

  it('cuts anything still too large at a line, with a note saying where the rest is', () => {
    const text = Array.from({ length: 1000 }, (_, i) => `- line ${i} ${'é'.repeat(50)}`).join('\n');
    const cut = boundedSummary(text, 10_000);
    expect(Buffer.byteLength(cut)).toBeLessThanOrEqual(10_000);
    expect(cut).toMatch(/\n\n---\n\*\*Summary truncated\*\*: \d+ bytes do not fit the 10000 bytes/);
    const kept = cut.slice(0, cut.indexOf('\n\n---'));
    expect(text.startsWith(kept)).toBe(true);
    expect(kept.endsWith('é')).toBe(true);
    expect(boundedSummary('short', 10_000)).toBe('short');
  });
});

function restoreResult(options: { dryRun: boolean; tally: RestoreTally; results: RunResults; claims?: RestoreResult['claims'] }): RestoreResult {
  const { tally } = options;
  return {
    name: 'drill',
    backupName: 'nightly',
    phase: 'Completed',
    dryRun: options.dryRun,
    startedAt: started,
    completedAt: completed,
    counts: tally.counts,
    outcomes: tally.outcomes,
    results: options.results,
    recorded: false,
    filledVolumes: [],
    cluster: 'https://dev.example:6443',
    location: 's3://bucket/prefix',
    sourceCluster: 'https://prod.example:6443',
    namespaceMappings: { shop: 'shop-dev' },
    byResource: tally.byResource,
    byNamespace: tally.byNamespace,
    skippedItems: tally.skippedItems,
    claims: options.claims ?? []
  };
}

describe('the restore summary', () => {
  const tally = () => {
    const results = new RunResults();
    const t = new RestoreTally(results);
    t.record({ action: 'created', groupResource: 'namespaces', name: 'shop-dev', reason: 'created before its contents' });
    t.record({ action: 'created', groupResource: 'configmaps', namespace: 'shop-dev', name: 'settings' });
    t.record({ action: 'skipped', groupResource: 'endpoints', namespace: 'shop-dev', name: 'web', reason: 'Endpoints of Service web, which has a selector' });
    t.record({ action: 'conflict', groupResource: 'secrets', namespace: 'shop-dev', name: 'db', reason: 'exists and differs (data.password)' });
    t.record({ action: 'failed', groupResource: 'services', namespace: 'shop-dev', name: 'web', reason: 'Invalid: spec.ports[0].nodePort: provided port is already allocated' });
    return { t, results };
  };

  it('says where from and where to, the mappings, per type and namespace, what was skipped and why, each claim’s data, errors in full', () => {
    const { t, results } = tally();
    const claims = [{ sourceNamespace: 'shop', namespace: 'shop-dev', name: 'data', created: true, volumeData: 'none in the backup (neither copied nor snapshotted): a new, empty volume is provisioned' }];
    const summary = restoreSummary(restoreResult({ dryRun: false, tally: t, results, claims }));
    expect(summary).toContain('From `s3://bucket/prefix` (backed up from `https://prod.example:6443`) into `https://dev.example:6443`, in 3m05s.');
    expect(summary).toContain('2 created, 0 updated, 0 unchanged, 2 skipped, 1 failed.');
    expect(summary).toContain('| shop | shop-dev |');
    expect(summary).toContain('| shop-dev | 2 | 0 | 0 | 2 | 1 |');
    expect(summary).toContain('| endpoints | shop-dev | web | Endpoints of Service web, which has a selector |');
    expect(summary).toContain('| secrets | shop-dev | db | exists and differs (data.password) |');
    expect(summary).toContain('| shop-dev/data | none in the backup (neither copied nor snapshotted): a new, empty volume is provisioned |');
    expect(summary).toContain('- shop-dev: services shop-dev/web: Invalid: spec.ports[0].nodePort: provided port is already allocated');
  });

  it('a dry run says it wrote nothing and plans in target namespaces; the outputs keep their names', () => {
    const { t, results } = tally();
    const result = restoreResult({ dryRun: true, tally: t, results });
    const summary = restoreSummary(result);
    expect(summary).toContain('## Restore plan (dry run) `drill` from `nightly`: planned');
    expect(summary).toContain('**Dry run, nothing was written**: would create 2, update 0, leave 0 unchanged, skip 2; 1 would fail.');
    expect(summary).toContain('| create | configmaps | shop-dev | settings |');
    expect(summary).not.toMatch(/\| shop \|.*settings/);
    expect(restoreOutputs(result)).toMatchObject({ created: '2', skipped: '2', failed: '1' });
  });
});

describe('controller-managed Endpoints', () => {
  const endpoints = (name: string) => ({ apiVersion: 'v1', kind: 'Endpoints', metadata: { name, namespace: 'shop' }, subsets: [{ addresses: [{ ip: '10.0.0.7' }] }] });
  const ctx = { selectorServices: new Set(['shop/web']) };
  it.each([
    ['of a Service with a selector: skipped', 'web', 'endpoints', /Endpoints of Service web, which has a selector/],
    ['of a Service without one (the user’s own): restored', 'external-db', 'endpoints', undefined],
    ['another kind with the same name: not concerned', 'web', 'configmaps', undefined]
  ])('%s', (_, name, groupResource, reason) => {
    const got = managedEndpointsReason(endpoints(name), groupResource, ctx);
    if (reason) expect(got).toMatch(reason);
    else expect(got).toBeUndefined();
  });

  it('are skipped by the transform every restore and dry run goes through', () => {
    const context = { backupName: 'b', restoreName: 'r', namespaceMappings: {}, storageClassMappings: {}, preserveNodePorts: false, preserveOwnerReferences: false, restoredVolumes: new Set<string>(), restoreUid: 'u', restoreVolumes: true, ...ctx };
    expect(transformForRestore(endpoints('web'), 'endpoints', context)).toEqual({ skip: expect.stringMatching(/endpoints controller writes them/) });
    expect(transformForRestore(endpoints('external-db'), 'endpoints', context)).toHaveProperty('object');
  });
});
