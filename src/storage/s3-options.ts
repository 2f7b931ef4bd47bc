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
}

/** Explicit keys, for embedding and tests; the action and CLI leave this unset and use the SDK's chain. */
export interface S3Credentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
}
