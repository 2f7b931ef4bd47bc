import type { GetObjectCommandInput, PutObjectCommandInput } from '@aws-sdk/client-s3';
import type { ServerSideEncryption } from './s3-options.js';

/** What PutObject and CreateMultipartUpload (and, for SSE-C, UploadPart and CompleteMultipartUpload) carry. */
export type EncryptionForWrite = Pick<PutObjectCommandInput, 'ServerSideEncryption' | 'SSEKMSKeyId' | 'SSECustomerAlgorithm' | 'SSECustomerKey'>;
/** What GetObject and HeadObject carry: only SSE-C needs anything, the key the object was written with. */
export type EncryptionForRead = Pick<GetObjectCommandInput, 'SSECustomerAlgorithm' | 'SSECustomerKey'>;

export interface EncryptionParams {
  write: EncryptionForWrite;
  read: EncryptionForRead;
}

/**
 * The request parameters of an encryption setting, built once per store so every request gets the same ones.
 * SSECustomerKeyMD5 is left to the SDK, whose SSE-C middleware computes it from the key on every command that
 * takes one (a test holds it to that).
 */
export function encryptionParams(sse: ServerSideEncryption | undefined): EncryptionParams {
  switch (sse?.kind) {
    case undefined:
      return { write: {}, read: {} };
    case 'AES256':
      return { write: { ServerSideEncryption: 'AES256' }, read: {} };
    case 'aws:kms':
      return { write: { ServerSideEncryption: 'aws:kms', SSEKMSKeyId: sse.kmsKeyId }, read: {} };
    case 'customer-key': {
      // Given as base64 the SDK takes the key as it is; a Buffer it would encode on every request.
      const customer = { SSECustomerAlgorithm: 'AES256', SSECustomerKey: sse.key.toString('base64') };
      return { write: customer, read: customer };
    }
  }
}

/** How errors name the setting: the input to change when the store refuses it. */
export function encryptionInput(sse: ServerSideEncryption | undefined): { input: string; kind: string } | undefined {
  if (!sse) return undefined;
  return sse.kind === 'customer-key' ? { input: 's3-sse-customer-key', kind: 'SSE-C' } : { input: 's3-server-side-encryption', kind: sse.kind };
}
