import { createHash } from 'node:crypto';
import { errorModeAnnotation, parseCommandAnnotation, timeoutAnnotation } from './annotations.js';
import { parseGoDuration } from '../util/duration.js';
import type { KubeObject } from '../model/kube-object.js';
import type { RestoreExecHook } from './hook-types.js';

const INIT = 'init.hook.restore.velero.io';
const POST = 'post.hook.restore.velero.io';
const KEYS = {
  image: `${INIT}/container-image`,
  name: `${INIT}/container-name`,
  initCommand: `${INIT}/command`,
  // Velero declares `${INIT}/timeout` but never reads it; it is not read here either.
  container: `${POST}/container`,
  command: `${POST}/command`,
  onError: `${POST}/on-error`,
  execTimeout: `${POST}/exec-timeout`,
  waitTimeout: `${POST}/wait-timeout`,
  waitForReady: `${POST}/wait-for-ready`
} as const;

/** What a pod's init annotations ask for: a container to add, or a problem saying why they are ignored. */
export type AnnotationInitContainer = { container: Record<string, unknown> } | { problem: string };

/**
 * The init container a pod's `init.hook.restore.velero.io/*` annotations describe, or undefined when they describe
 * none (the image annotation is what turns them on, as in Velero). Asked for every restored pod: the common answer
 * costs three map lookups.
 */
export function initContainerFromAnnotations(pod: KubeObject): AnnotationInitContainer | undefined {
  const annotations = pod.metadata.annotations;
  if (!annotations) return undefined;
  const image = annotations[KEYS.image];
  const name = annotations[KEYS.name];
  const command = annotations[KEYS.initCommand];
  if (!image) {
    // Velero ignores them silently; a name or command without an image is more likely a forgotten line than a wish.
    return name || command ? { problem: `annotations ${INIT}/* are ignored: ${KEYS.image} is not set` } : undefined;
  }
  return {
    container: {
      name: name || generatedName(pod),
      image,
      // No command: the image's own entrypoint runs, as Velero's log line for that case says.
      ...(command ? { command: parseCommandAnnotation(command) } : {})
    }
  };
}

/**
 * Velero names an unnamed one `velero-restore-init-` plus 8 random hex digits. Here the digits come from the pod's
 * namespace and name, so the desired pod is the same on every run: a dry run, a comparison with a live pod under
 * existing-resource-policy update, and a second restore of the same backup all see one name, not a new one each time.
 */
function generatedName(pod: KubeObject): string {
  const digest = createHash('sha256').update(`${pod.metadata.namespace ?? ''}/${pod.metadata.name ?? ''}`).digest('hex');
  return `velero-restore-init-${digest.slice(0, 8)}`;
}

/** An exec hook read from a pod's annotations; `problem` says why it cannot run as written. */
export interface AnnotationExecHook {
  hook: RestoreExecHook;
  problem?: string;
}

/**
 * The exec hook a pod's `post.hook.restore.velero.io/*` annotations ask for, or undefined when the command annotation
 * is absent or empty. Values Velero would silently replace by defaults (bad on-error, durations, wait-for-ready) are
 * problems here instead, as for backup hook annotations: the hook then fails under its on-error.
 */
export function execHookFromAnnotations(annotations: Readonly<Record<string, string>> | undefined): AnnotationExecHook | undefined {
  const rawCommand = annotations?.[KEYS.command];
  if (!annotations || !rawCommand) return undefined;
  const problems: string[] = [];
  const command = parseCommandAnnotation(rawCommand);
  const onError = errorModeAnnotation(annotations, KEYS.onError, problems);
  const execTimeoutMs = timeoutAnnotation(annotations, KEYS.execTimeout, problems);
  const waitTimeoutMs = waitTimeoutAnnotation(annotations, problems);
  const waitForReady = waitForReadyAnnotation(annotations, problems);
  const container = annotations[KEYS.container];
  const hook: RestoreExecHook = {
    ...(container ? { container } : {}),
    command,
    onError,
    execTimeoutMs,
    ...(waitTimeoutMs ? { waitTimeoutMs } : {}),
    waitForReady
  };
  return problems.length ? { hook, problem: problems.join('; ') } : { hook };
}

/** 0 or absent: no limit of the hook's own (Velero waits indefinitely then). */
function waitTimeoutAnnotation(annotations: Readonly<Record<string, string>>, problems: string[]): number | undefined {
  const raw = annotations[KEYS.waitTimeout];
  if (!raw) return undefined;
  try {
    return parseGoDuration(raw, KEYS.waitTimeout) || undefined;
  } catch {
    problems.push(`annotation ${KEYS.waitTimeout} is '${raw}', not a Go duration such as 30s or 5m`);
    return undefined;
  }
}

/** Go's strconv.ParseBool spellings, which Velero parses the annotation with. */
const TRUE = new Set(['1', 't', 'T', 'true', 'TRUE', 'True']);
const FALSE = new Set(['0', 'f', 'F', 'false', 'FALSE', 'False']);

function waitForReadyAnnotation(annotations: Readonly<Record<string, string>>, problems: string[]): boolean {
  const raw = annotations[KEYS.waitForReady];
  if (!raw || FALSE.has(raw)) return false;
  if (TRUE.has(raw)) return true;
  problems.push(`annotation ${KEYS.waitForReady} is '${raw}', not true or false`);
  return false;
}
