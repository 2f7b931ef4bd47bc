import { parse, YAMLParseError } from 'yaml';
import { InputError } from '../util/errors.js';
import { DEFAULT_HOOK_TIMEOUT_MS, HOOK_ERROR_MODES, hookTimeoutMs, type BackupHooksSpec, type ExecHook, type HookErrorMode, type HookRuleSelection, type ResourceHookRule } from '../hooks/hook-types.js';
import { isMapping, readLabelSelector, ShapeReader } from './shape.js';

const FORM_FIX =
  "Give YAML or JSON shaped like Velero's Backup spec.hooks: resources: [{name: freeze, includedNamespaces: [db], pre: [{exec: {command: ['/bin/sh', '-c', 'sync']}}]}]";
const RULE_FIELDS = ['name', 'includedNamespaces', 'excludedNamespaces', 'includedResources', 'excludedResources', 'labelSelector', 'pre', 'post'];

/**
 * The `hooks` input: Velero's `spec.hooks` ({resources: [...]}), or a pasted Backup spec ({hooks: ...}) or whole Backup
 * object ({spec: {hooks: ...}}), whose other fields are not this input's business and are ignored. Empty means none.
 */
export function parseBackupHooksSpec(text: string | undefined, inputName = 'hooks'): BackupHooksSpec {
  const { shape, rules } = readHookRules(text, inputName, 'Backup', FORM_FIX);
  return { resources: rules.map(({ rule, path }) => parseRule(shape, rule, path)) };
}

/**
 * The rules of a hooks input, unparsed, each with its path for messages; none for an empty input. Accepts the three
 * forms of a Velero `kind`'s hooks: spec.hooks ({resources: [...]}), a pasted spec ({hooks: ...}) or the whole object
 * ({spec: {hooks: ...}}), whose other fields are not the input's business. `formFix` tells how to write it.
 */
export function readHookRules(text: string | undefined, inputName: string, kind: 'Backup' | 'Restore', formFix: string): { shape: ShapeReader; rules: { rule: unknown; path: string }[] } {
  const shape: ShapeReader = new ShapeReader(inputName);
  if (text === undefined || text.trim() === '') return { shape, rules: [] };
  const document = parseDocument(text, inputName, formFix);
  if (document === null || document === undefined) return { shape, rules: [] };
  if (!isMapping(document)) shape.fail('(top level)', 'expected a mapping with a resources list', formFix);

  const [hooks, path] = locateHooks(document);
  if (hooks === undefined) shape.fail('(top level)', `expected 'resources' (Velero's spec.hooks), 'hooks' (a ${kind} spec) or 'spec.hooks' (a ${kind})`, formFix);
  if (hooks === null) return { shape, rules: [] };
  const fields = shape.mapping(hooks, path || '(top level)', ['resources']);
  const prefix = path ? `${path}.resources` : 'resources';
  return { shape, rules: shape.list(fields.resources, prefix).map((rule, i) => ({ rule, path: `${prefix}[${i}]` })) };
}

function parseDocument(text: string, inputName: string, formFix: string): unknown {
  try {
    return parse(text);
  } catch (err) {
    if (!(err instanceof YAMLParseError)) throw err;
    // The first line says what and where; the rest is a code frame of the input.
    const what = err.code === 'MULTIPLE_DOCS' ? 'holds more than one YAML document' : `is not valid YAML or JSON: ${err.message.split('\n')[0]!.replace(/:$/, '')}`;
    throw new InputError(inputName, what, formFix);
  }
}

/** Where the {resources: [...]} object sits in the three accepted forms, and its path for messages. */
function locateHooks(document: Record<string, unknown>): [unknown, string] {
  if ('resources' in document) return [document, ''];
  if ('hooks' in document) return [document.hooks, 'hooks'];
  if (isMapping(document.spec) && 'hooks' in document.spec) return [document.spec.hooks, 'spec.hooks'];
  return [undefined, ''];
}

