import { DEFAULT_HOOK_TIMEOUT_MS, HOOK_ERROR_MODES, hookTimeoutMs, type ExecHook, type HookErrorMode, type HookPhase } from './hook-types.js';

/** A hook read from a pod's annotations; `problem` says why it cannot run as written. */
export interface AnnotationHook {
  hook: ExecHook;
  problem?: string;
}

const BASE = 'hook.backup.velero.io';
const PRE = `pre.${BASE}`;
const POST = `post.${BASE}`;
const COMMAND_KEYS = { pre: `${PRE}/command`, post: `${POST}/command`, legacy: `${BASE}/command` } as const;

/**
 * The hook a pod's annotations ask for in one phase, or undefined when the command annotation is absent or empty.
 * Velero's keys: `pre.hook.backup.velero.io/*` and `post.…`; the legacy unprefixed `hook.backup.velero.io/*` is a pre
 * hook, read only when no `pre.` command is present (the two sets are never mixed). Asked for every pod, so the
 * common no-hook answer is two map lookups on constant keys.
 */
export function annotationHook(annotations: Readonly<Record<string, string>> | undefined, phase: HookPhase): AnnotationHook | undefined {
  if (!annotations) return undefined;
  if (phase === 'post') return annotations[COMMAND_KEYS.post] ? readHook(annotations, POST) : undefined;
  if (annotations[COMMAND_KEYS.pre]) return readHook(annotations, PRE);
  if (annotations[COMMAND_KEYS.legacy]) return readHook(annotations, BASE);
  return undefined;
}

function readHook(annotations: Readonly<Record<string, string>>, prefix: string): AnnotationHook {
  const problems: string[] = [];
  const command = parseCommandAnnotation(annotations[`${prefix}/command`]!);
  if (command.length === 0 || command[0] === '') problems.push(`annotation ${prefix}/command holds an empty command`);

  const onError = errorModeAnnotation(annotations, `${prefix}/on-error`, problems);
  const timeoutMs = timeoutAnnotation(annotations, `${prefix}/timeout`, problems);

  const container = annotations[`${prefix}/container`];
  const hook: ExecHook = { ...(container ? { container } : {}), command, onError, timeoutMs };
  return problems.length ? { hook, problem: problems.join('; ') } : { hook };
}

/**
 * An on-error annotation, Fail when absent. Velero quietly falls back to defaults on a bad on-error or timeout; here a
 * typo is a problem (the hook then fails), so a freeze the user thought bounded (or non-fatal) never runs under other
 * terms than written. Shared with restore hooks.
 */
export function errorModeAnnotation(annotations: Readonly<Record<string, string>>, key: string, problems: string[]): HookErrorMode {
  const raw = annotations[key];
  if (!raw) return 'Fail';
  if ((HOOK_ERROR_MODES as readonly string[]).includes(raw)) return raw as HookErrorMode;
  problems.push(`annotation ${key} is '${raw}', not Continue or Fail`);
  return 'Fail';
}

/** An exec timeout annotation (Go duration), Velero's 30s when absent or 0; a bad one is a problem, as above. */
export function timeoutAnnotation(annotations: Readonly<Record<string, string>>, key: string, problems: string[]): number {
  const raw = annotations[key];
  if (!raw) return DEFAULT_HOOK_TIMEOUT_MS;
  try {
    return hookTimeoutMs(raw, key);
  } catch {
    problems.push(`annotation ${key} is '${raw}', not a Go duration such as 30s or 1m`);
    return DEFAULT_HOOK_TIMEOUT_MS;
  }
}

/** Velero's rule: a value starting with `[` that parses as a JSON string array is the argv; anything else is one argument. */
export function parseCommandAnnotation(value: string): string[] {
  if (value.startsWith('[')) {
    try {
      const parsed: unknown = JSON.parse(value);
      if (Array.isArray(parsed) && parsed.every((item) => typeof item === 'string')) return parsed;
    } catch {
      // Not JSON: taken whole, as Velero does.
    }
  }
  return [value];
}
