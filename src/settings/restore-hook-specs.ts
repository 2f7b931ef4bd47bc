import { isMapping, type ShapeReader } from './shape.js';
import type { RestoreExecHook, RestoreHookRule, RestoreHooksSpec, RestoreInitHook, RestorePostHook } from '../hooks/hook-types.js';
import { parseCommand, parseErrorMode, parseRuleSelection, parseTimeout, readHookRules } from './hook-specs.js';
import { parseGoDuration } from '../util/duration.js';
import { InputError } from '../util/errors.js';


const FORM_FIX =
  "Give YAML or JSON shaped like Velero's Restore spec.hooks: resources: [{name: reload, includedNamespaces: [db], postHooks: [{exec: {command: ['/bin/sh', '-c', 'reload']}}]}]";
const RULE_FIELDS = ['name', 'includedNamespaces', 'excludedNamespaces', 'includedResources', 'excludedResources', 'labelSelector', 'postHooks'];
const EXEC_FIELDS = ['container', 'command', 'onError', 'execTimeout', 'waitTimeout', 'waitForReady'];
/** Kubernetes' rule for container names (a DNS-1123 label), checked here so a bad name fails before any pod is made. */
const CONTAINER_NAME = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

/**
 * The `restore-hooks` input: Velero's Restore `spec.hooks` ({resources: [...]}), or a pasted Restore spec ({hooks: ...})
 * or whole Restore ({spec: {hooks: ...}}), whose other fields are ignored. Empty means none. Every mistake is an
 * InputError whose problem starts with its path (`resources[0].postHooks[1].exec.onError`).
 */
export function parseRestoreHooksSpec(text: string | undefined, inputName = 'restore-hooks'): RestoreHooksSpec {
  const { shape, rules } = readHookRules(text, inputName, 'Restore', FORM_FIX);
  return { resources: rules.map(({ rule, path }) => parseRule(shape, rule, path)) };
}

function parseRule(shape: ShapeReader, raw: unknown, path: string): RestoreHookRule {
  const fields = shape.mapping(raw, path, RULE_FIELDS);
  return {
    ...parseRuleSelection(shape, fields, path),
    postHooks: shape.list(fields.postHooks, `${path}.postHooks`).map((hook, i) => parsePostHook(shape, hook, `${path}.postHooks[${i}]`))
  };
}

function parsePostHook(shape: ShapeReader, raw: unknown, path: string): RestorePostHook {
  const fields = shape.mapping(raw, path, ['exec', 'init']);
  const hasExec = fields.exec !== undefined && fields.exec !== null;
  const hasInit = fields.init !== undefined && fields.init !== null;
  // Velero skips an empty entry; refusing it catches a hook indented one level too far or too little.
  if (!hasExec && !hasInit) shape.fail(path, 'has neither exec nor init', 'Write {exec: {command: [...]}} or {init: {initContainers: [...]}}');
  return {
    ...(hasExec ? { exec: parseExec(shape, fields.exec, `${path}.exec`) } : {}),
    ...(hasInit ? { init: parseInit(shape, fields.init, `${path}.init`) } : {})
  };
}

function parseExec(shape: ShapeReader, raw: unknown, path: string): RestoreExecHook {
  const fields = shape.mapping(raw, path, EXEC_FIELDS);
  const container = shape.optionalString(fields.container, `${path}.container`);
  const waitTimeoutMs = parseOptionalDuration(shape, fields.waitTimeout, `${path}.waitTimeout`);
  return {
    ...(container ? { container } : {}),
    command: parseCommand(shape, fields.command, `${path}.command`),
    onError: parseErrorMode(shape, fields.onError, `${path}.onError`),
    execTimeoutMs: parseTimeout(shape, fields.execTimeout, `${path}.execTimeout`),
    ...(waitTimeoutMs ? { waitTimeoutMs } : {}),
    waitForReady: parseBoolean(shape, fields.waitForReady, `${path}.waitForReady`)
  };
}

function parseInit(shape: ShapeReader, raw: unknown, path: string): RestoreInitHook {
  const fields = shape.mapping(raw, path, ['initContainers', 'timeout']);
  const initContainers = shape.list(fields.initContainers, `${path}.initContainers`).map((item, i) => parseInitContainer(shape, item, `${path}.initContainers[${i}]`));
  // An init hook adding nothing is almost surely a mistake in the indentation of its list.
  if (initContainers.length === 0) shape.fail(`${path}.initContainers`, 'is empty', 'List the containers to add, each with name, image and command');
  const names = new Set<string>();
  for (const [i, container] of initContainers.entries()) {
    if (names.has(container.name as string)) shape.fail(`${path}.initContainers[${i}].name`, `'${String(container.name)}' is used twice`, 'Give each init container its own name');
    names.add(container.name as string);
  }
  const timeoutMs = parseOptionalDuration(shape, fields.timeout, `${path}.timeout`);
  return { initContainers, ...(timeoutMs ? { timeoutMs } : {}) };
}

/**
 * A Kubernetes Container kept as written, so any field of the API (volumeMounts, env, resources...) passes through.
 * Velero (ValidateContainer) requires name, image and command; the types of those three are checked too.
 */
function parseInitContainer(shape: ShapeReader, raw: unknown, path: string): Record<string, unknown> {
  const fix = "Each init container needs name, image and command, e.g. {name: prepare, image: busybox:1.36, command: ['/bin/sh', '-c', 'echo ok']}";
  if (!isMapping(raw)) shape.fail(path, 'expected a mapping (a Kubernetes container)', fix);
  const container = raw;
  const name = shape.optionalString(container.name, `${path}.name`);
  if (!name) shape.fail(`${path}.name`, 'is missing', fix);
  if (name.length > 63 || !CONTAINER_NAME.test(name)) shape.fail(`${path}.name`, `'${name}' is not a valid container name`, 'Use lower-case letters, digits and dashes (at most 63), starting and ending with a letter or digit');
  if (!shape.optionalString(container.image, `${path}.image`)) shape.fail(`${path}.image`, 'is missing', fix);
  parseCommand(shape, container.command, `${path}.command`);
  return container;
}

/** A Go duration where 0 and absence both mean "none": undefined then. */
function parseOptionalDuration(shape: ShapeReader, raw: unknown, path: string): number | undefined {
  const value = shape.optionalString(raw, path);
  if (value === undefined || value === '') return undefined;
  try {
    return parseGoDuration(value, path) || undefined;
  } catch (err) {
    if (err instanceof InputError) shape.fail(path, err.problem, err.fix);
    throw err;
  }
}

function parseBoolean(shape: ShapeReader, raw: unknown, path: string): boolean {
  if (raw === undefined || raw === null) return false;
  if (typeof raw !== 'boolean') shape.fail(path, `expected true or false, found ${typeof raw === 'string' ? `'${raw}'` : String(raw)}`, 'Write true or false without quotes');
  return raw;
}
