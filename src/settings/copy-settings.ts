import { InputError } from '../util/errors.js';
import { readBoolean, type InputReader } from './input-reader.js';
import { parseLeaseSettings, type LeaseSettings } from './lifecycle-settings.js';
import { parseLocation } from './location.js';
import { checkName } from './names.js';
import { parseS3Options, type StoreSettings } from './settings.js';

/** Which backups a copy takes: one by name, the newest Completed one, or every complete one the destination lacks. */
export type CopyTarget = { kind: 'name'; name: string } | { kind: 'latest' } | { kind: 'all' };

export interface CopySettings {
  target: CopyTarget;
  /** The second location: to-location, with to-s3-* and to-aws-profile (see destinationS3Reader). */
  destination: StoreSettings;
  /** The destination's lease, which the copy holds while it writes there. */
  lease: LeaseSettings;
}

/** The S3 inputs of the destination, as their counterparts for the source are named. */
const DESTINATION_S3_INPUTS: Record<string, string> = { 's3-endpoint': 'to-s3-endpoint', 's3-region': 'to-s3-region', 's3-force-path-style': 'to-s3-force-path-style' };
/** `to-s3-endpoint: aws`: AWS itself, for a copy from a custom store (whose endpoint would otherwise carry over). */
const AWS_ENDPOINT = 'aws';
const PROFILE_NAME = /^[A-Za-z0-9][A-Za-z0-9_.+@-]{0,127}$/;

/**
 * `mode: copy`: `from-backup` (a name or `latest`) or `copy-all: true`, exactly one; `to-location` and how to reach
 * it; the lease inputs. `source` is the location being copied from, already parsed: the destination must be another.
 */
export function parseCopySettings(reader: InputReader, workingDirectory: string, source: StoreSettings): CopySettings {
  const target = parseCopyTarget(reader);
  if (reader.get('to-location') === undefined) throw new InputError('to-location', 'is required to copy backups', 'Name the second location: s3://bucket/prefix, file:///dir or a directory');
  const location = parseLocation(reader.get('to-location'), workingDirectory, 'to-location');
  if (location.url === source.location.url) throw new InputError('to-location', `is ${location.url}, the location itself`, 'Copy to another bucket, prefix or directory');
  let s3;
  try {
    s3 = parseS3Options(destinationS3Reader(reader));
  } catch (err) {
    throw err instanceof InputError ? err.relabel((input) => DESTINATION_S3_INPUTS[input] ?? input) : err;
  }
  const profile = reader.get('to-aws-profile');
  if (profile !== undefined && !PROFILE_NAME.test(profile)) throw new InputError('to-aws-profile', `'${profile}' is not a profile name`, 'Use the name of a [profile …] section of ~/.aws/config or ~/.aws/credentials');
  return { target, destination: { location, s3: profile === undefined ? s3 : { ...s3, profile } }, lease: parseLeaseSettings(reader) };
}

/**
 * The destination's S3 options read as the source's are: each `to-s3-*` input, else, on the same store (no
 * `to-s3-endpoint`), its `s3-*` counterpart, with s3-ca-cert and s3-insecure-skip-tls-verify. Another endpoint
 * shares nothing with the source. Server-side encryption is never carried over: the destination bucket's default
 * applies (a KMS key or a customer key belongs to the source's store).
 */
export function destinationS3Reader(reader: InputReader): InputReader {
  const endpoint = reader.get('to-s3-endpoint');
  const sameStore = endpoint === undefined;
  return {
    get: (name) => {
      const own = DESTINATION_S3_INPUTS[name];
      if (own !== undefined) {
        const value = reader.get(own);
        if (own === 'to-s3-endpoint' && value?.toLowerCase() === AWS_ENDPOINT) return undefined;
        return value ?? (sameStore ? reader.get(name) : undefined);
      }
      if (name === 's3-ca-cert' || name === 's3-insecure-skip-tls-verify') return sameStore ? reader.get(name) : undefined;
      return undefined;
    }
  };
}

function parseCopyTarget(reader: InputReader): CopyTarget {
  const fromBackup = reader.get('from-backup');
  const all = readBoolean(reader, 'copy-all', false);
  if (fromBackup && all) throw new InputError('copy-all', 'cannot be combined with from-backup', 'Name one backup (or latest), or copy every one the destination lacks');
  if (all) return { kind: 'all' };
  if (!fromBackup) throw new InputError('from-backup', 'is required to copy a backup', "Name a backup, use 'latest' for the newest Completed one, or set copy-all: true");
  if (fromBackup === 'latest') return { kind: 'latest' };
  checkName('from-backup', fromBackup);
  return { kind: 'name', name: fromBackup };
}

