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

/** Where log lines and annotations go: @actions/core on a runner, a recorder in tests. */
export interface AnnotationSink {
  debug(message: string): void;
  info(message: string): void;
  warning(message: string): void;
  error(message: string): void;
}

/** The runner shows at most 10 error and 10 warning annotations per step and drops the rest without a word. */
export const ANNOTATIONS_SHOWN_PER_STEP = 10;

/**
 * A logger whose warnings and errors become annotations until each kind has used all but two of the step's ten: one
 * is left for the note that more follow (in the log only), one for the mode's own last word (the step failing, or
 * PartiallyFailed). Past that they are plain log lines, prefixed so a search finds them; the summary lists them too.
 */
export function annotatingLogger(sink: AnnotationSink, shown = ANNOTATIONS_SHOWN_PER_STEP - 2): Logger {
  const counts = { warning: 0, error: 0 };
  const annotate = (kind: 'warning' | 'error', message: string) => {
    const n = ++counts[kind];
    if (n <= shown) return sink[kind](message);
    if (n === shown + 1) sink[kind](`More ${kind}s follow in the job log only (GitHub shows ${ANNOTATIONS_SHOWN_PER_STEP} ${kind} annotations per step); the job summary lists them`);
    sink.info(`${kind}: ${message}`);
  };
  return {
    debug: (message) => sink.debug(defuseWorkflowCommands(message)),
    info: (message) => sink.info(defuseWorkflowCommands(message)),
    warn: (message) => annotate('warning', defuseWorkflowCommands(message)),
    error: (message) => annotate('error', defuseWorkflowCommands(message))
  };
}

/** The engine's logger on the Actions runner: warnings and errors become annotations (within the runner's limit), all of it masked by the runner. */
export const actionLogger: Logger = annotatingLogger(core);
