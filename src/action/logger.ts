import * as core from '@actions/core';
import type { Logger } from '../util/logger.js';

/** The engine's logger on the Actions runner: warnings and errors become annotations, all of it masked by the runner. */
export const actionLogger: Logger = {
  debug: (message) => core.debug(message),
  info: (message) => core.info(message),
  warn: (message) => core.warning(message),
  error: (message) => core.error(message)
};
