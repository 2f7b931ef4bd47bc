import { createHash } from 'node:crypto';
import type { BuildMiddleware, MetadataBearer, Pluggable } from '@smithy/types';

/**
 * S3 requires Content-MD5 (or a flexible checksum) on DeleteObjects. The AWS SDK now sends only a CRC32 checksum
 * header, which AWS accepts but Swift's s3api, older MinIO and Ceph do not: they refuse the request with
 * InvalidRequest / MissingContentMD5. Adding the MD5 back is harmless where it is not needed.
 */
export const contentMd5ForDeleteObjects: Pluggable<object, MetadataBearer> = {
  applyToStack(stack) {
    stack.add(contentMd5Middleware, { step: 'build', name: 'contentMd5ForDeleteObjects', override: true });
  }
};

const contentMd5Middleware: BuildMiddleware<object, MetadataBearer> = (next, context) => async (args) => {
  const request = args.request as { headers?: Record<string, string>; body?: unknown } | undefined;
  if (context.commandName === 'DeleteObjectsCommand' && request?.headers) {
    const md5 = contentMd5(request.body);
    if (md5 !== undefined) {
      for (const name of Object.keys(request.headers)) if (name.toLowerCase() === 'content-md5') delete request.headers[name];
      request.headers['content-md5'] = md5;
    }
  }
  return next(args);
};

/** Base64 MD5 of a serialized request body; undefined for a body that is a stream (DeleteObjects' never is). */
export function contentMd5(body: unknown): string | undefined {
  if (body === undefined || body === null) return createHash('md5').update('').digest('base64');
  if (typeof body === 'string' || body instanceof Uint8Array) return createHash('md5').update(body).digest('base64');
  return undefined;
}
