/**
 * From the repetitions' raw measurements to the figures issue 12 asks for: medians (the machine is shared and
 * noisy), ratios taken within each repetition and then their median (a slow moment hits both sides of a pair), the
 * JSON written to bench/results.json and the table printed. Pure.
 */
import { terminalTable } from '../src/report/table.js';

/** One measured run. */
export interface Measurement {
  /** Wall time of the work, taken inside the process. */
  seconds: number;
  /** Node's start-up and the bundle's loading, before the first line of the task ran. */
  startupSeconds?: number;
  peakRssMiB: number;
  /** Heap and buffers still in use after a full collection, the most of the samples (a `--expose-gc` child only). */
  livePeakMiB?: number;
  /** Objects the run handled (listed, created, backed up, restored): rates are per item. */
  items: number;
  /** What a restore did with the items (created, unchanged...), for the record. */
  detail?: string;
  /** Volume data a backup copied, uncompressed. */
  volumeBytes?: number;
}

/** What one repetition at one size measured. */
export interface Repetition {
  connect: Measurement;
  list: Measurement;
  kubectl: Measurement;
  backup: Measurement;
  /** The same backup with Node's young generation capped (SMALL_YOUNG_GENERATION), as the README's knob sets it. */
  backupSmallYoung?: Measurement;
  /** The same backup again in a `--expose-gc` child that samples what it keeps alive (livePeakMiB); its time is not used. */
  backupLive?: Measurement;
  archiveBytes: number;
  /**
   * The restores and raw creates are absent from a `--backup-only` run (the 50,000-object targets are the backup's).
   * Into cluster B, under the original names, at the restore's default concurrency (16).
   */
  restoreParallel?: Measurement;
  /** Into cluster B, concurrency 1: Velero's one-item-at-a-time restore. */
  restoreSequential?: Measurement;
  /** Into cluster A, every namespace mapped to a new name, concurrency 16. */
  restoreMapped?: Measurement;
  createSequential?: Measurement;
  createParallel?: Measurement;
  /** Raw creates at 16 answered with metadata only, as the restore's are: the floor for a client that asks so. */
  createParallelMetadataOnly?: Measurement;
}

export interface SizeResult {
  objects: number;
  repetitions: number;
  /** Backup time / LIST time: lower is better; issue 12's target ≤ 2 at 10,000. */
  backup_vs_list: number;
  /** Backup time / `kubectl get -A -o json` time: lower is better; target ≤ 0.25 (4x faster). */
  backup_vs_kubectl: number;
  /** Restore rate at concurrency 1 / raw sequential create rate: higher is better; target ≥ 0.8. */
  restore_vs_sequential: number;
  /** Restore rate at concurrency 16 / raw create rate at 16: higher is better; target ≥ 0.8. */
  restore_vs_parallel: number;
  /** The mapped-namespace restore on A against the same raw rate. */
  restore_mapped_vs_parallel: number;
  /** The restore at 16 against raw creates at 16 that, as it does, ask for metadata-only answers. */
  restore_vs_parallel_metadata_only: number;
  backup_peak_rss_mb: number;
  /** What the backup kept alive (heap and buffers after full collections, peak): flat as the cluster grows if it streams. */
  backup_live_mb: number;
  /** Peak RSS and time / LIST of the backup run with a capped young generation (`--max-semi-space-size=8`). */
  backup_small_young_peak_rss_mb: number;
  backup_small_young_vs_list: number;
  restore_peak_rss_mb: number;
  connect_peak_rss_mb: number;
  kubectl_peak_rss_mb: number;
  /** Backup peak RSS / kubectl's: target ≤ 1/3. */
  backup_rss_vs_kubectl: number;
  backup_rss_vs_connect: number;
  archive_bytes: number;
  backup_items: number;
  restore_items: number;
  /** Medians, seconds. */
  times: Record<'list' | 'kubectl' | 'backup' | 'restore_parallel' | 'restore_sequential' | 'restore_mapped' | 'create_sequential' | 'create_parallel' | 'create_parallel_metadata_only' | 'node_startup', number>;
  /** Medians, items per second. */
  rates: Record<'backup' | 'list' | 'restore_parallel' | 'restore_sequential' | 'restore_mapped' | 'create_sequential' | 'create_parallel' | 'create_parallel_metadata_only', number>;
  samples: Repetition[];
}

