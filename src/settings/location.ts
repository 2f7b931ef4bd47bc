import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Location } from '../storage/location.js';
import { InputError } from '../util/errors.js';


export const DEFAULT_LOCATION = './kube-backups';

// S3 bucket naming rules (lower case, digits, dots, hyphens; 3..63), relaxed for dots so path-style stores work.
const BUCKET_NAME = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;

/**
 * Parses the `location` input: `s3://bucket[/prefix]`, `file:///absolute/path`, or a plain path (relative to
 * `workingDirectory`). Anything with another scheme is refused rather than taken as a relative path.
 */
export function parseLocation(raw: string | undefined, workingDirectory: string, input = 'location'): Location {
  const value = (raw ?? '').trim() || DEFAULT_LOCATION;
  const scheme = /^([a-zA-Z][a-zA-Z0-9+.-]*):\/\//.exec(value)?.[1]?.toLowerCase();

  if (scheme === 's3') {
    const rest = value.slice('s3://'.length);
    const slash = rest.indexOf('/');
    const bucket = slash < 0 ? rest : rest.slice(0, slash);
    const prefix = normalisePrefix(slash < 0 ? '' : rest.slice(slash + 1));
    if (!BUCKET_NAME.test(bucket)) {
      throw new InputError(
        input,
        `'${bucket}' is not a valid bucket name in '${value}'`,
        'Use s3://<bucket>/<prefix>, with a bucket of 3-63 lower-case letters, digits, dots or hyphens'
      );
    }
    if (prefix.split('/').some((part) => part === '.' || part === '..')) {
      throw new InputError(input, `the prefix of '${value}' contains '.' or '..'`, 'Use a plain prefix such as s3://bucket/cluster-a');
    }
    return { kind: 's3', bucket, prefix, url: `s3://${bucket}${prefix ? `/${prefix.replace(/\/$/, '')}` : ''}` };
  }
  if (scheme === 'file') {
    let directory: string;
    try {
      directory = fileURLToPath(value);
    } catch {
      throw new InputError(input, `'${value}' is not a valid file URL`, 'Use file:///absolute/path or a plain path');
    }
    return local(directory);
  }
  if (scheme !== undefined) {
    throw new InputError(
      input,
      `unsupported scheme '${scheme}://' in '${value}'`,
      'Use s3://bucket/prefix, file:///absolute/path, or a plain directory path'
    );
  }
  return local(path.resolve(workingDirectory, value));
}

function local(directory: string): Location {
  const resolved = path.resolve(directory);
  return { kind: 'local', directory: resolved, url: `file://${resolved}` };
}

/** `a//b/` and `/a/b` both become `a/b/`; the empty prefix stays empty. */
function normalisePrefix(prefix: string): string {
  const parts = prefix.split('/').filter((p) => p.length > 0);
  return parts.length ? `${parts.join('/')}/` : '';
}
