/** How to reach an S3-compatible store. Credentials are not here: they come from the AWS SDK's standard chain. */
export interface S3Options {
  /** Custom endpoint for non-AWS stores (MinIO, Swift, Ceph, R2); undefined for AWS itself. */
  endpoint?: string;
  region?: string;
  forcePathStyle: boolean;
  /** PEM bundle (content, not a path) to trust for the endpoint's TLS certificate. */
  caCert?: string;
  insecureSkipTlsVerify: boolean;
  credentials?: S3Credentials;
  /**
   * A named profile of the shared AWS config and credentials files: the SDK's standard chain reads that profile
   * rather than AWS_PROFILE's or `default` (a copy's second location, with keys of its own).
   */
  profile?: string;
  /** How the store encrypts what this tool writes; undefined leaves it to the bucket's default. */
  serverSideEncryption?: ServerSideEncryption;
}

/**
 * Server-side encryption as velero-plugin-for-aws offers it. With a customer key (SSE-C) the store keeps no key:
 * every read must present the same one, so it is a secret of the run like the S3 credentials.
 */
export type ServerSideEncryption = { kind: 'AES256' } | { kind: 'aws:kms'; kmsKeyId?: string } | { kind: 'customer-key'; key: Buffer };

/** Explicit keys, for embedding and tests; the action and CLI leave this unset and use the SDK's chain. */
export interface S3Credentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
}