export interface BenchResults {
  generated_at: string;
  machine: { cpus: number; node: string };
  sizes: Record<string, SizeResult>;
}

export function median(values: readonly number[]): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

/** Items per second; NaN for a measurement the run did not take (written as null, shown as a dash). */
const rate = (m: Measurement | undefined) => (m ? m.items / m.seconds : Number.NaN);
const seconds = (m: Measurement | undefined) => m?.seconds ?? Number.NaN;
const peak = (m: Measurement | undefined) => m?.peakRssMiB ?? Number.NaN;
const round = (value: number, digits = 3) => Number(value.toFixed(digits));

/** The figures of one size from its repetitions. */
export function summarize(objects: number, reps: readonly Repetition[]): SizeResult {
  const med = (pick: (r: Repetition) => number) => round(median(reps.map(pick)));
  return {
    objects,
    repetitions: reps.length,
    backup_vs_list: med((r) => r.backup.seconds / r.list.seconds),
    backup_vs_kubectl: med((r) => r.backup.seconds / r.kubectl.seconds),
    restore_vs_sequential: med((r) => rate(r.restoreSequential) / rate(r.createSequential)),
    restore_vs_parallel: med((r) => rate(r.restoreParallel) / rate(r.createParallel)),
    restore_mapped_vs_parallel: med((r) => rate(r.restoreMapped) / rate(r.createParallel)),
    restore_vs_parallel_metadata_only: med((r) => rate(r.restoreParallel) / rate(r.createParallelMetadataOnly)),
    backup_peak_rss_mb: med((r) => r.backup.peakRssMiB),
    backup_live_mb: med((r) => r.backupLive?.livePeakMiB ?? Number.NaN),
    backup_small_young_peak_rss_mb: med((r) => peak(r.backupSmallYoung)),
    backup_small_young_vs_list: med((r) => seconds(r.backupSmallYoung) / r.list.seconds),
    restore_peak_rss_mb: med((r) => Math.max(peak(r.restoreParallel), peak(r.restoreSequential), peak(r.restoreMapped))),
    connect_peak_rss_mb: med((r) => r.connect.peakRssMiB),
    kubectl_peak_rss_mb: med((r) => r.kubectl.peakRssMiB),
    backup_rss_vs_kubectl: med((r) => r.backup.peakRssMiB / r.kubectl.peakRssMiB),
    backup_rss_vs_connect: med((r) => r.backup.peakRssMiB / r.connect.peakRssMiB),
    archive_bytes: med((r) => r.archiveBytes),
    backup_items: med((r) => r.backup.items),
    restore_items: med((r) => r.restoreParallel?.items ?? Number.NaN),
    times: {
      list: med((r) => r.list.seconds),
      kubectl: med((r) => r.kubectl.seconds),
      backup: med((r) => r.backup.seconds),
      restore_parallel: med((r) => seconds(r.restoreParallel)),
      restore_sequential: med((r) => seconds(r.restoreSequential)),
      restore_mapped: med((r) => seconds(r.restoreMapped)),
      create_sequential: med((r) => seconds(r.createSequential)),
      create_parallel: med((r) => seconds(r.createParallel)),
      create_parallel_metadata_only: med((r) => seconds(r.createParallelMetadataOnly)),
      node_startup: med((r) => r.backup.startupSeconds ?? Number.NaN)
    },
    rates: {
      backup: med((r) => rate(r.backup)),
      list: med((r) => rate(r.list)),
      restore_parallel: med((r) => rate(r.restoreParallel)),
      restore_sequential: med((r) => rate(r.restoreSequential)),
      restore_mapped: med((r) => rate(r.restoreMapped)),
      create_sequential: med((r) => rate(r.createSequential)),
      create_parallel: med((r) => rate(r.createParallel)),
      create_parallel_metadata_only: med((r) => rate(r.createParallelMetadataOnly))
    },
    samples: [...reps]
  };
}

