import * as core from '@actions/core';
import type { Logger } from '../util/logger.js';

/**
 * A line of the job log that starts with `::` is a workflow command to the runner (set-output, add-mask, stop
 * masking...). Engine messages carry names and text from clusters and archives, which an attacker may choose, so no
 * line of theirs may start one.
 */
export function defuseWorkflowCommands(message: string): string {
  return message.replace(/^(\s*)::/gm, '$1:\u200b:');
}

/** The engine's logger on the Actions runner: warnings and errors become annotations, all of it masked by the runner. */
export const actionLogger: Logger = {
  debug: (message) => core.debug(defuseWorkflowCommands(message)),
  info: (message) => core.info(defuseWorkflowCommands(message)),
  warn: (message) => core.warning(defuseWorkflowCommands(message)),
  error: (message) => core.error(defuseWorkflowCommands(message))
};
