/** Where backups live: a bucket and prefix on an S3-compatible store, or a local directory. */
export type Location =
  | { kind: 's3'; bucket: string; prefix: string; url: string }
  | { kind: 'local'; directory: string; url: string };
