import { AlreadyExistsError, InputError, NotFoundError } from '../util/errors.js';

/** What a message about a failed S3 call needs to say where it happened. */
export interface S3ErrorContext {
  bucket: string;
  /** The endpoint as the user would recognise it: the s3-endpoint input, or "AWS S3". */
  endpoint: string;
  /** Whether the store has answered a request before: then an unreachable store went away, the input is fine. */
  answered?: boolean;
  /** The encryption setting and the input that chose it, when one is set. */
  encryption?: { input: string; kind: string };
}

export const CREDENTIALS_INPUT = 's3 credentials';
const CREDENTIALS_FIX =
  'Set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY to a key pair valid for this store, or configure another source ' +
  "of the AWS SDK's default credential chain (profile, web identity / OIDC role, instance role)";

const BAD_CREDENTIALS: Record<string, string> = {
  InvalidAccessKeyId: 'the access key is not known to the store',
  SignatureDoesNotMatch: 'the secret key does not match the access key',
  InvalidToken: 'the session token is invalid',
  ExpiredToken: 'the session token has expired',
  TokenRefreshRequired: 'the session token has expired',
  InvalidSecurity: 'the credentials are invalid'
};
const WRONG_REGION = new Set(['PermanentRedirect', 'AuthorizationHeaderMalformed', 'IllegalLocationConstraintException']);
const UNREACHABLE = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH', 'ETIMEDOUT', 'TimeoutError']);
// The server answered, but not with TLS (an http:// endpoint given as https://, or the wrong port).
const NOT_TLS = new Set(['EPROTO', 'ERR_SSL_WRONG_VERSION_NUMBER', 'ERR_SSL_PACKET_LENGTH_TOO_LONG']);
const UNTRUSTED_CERT = new Set([
  'SELF_SIGNED_CERT_IN_CHAIN',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'CERT_HAS_EXPIRED',
  'CERT_NOT_YET_VALID',
  'ERR_TLS_CERT_ALTNAME_INVALID'
]);

/**
 * Turns an error of the AWS SDK (or of the socket under it) into one message that names the input to fix. The one
 * place that knows S3 error codes, so every store method fails the same way for the same cause. Errors it does not
 * recognise keep their code and gain the operation and endpoint; the original stays as `cause`.
 */
export function translateS3Error(err: unknown, where: S3ErrorContext, operation: string): Error {
  if (err instanceof InputError || err instanceof NotFoundError || err instanceof AlreadyExistsError) return err;
  const codes = errorCodes(err);
  // The SDK's retry layer replaces an error that is not `instanceof Error` in its realm (a socket error when running
  // under a VM context, as in Jest) with "AWS SDK error wrapper for <error>": then only the message keeps the code.
  const words = new Set(messageOf(err).split(/[^A-Z0-9_]+/));
  const has = (set: ReadonlySet<string>): string | undefined => codes.find((code) => set.has(code)) ?? [...set].find((code) => words.has(code));
  const status = httpStatus(err);
  const { bucket, endpoint } = where;
  const input = (name: string, problem: string, fix: string): InputError => Object.assign(new InputError(name, problem, fix), { cause: err });

  const credentialProblem = codes.map((code) => BAD_CREDENTIALS[code]).find((problem) => problem !== undefined);
  if (credentialProblem) return input(CREDENTIALS_INPUT, `${credentialProblem} (${codes[0]} from ${endpoint})`, CREDENTIALS_FIX);
  if (codes.includes('CredentialsProviderError')) {
    return input(CREDENTIALS_INPUT, 'no S3 credentials were found', CREDENTIALS_FIX);
  }
  // Swift's s3api answers 501 to AES256 without its encryption middleware and to aws:kms always.
  if (where.encryption && (codes.includes('NotImplemented') || status === 501) && /encrypt/i.test(messageOf(err))) {
    return input(
      where.encryption.input,
      `${endpoint} does not support server-side encryption ${where.encryption.kind} (${codes[0] ?? 'HTTP 501'}: ${messageOf(err)})`,
      `Choose encryption the store offers, or leave ${where.encryption.input} unset`
    );
  }
  if (codes.includes('NoSuchBucket')) {
    return input('location', `bucket '${bucket}' does not exist at ${endpoint}`, 'Create it or fix the location');
  }
  if (has(WRONG_REGION) || status === 301 || /region is missing/i.test(messageOf(err))) {
    return input('s3-region', `bucket '${bucket}' is not reachable in the configured region (${codes[0] ?? status})`, "Set s3-region to the bucket's region");
  }
  if (codes.includes('AccessDenied') || status === 403) {
    return input(
      CREDENTIALS_INPUT,
      `${endpoint} refused access to bucket '${bucket}' (${codes.includes('AccessDenied') ? 'AccessDenied' : 'HTTP 403'}): the keys are wrong or may not use this bucket`,
      `${CREDENTIALS_FIX}, allowed to list, read, write and delete objects in '${bucket}'`
    );
  }
  const certificate = has(UNTRUSTED_CERT);
  if (certificate) {
    return input(
      's3-ca-cert',
      `the TLS certificate of ${endpoint} is not trusted (${certificate})`,
      'Pass the PEM of the CA that signed it in s3-ca-cert, or, for a test store only, set s3-insecure-skip-tls-verify'
    );
  }
  const notTls = has(NOT_TLS);
  if (notTls) {
    return input('s3-endpoint', `${endpoint} did not answer with TLS (${notTls})`, 'Check the scheme (http:// or https://) and the port');
  }
  const unreachable = has(UNREACHABLE);
  if (unreachable && where.answered) {
    return new Error(`${endpoint} stopped answering during the run (${unreachable} on ${operation}): the store went away or the network failed; nothing this run wrote is visible as complete, run it again once the store is back`, { cause: err });
  }
  if (unreachable) {
    return input('s3-endpoint', `cannot reach ${endpoint} (${unreachable})`, 'Check the s3-endpoint URL, and that the store is running and reachable from here');
  }
  const code = codes[0] ?? (status ? `HTTP ${status}` : 'error');
  return new Error(`S3 ${operation} failed at ${endpoint}: ${code}: ${messageOf(err)}`, { cause: err });
}

/** The error's codes, most specific first: SDK error name and Code, socket code, and those of nested errors. */
export function errorCodes(err: unknown): string[] {
  const codes: string[] = [];
  const visit = (value: unknown, depth: number): void => {
    if (typeof value !== 'object' || value === null || depth > 3) return;
    const e = value as { name?: unknown; Code?: unknown; code?: unknown; errors?: unknown; cause?: unknown };
    for (const candidate of [e.Code, e.code, e.name]) {
      if (typeof candidate === 'string' && candidate && candidate !== 'Error' && !codes.includes(candidate)) codes.push(candidate);
    }
    // Node reports a refused connection to every address of a host as an AggregateError.
    if (Array.isArray(e.errors)) for (const inner of e.errors) visit(inner, depth + 1);
    visit(e.cause, depth + 1);
  };
  visit(err, 0);
  return codes;
}

export function httpStatus(err: unknown): number | undefined {
  const e = err as { $metadata?: { httpStatusCode?: number }; $response?: { statusCode?: number } } | undefined;
  return e?.$metadata?.httpStatusCode ?? e?.$response?.statusCode;
}

function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
