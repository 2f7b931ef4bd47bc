import type { StoreSettings } from '../settings/settings.js';
import { InputError } from '../util/errors.js';

/** The inputs that reach the second location, by the name the store's errors give their first-location counterparts. */
const DESTINATION_INPUTS: Record<string, string> = { location: 'to-location', 's3-endpoint': 'to-s3-endpoint', 's3-region': 'to-s3-region', 's3-force-path-style': 'to-s3-force-path-style' };

/**
 * An error from opening the second location, naming the inputs that reach it: the store names the first location's
 * (`s3-endpoint`, `location`), and, for credentials, the environment, where a profile given by to-aws-profile is what
 * to fix. Pure.
 */
export function destinationError(err: unknown, destination: StoreSettings): unknown {
  if (!(err instanceof InputError)) return err;
  const where = `the second location (${destination.location.url}): ${err.problem}`;
  const profile = destination.s3.profile;
  if (err.input === 's3 credentials' && profile !== undefined) {
    return new InputError('to-aws-profile', where, `Check that profile '${profile}' is in the shared AWS config or credentials file (~/.aws/config, ~/.aws/credentials, or AWS_CONFIG_FILE / AWS_SHARED_CREDENTIALS_FILE), with keys this store accepts`);
  }
  return new InputError(DESTINATION_INPUTS[err.input] ?? err.input, where, err.fix);
}
