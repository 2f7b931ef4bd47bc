import { describe, expect, it } from '@jest/globals';
import { median, resultTable, summarize, type Measurement, type Repetition } from '../../../bench/results.js';
import { SEEDED_KINDS, benchObjects, benchNamespaces, kindCounts } from '../../../bench/seed.js';

const run = (seconds: number, items = 1000, peakRssMiB = 100): Measurement => ({ seconds, items, peakRssMiB, startupSeconds: 0.2 });

function repetition(overrides: Partial<Repetition> = {}): Repetition {
  return {
    connect: run(0.5, 0, 120),
    list: run(1),
    kubectl: run(4, 0, 300),
    backup: run(2, 1000, 150),
    archiveBytes: 1_000_000,
    restoreParallel: run(2),
    restoreSequential: run(5),
    restoreMapped: run(2.5),
    createSequential: run(4),
    createParallel: run(1),
    createParallelMetadataOnly: run(0.8),
    ...overrides
  };
}

describe('median', () => {
  it.each([
    [[3], 3],
    [[5, 1, 3], 3],
    [[4, 1, 3, 2], 2.5],
    [[2, 2, 9], 2]
  ])('of %j is %d', (values, expected) => {
    expect(median(values)).toBe(expected);
  });

  it('of nothing is NaN, not 0', () => {
    expect(median([])).toBeNaN();
  });
});

describe('summarize', () => {
  it('gives time ratios for backup (lower is better) and rate ratios for restore (higher is better)', () => {
    const result = summarize(1000, [repetition()]);
    expect(result.backup_vs_list).toBe(2);
    expect(result.backup_vs_kubectl).toBe(0.5);
    // 1000 items in 2 s against 1000 in 1 s: half the raw rate.
    expect(result.restore_vs_parallel).toBe(0.5);
    expect(result.restore_vs_sequential).toBe(0.8);
    expect(result.restore_mapped_vs_parallel).toBe(0.4);
    // Against raw creates that, like the restore's, ask for metadata-only answers (1000 in 0.8 s).
    expect(result.restore_vs_parallel_metadata_only).toBe(0.4);
    expect(result.backup_rss_vs_connect).toBe(1.25);
    expect(result.backup_rss_vs_kubectl).toBe(0.5);
  });

  it('compares rates, so a restore that creates more items than the raw baseline is not penalised for it', () => {
    const result = summarize(1000, [repetition({ restoreParallel: run(2, 2000), createParallel: run(1, 1000) })]);
    expect(result.restore_vs_parallel).toBe(1);
  });

  it('takes the median of the per-repetition ratios: a slow moment hitting both sides of one pair cancels out', () => {
    const reps = [repetition(), repetition({ backup: run(8, 1000, 150), list: run(4) }), repetition({ backup: run(3, 1000, 150) })];
    const result = summarize(1000, reps);
    // Ratios 2, 2 and 3: median 2 (the medians of the times, 3 / 1, would say 3).
    expect(result.backup_vs_list).toBe(2);
    expect(result.times.backup).toBe(3);
    expect(result.times.list).toBe(1);
    expect(result.samples).toHaveLength(3);
  });

  it('reports what the backup kept alive, from its --expose-gc run, beside its peak RSS; without that run, no row', () => {
    const sampled = summarize(1000, [repetition({ backupLive: { ...run(9, 1000, 170), livePeakMiB: 42.4 } })]);
    expect(sampled.backup_live_mb).toBe(42.4);
    // The sampled run's own time and RSS (slowed and changed by its collections) are not the backup's figures.
    expect([sampled.backup_vs_list, sampled.backup_peak_rss_mb]).toEqual([2, 150]);
    expect(resultTable(sampled)).toMatch(/live after full collections \(peak\) +42 MiB +peak RSS 150 MiB/);
    const none = summarize(1000, [repetition()]);
    expect(none.backup_live_mb).toBeNaN();
    expect(resultTable(none)).not.toContain('live after full collections');
  });

  it('reports the restore peak RSS as the largest of its three restores', () => {
    const result = summarize(1000, [repetition({ restoreMapped: run(2.5, 1000, 222) })]);
    expect(result.restore_peak_rss_mb).toBe(222);
  });
});

describe('a --backup-only run', () => {
  const backupOnly = (): Repetition => {
    const { connect, list, kubectl, backup, archiveBytes } = repetition();
    return { connect, list, kubectl, backup, archiveBytes };
  };

  it('has the backup figures, and the restore ones as NaN (null in the JSON), not as zeros', () => {
    const result = summarize(50_000, [backupOnly()]);
    expect(result.backup_vs_list).toBe(2);
    expect(result.backup_peak_rss_mb).toBe(150);
    expect(result.restore_vs_parallel).toBeNaN();
    expect(result.restore_peak_rss_mb).toBeNaN();
    expect(JSON.parse(JSON.stringify(result)).restore_vs_sequential).toBeNull();
  });

  it('prints no restore rows', () => {
    const table = resultTable(summarize(50_000, [backupOnly()]));
    expect(table).toContain('paginated LIST');
    expect(table).not.toMatch(/restore|NaN/);
    expect(resultTable(summarize(1000, [repetition()]))).toContain('restore into B, concurrency 16');
  });
});

describe('seeded objects', () => {
  it.each([1000, 10_000, 1234, 20])('are exactly %d, in the shares of each kind', (size) => {
    const counts = kindCounts(size);
    expect(counts.reduce((sum, n) => sum + n, 0)).toBe(size);
    const objects = [...benchObjects(size, benchNamespaces(size))];
    expect(objects).toHaveLength(size);
    for (const [k, kind] of SEEDED_KINDS.entries()) expect(objects.filter((o) => o.ref === kind.ref)).toHaveLength(counts[k]!);
  });

  it('are the same on every call (a rerun finds them seeded) and spread over all 20 namespaces', () => {
    const namespaces = benchNamespaces(1000);
    const first = [...benchObjects(1000, namespaces)];
    expect([...benchObjects(1000, namespaces)]).toEqual(first);
    expect(new Set(first.map((o) => o.object.metadata.namespace))).toEqual(new Set(namespaces));
    const names = first.map((o) => `${o.ref.resource}/${o.object.metadata.namespace}/${o.object.metadata.name}`);
    expect(new Set(names).size).toBe(names.length);
  });

  it('have realistic sizes: Secrets ~2 KB of data, ConfigMaps ~1 KB, Deployments scaled to zero, Services headless', () => {
    const objects = [...benchObjects(1000, benchNamespaces(1000))];
    const byKind = (kind: string) => objects.filter((o) => o.object.kind === kind).map((o) => o.object as Record<string, any>);
    const secretBytes = byKind('Secret').map((s) => Object.values(s.data as Record<string, string>).join('').length);
    expect(Math.min(...secretBytes)).toBeGreaterThan(1800);
    expect(Math.max(...secretBytes)).toBeLessThan(2400);
    const configBytes = byKind('ConfigMap').map((c) => JSON.stringify(c.data).length);
    expect(Math.min(...configBytes)).toBeGreaterThan(700);
    expect(byKind('Deployment').every((d) => d.spec.replicas === 0)).toBe(true);
    expect(byKind('Service').every((s) => s.spec.clusterIP === 'None')).toBe(true);
  });
});