function parseRule(shape: ShapeReader, raw: unknown, path: string): ResourceHookRule {
  const fields = shape.mapping(raw, path, RULE_FIELDS);
  return {
    ...parseRuleSelection(shape, fields, path),
    pre: shape.list(fields.pre, `${path}.pre`).map((hook, i) => parseHook(shape, hook, `${path}.pre[${i}]`)),
    post: shape.list(fields.post, `${path}.post`).map((hook, i) => parseHook(shape, hook, `${path}.post[${i}]`))
  };
}

/** The selecting fields of a rule whose keys `shape.mapping` has already checked. */
export function parseRuleSelection(shape: ShapeReader, fields: Record<string, unknown>, path: string): HookRuleSelection {
  const name = shape.optionalString(fields.name, `${path}.name`);
  // Velero's CRD requires it; here it also names the hook in logs and errors.
  if (!name) shape.fail(`${path}.name`, 'is missing', 'Give every hook rule a name');
  const labelSelector = fields.labelSelector === undefined || fields.labelSelector === null ? undefined : readLabelSelector(shape, fields.labelSelector, `${path}.labelSelector`);
  return {
    name,
    includedNamespaces: shape.stringList(fields.includedNamespaces, `${path}.includedNamespaces`),
    excludedNamespaces: shape.stringList(fields.excludedNamespaces, `${path}.excludedNamespaces`),
    includedResources: shape.stringList(fields.includedResources, `${path}.includedResources`),
    excludedResources: shape.stringList(fields.excludedResources, `${path}.excludedResources`),
    ...(labelSelector ? { labelSelector } : {})
  };
}

function parseHook(shape: ShapeReader, raw: unknown, path: string): ExecHook {
  const { exec } = shape.mapping(raw, path, ['exec']);
  // Velero ignores an entry without exec; refusing it catches a hook indented one level too far or too little.
  if (exec === undefined || exec === null) shape.fail(`${path}.exec`, 'is missing', 'Write the hook as {exec: {command: [...]}}');
  const fields = shape.mapping(exec, `${path}.exec`, ['container', 'command', 'onError', 'timeout']);
  const container = shape.optionalString(fields.container, `${path}.exec.container`);
  return {
    ...(container ? { container } : {}),
    command: parseCommand(shape, fields.command, `${path}.exec.command`),
    onError: parseErrorMode(shape, fields.onError, `${path}.exec.onError`),
    timeoutMs: parseTimeout(shape, fields.timeout, `${path}.exec.timeout`)
  };
}

/** An exec hook's argv: a non-empty list, never one string (there is no shell to split it). */
export function parseCommand(shape: ShapeReader, raw: unknown, path: string): string[] {
  const listFix = `Write it as a list, e.g. ['/bin/sh', '-c', 'sync']`;
  if (typeof raw === 'string') shape.fail(path, 'must be a list of arguments, not one string', listFix);
  const command = shape.stringList(raw, path);
  if (command.length === 0 || command[0] === '') shape.fail(path, 'is empty', listFix);
  return command;
}

/** onError: Continue or Fail, absent meaning Fail. */
export function parseErrorMode(shape: ShapeReader, raw: unknown, path: string): HookErrorMode {
  const value = shape.optionalString(raw, path);
  if (value === undefined || value === '') return 'Fail';
  if (!(HOOK_ERROR_MODES as readonly string[]).includes(value)) shape.fail(path, `'${value}' is not Continue or Fail`, 'Use Continue or Fail (capitalised)');
  return value as HookErrorMode;
}

/** An exec timeout as a Go duration; absent or 0 means Velero's 30s. */
export function parseTimeout(shape: ShapeReader, raw: unknown, path: string): number {
  const value = shape.optionalString(raw, path);
  if (value === undefined || value === '') return DEFAULT_HOOK_TIMEOUT_MS;
  try {
    return hookTimeoutMs(value, path);
  } catch (err) {
    if (err instanceof InputError) shape.fail(path, err.problem, err.fix);
    throw err;
  }
}

