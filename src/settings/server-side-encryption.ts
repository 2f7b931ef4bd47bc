import type { ServerSideEncryption } from '../storage/s3-options.js';
import { InputError } from '../util/errors.js';
import type { InputReader } from './input-reader.js';

const KINDS = ['AES256', 'aws:kms'] as const;
// AES-256 is the only algorithm S3 takes for customer keys.
const CUSTOMER_KEY_BYTES = 32;
const NEW_KEY = 'openssl rand -base64 32';

/**
 * The s3-server-side-encryption, s3-kms-key-id and s3-sse-customer-key inputs, checked together: a KMS key id
 * means nothing without aws:kms, and a customer key (SSE-C) is a kind of its own. No message repeats the customer
 * key, which is a secret.
 */
export function parseServerSideEncryption(reader: InputReader): ServerSideEncryption | undefined {
  const kindInput = reader.get('s3-server-side-encryption');
  const kmsKeyId = reader.get('s3-kms-key-id');
  const customerKey = reader.get('s3-sse-customer-key');

  const kind = kindInput === undefined ? undefined : KINDS.find((k) => k.toLowerCase() === kindInput.toLowerCase());
  if (kindInput !== undefined && kind === undefined) {
    throw new InputError(
      's3-server-side-encryption',
      `'${kindInput}' is not one of ${KINDS.join(', ')}`,
      'Use AES256 (keys kept by the store) or aws:kms (AWS KMS, with s3-kms-key-id); for a key of your own, set s3-sse-customer-key instead'
    );
  }
  if (customerKey !== undefined && kind !== undefined) {
    throw new InputError('s3-sse-customer-key', 'cannot be combined with s3-server-side-encryption', 'Leave s3-server-side-encryption unset: a customer key alone selects SSE-C');
  }
  if (kmsKeyId !== undefined && kind !== 'aws:kms') {
    throw new InputError('s3-kms-key-id', 'is only used with s3-server-side-encryption: aws:kms', 'Set s3-server-side-encryption to aws:kms, or leave s3-kms-key-id unset');
  }
  if (kmsKeyId !== undefined && /\s/.test(kmsKeyId)) {
    throw new InputError('s3-kms-key-id', `'${kmsKeyId}' is not a KMS key`, 'Use the key id, its ARN, or alias/<name>');
  }
  if (customerKey !== undefined) return { kind: 'customer-key', key: decodeCustomerKey(customerKey) };
  if (kind === 'aws:kms') return kmsKeyId === undefined ? { kind } : { kind, kmsKeyId };
  return kind === undefined ? undefined : { kind };
}

function decodeCustomerKey(text: string): Buffer {
  // Buffer.from skips what is not base64, so a mistyped key would silently become another key: check strictly first.
  if (text.length % 4 !== 0 || !/^[A-Za-z0-9+/]*={0,2}$/.test(text)) {
    throw new InputError('s3-sse-customer-key', 'is not base64', `Give the ${CUSTOMER_KEY_BYTES}-byte key base64-encoded, as \`${NEW_KEY}\` prints one`);
  }
  const key = Buffer.from(text, 'base64');
  if (key.length !== CUSTOMER_KEY_BYTES) {
    throw new InputError(
      's3-sse-customer-key',
      `decodes to ${key.length} bytes, not ${CUSTOMER_KEY_BYTES}`,
      `SSE-C keys are AES-256 keys: ${CUSTOMER_KEY_BYTES} random bytes, base64-encoded (\`${NEW_KEY}\`)`
    );
  }
  return key;
}
