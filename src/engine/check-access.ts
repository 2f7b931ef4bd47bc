import type { Cluster } from '../kube/cluster.js';
import { describeAccess, requiredAccess, type AccessMode, type RequiredAccess } from './required-access.js';

export interface AccessReport {
  checked: number;
  /** Without these the run fails or ends PartiallyFailed. */
  missing: RequiredAccess[];
  /** Without these the run goes on (a warning, or only some inputs need them). */
  missingOptional: RequiredAccess[];
}

/** Asks the API server, for each permission a run of `mode` uses, whether these credentials hold it. */
export async function checkAccess(cluster: Cluster, mode: AccessMode, namespaces: readonly string[] = []): Promise<AccessReport> {
  const needs = requiredAccess(mode, await cluster.discover(), namespaces);
  const allowed = await cluster.reviewAccess(needs);
  const refused = needs.filter((_, i) => !allowed[i]);
  return { checked: needs.length, missing: refused.filter((n) => !n.optional), missingOptional: refused.filter((n) => n.optional) };
}

/** The report as `check` prints it: one line per missing permission, with what the run uses it for. */
export function accessReportLines(report: AccessReport, mode: AccessMode): { out: string[]; err: string[] } {
  const line = (n: RequiredAccess) => `  ${describeAccess(n)}: ${n.why}`;
  const out = [
    report.missing.length === 0
      ? `access:   ${mode}: all ${report.checked} permissions it needs are granted`
      : `access:   ${mode}: ${report.missing.length} of ${report.checked} permissions it needs are missing:`,
    ...report.missing.map(line)
  ];
  const err = report.missingOptional.length ? [`warning: ${report.missingOptional.length} permissions ${mode} can do without are missing:`, ...report.missingOptional.map(line)] : [];
  return { out, err };
}
