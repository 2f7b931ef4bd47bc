/**
 * Errors and warnings of a run in Velero's results shape: `{velero: [...], cluster: [...], namespaces: {ns: [...]}}`,
 * which `<name>-results.gz` holds and `velero backup describe` prints.
 */
export interface ResultBucket {
  velero?: string[];
  cluster?: string[];
  namespaces?: Record<string, string[]>;
}

export class RunResults {
  readonly errors: ResultBucket = {};
  readonly warnings: ResultBucket = {};
  private errorCount = 0;
  private warningCount = 0;
  private first: string | undefined;

  error(message: string, namespace?: string, scope: 'velero' | 'cluster' = 'cluster'): void {
    add(this.errors, message, namespace, scope);
    this.errorCount++;
    this.first ??= namespace ? `${namespace}: ${message}` : message;
  }

  /** The first error recorded, in the order they happened (the buckets group them by namespace). */
  get firstError(): string | undefined {
    return this.first;
  }

  warning(message: string, namespace?: string, scope: 'velero' | 'cluster' = 'cluster'): void {
    add(this.warnings, message, namespace, scope);
    this.warningCount++;
  }

  get errorTotal(): number {
    return this.errorCount;
  }

  get warningTotal(): number {
    return this.warningCount;
  }

  toJSON(): { errors: ResultBucket; warnings: ResultBucket } {
    return { errors: this.errors, warnings: this.warnings };
  }
}

function add(bucket: ResultBucket, message: string, namespace: string | undefined, scope: 'velero' | 'cluster'): void {
  if (namespace) ((bucket.namespaces ??= {})[namespace] ??= []).push(message);
  else (bucket[scope] ??= []).push(message);
}
