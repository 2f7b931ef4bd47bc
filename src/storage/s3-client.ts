import http from 'node:http';
import https from 'node:https';
import tls from 'node:tls';
import { S3Client, type S3ClientConfig } from '@aws-sdk/client-s3';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { contentMd5ForDeleteObjects } from './content-md5.js';
import type { S3Options } from './s3-options.js';

// Enough parallel requests for a batch of small objects plus a multipart upload, without exhausting a small store.
const MAX_SOCKETS = 32;

/** The SDK client configuration for S3Options: addressing, checksums, credentials, TLS and timeouts. */
export function s3ClientConfig(options: S3Options): S3ClientConfig {
  const agentOptions = { keepAlive: true, maxSockets: MAX_SOCKETS };
  return {
    endpoint: options.endpoint,
    // Custom stores ignore the region but the SDK needs one to sign; AWS itself resolves it from the environment.
    region: options.region ?? (options.endpoint ? 'us-east-1' : undefined),
    forcePathStyle: options.forcePathStyle,
    // Since 2025 the SDK adds CRC32 checksums to every upload and expects them on downloads. Most S3-compatible
    // stores (Swift, older MinIO and Ceph) reject or lack them, so checksums are only sent where S3 demands one.
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
    credentials: options.credentials,
    profile: options.profile,
    requestHandler: new NodeHttpHandler({
      // A refused or black-holed endpoint should fail in seconds and a stalled transfer in minutes, never hang a run.
      // The idle limit is generous because a download also sits idle while its reader is busy (restoring into a
      // cluster), and that must not cut it.
      connectionTimeout: 10_000,
      socketTimeout: 300_000,
      httpAgent: new http.Agent(agentOptions),
      httpsAgent: new https.Agent({
        ...agentOptions,
        // The extra CA is added to the public roots rather than replacing them, so a proxy or AWS still verifies.
        ca: options.caCert ? [...tls.rootCertificates, options.caCert] : undefined,
        rejectUnauthorized: !options.insecureSkipTlsVerify
      })
    })
  };
}

/** `overrides` exist for tests, which swap the request handler to see what would be sent. */
export function createS3Client(options: S3Options, overrides: Partial<S3ClientConfig> = {}): S3Client {
  const client = new S3Client({ ...s3ClientConfig(options), ...overrides });
  client.middlewareStack.use(contentMd5ForDeleteObjects);
  return client;
}
