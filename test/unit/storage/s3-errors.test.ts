import { describe, expect, it } from '@jest/globals';
import { errorCodes, translateS3Error } from '../../../src/storage/s3-errors.js';
import { AlreadyExistsError, InputError, NotFoundError } from '../../../src/util/errors.js';

const where = { bucket: 'backups', endpoint: 'https://s3.example.com' };

/** An error shaped as the AWS SDK throws them. */
function sdkError(name: string, status?: number, message = 'server said no'): Error {
  return Object.assign(new Error(message), { name, $metadata: { httpStatusCode: status } });
}

function socketError(code: string): Error {
  return Object.assign(new Error(`connect ${code} 127.0.0.1:1`), { code });
}

function translated(err: unknown): InputError {
  const result = translateS3Error(err, where, 'PutObject');
  expect(result).toBeInstanceOf(InputError);
  return result as InputError;
}

describe('translateS3Error', () => {
  it.each([
    ['InvalidAccessKeyId', 'the access key is not known'],
    ['SignatureDoesNotMatch', 'the secret key does not match'],
    ['ExpiredToken', 'session token has expired']
  ])('names the credentials for %s', (code, problem) => {
    const err = translated(sdkError(code, 403));
    expect(err.input).toBe('s3 credentials');
    expect(err.message).toContain(problem);
    expect(err.message).toContain('https://s3.example.com');
    expect(err.message).toContain('AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY');
  });

  it('names the credentials when none were found', () => {
    const err = translated(sdkError('CredentialsProviderError', undefined, 'Could not load credentials from any providers'));
    expect(err.message).toBe(
      "Input 's3 credentials': no S3 credentials were found. Set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY to a key pair valid " +
        "for this store, or configure another source of the AWS SDK's default credential chain (profile, web identity / OIDC role, instance role)"
    );
  });

  it('names the credentials for a refused bucket, with or without an error code', () => {
    expect(translated(sdkError('AccessDenied', 403)).message).toContain("refused access to bucket 'backups' (AccessDenied)");
    // HEAD answers carry no body, hence no code.
    expect(translated(sdkError('Unknown', 403)).message).toContain('(HTTP 403)');
  });

  it('names the location for a missing bucket', () => {
    expect(translated(sdkError('NoSuchBucket', 404)).message).toBe(
      "Input 'location': bucket 'backups' does not exist at https://s3.example.com. Create it or fix the location"
    );
  });

  it('names the region for a redirect or a missing region', () => {
    expect(translated(sdkError('PermanentRedirect', 301)).input).toBe('s3-region');
    expect(translated(new Error('Region is missing')).input).toBe('s3-region');
  });

  it.each(['ECONNREFUSED', 'ENOTFOUND', 'ETIMEDOUT'])('names the endpoint when it is unreachable (%s)', (code) => {
    const err = translated(socketError(code));
    expect(err.input).toBe('s3-endpoint');
    expect(err.message).toContain(`cannot reach https://s3.example.com (${code})`);
  });

  it('looks inside an AggregateError, as Node reports a refused dual-stack connection', () => {
    const aggregate = new AggregateError([socketError('ECONNREFUSED'), socketError('ECONNREFUSED')], '');
    expect(translated(aggregate).input).toBe('s3-endpoint');
  });

  it('names the CA input for an untrusted certificate, and the endpoint for a non-TLS answer', () => {
    expect(translated(socketError('SELF_SIGNED_CERT_IN_CHAIN')).input).toBe('s3-ca-cert');
    expect(translated(socketError('ERR_SSL_WRONG_VERSION_NUMBER')).message).toContain('did not answer with TLS');
  });

  it('keeps errors that are already translated', () => {
    for (const err of [new InputError('x', 'y'), new NotFoundError('n'), new AlreadyExistsError('a')]) {
      expect(translateS3Error(err, where, 'GetObject')).toBe(err);
    }
  });

  it('describes anything else with its code, the operation and the endpoint, keeping the cause', () => {
    const original = sdkError('InternalError', 500, 'We encountered an internal error');
    const result = translateS3Error(original, where, "GetObject of 'a/b'");
    expect(result).not.toBeInstanceOf(InputError);
    expect(result.message).toBe("S3 GetObject of 'a/b' failed at https://s3.example.com: InternalError: We encountered an internal error");
    expect(result.cause).toBe(original);
  });
});

describe('errorCodes', () => {
  it('collects codes from the error, its nested errors and its cause, without duplicates', () => {
    const err = Object.assign(new Error('x', { cause: socketError('ECONNRESET') }), { name: 'TimeoutError', code: 'ETIMEDOUT' });
    expect(errorCodes(err)).toEqual(['ETIMEDOUT', 'TimeoutError', 'ECONNRESET']);
    expect(errorCodes('just a string')).toEqual([]);
  });
});

describe('translateS3Error with a wrapped socket error', () => {
  it('finds the code in the message when the SDK kept only that', () => {
    const wrapped = new Error('AWS SDK error wrapper for Error: connect ECONNREFUSED 127.0.0.1:1');
    expect(translated(wrapped).input).toBe('s3-endpoint');
  });
});
