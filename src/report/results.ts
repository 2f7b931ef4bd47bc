import type { ResultBucket } from '../util/run-results.js';

/** A results bucket as lines: Velero's own messages, then cluster-scoped ones, then per namespace. */
export function flattenResults(bucket: ResultBucket): string[] {
  return [
    ...(bucket.velero ?? []),
    ...(bucket.cluster ?? []),
    ...Object.entries(bucket.namespaces ?? {}).flatMap(([ns, messages]) => messages.map((m) => `${ns}: ${m}`))
  ];
}