/** The printed table: each figure beside the baseline it is a ratio to, and issue 12's target. */
export function resultTable(result: SizeResult): string {
  const { times: t, rates } = result;
  const s = (seconds: number) => `${seconds.toFixed(2)} s`;
  const perSecond = (value: number) => `${Math.round(value)}/s`;
  const x = (ratio: number) => `${ratio.toFixed(2)} x`;
  const rows = [
    ['backup (to S3, gzip, both copies)', `${s(t.backup)}, ${result.backup_items} items`, `paginated LIST ${s(t.list)}`, x(result.backup_vs_list), '≤ 2 (10,000), ≤ 1.5 (50,000)'],
    ['backup vs kubectl get -A -o json', s(t.backup), `kubectl ${s(t.kubectl)}`, x(result.backup_vs_kubectl), '≤ 0.25'],
    ['restore into B, concurrency 16', `${perSecond(rates.restore_parallel)} (${s(t.restore_parallel)})`, `raw creates at 16: ${perSecond(rates.create_parallel)}`, x(result.restore_vs_parallel), '≥ 0.8'],
    ['restore into B, concurrency 1', `${perSecond(rates.restore_sequential)} (${s(t.restore_sequential)})`, `raw sequential: ${perSecond(rates.create_sequential)}`, x(result.restore_vs_sequential), '≥ 0.8'],
    ['restore into B, 16, vs metadata-only creates', `${perSecond(rates.restore_parallel)}`, `raw, metadata-only answers: ${perSecond(rates.create_parallel_metadata_only)}`, x(result.restore_vs_parallel_metadata_only), ''],
    ['restore into mapped namespaces on A, 16', `${perSecond(rates.restore_mapped)} (${s(t.restore_mapped)})`, `raw creates at 16: ${perSecond(rates.create_parallel)}`, x(result.restore_mapped_vs_parallel), ''],
    ['backup peak RSS', `${result.backup_peak_rss_mb.toFixed(0)} MiB`, `connect only ${result.connect_peak_rss_mb.toFixed(0)} MiB`, x(result.backup_rss_vs_connect), '50,000 ≤ 1.3 x of 1,000'],
    ['backup, live after full collections (peak)', `${result.backup_live_mb.toFixed(0)} MiB`, `peak RSS ${result.backup_peak_rss_mb.toFixed(0)} MiB`, '', ''],
    ['backup, young generation capped at 8 MiB semi-spaces', `${result.backup_small_young_peak_rss_mb.toFixed(0)} MiB peak RSS`, `default: ${result.backup_peak_rss_mb.toFixed(0)} MiB`, `time ${x(result.backup_small_young_vs_list)} LIST`, ''],
    ['backup peak RSS vs kubectl', `${result.backup_peak_rss_mb.toFixed(0)} MiB`, `kubectl ${result.kubectl_peak_rss_mb.toFixed(0)} MiB`, x(result.backup_rss_vs_kubectl), '≤ 0.33'],
    ['restore peak RSS', `${result.restore_peak_rss_mb.toFixed(0)} MiB`, '', '', ''],
    ['archive', `${(result.archive_bytes / 1024 / 1024).toFixed(1)} MiB`, '', '', ''],
    ['node start-up (not in the times)', s(t.node_startup), '', '', '']
  ];
  // A --backup-only run has no restore figures: their rows are left out rather than shown as NaN.
  const measured = rows.filter((row) => !row.some((cell) => cell.includes('NaN')));
  return terminalTable([`${result.objects} objects, median of ${result.repetitions}`, 'value', 'baseline (same run)', 'ratio', 'target'], measured);
}
