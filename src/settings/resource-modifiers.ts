import jsonpatch, { type Operation } from 'fast-json-patch';
import { parseDocument } from 'yaml';
import { isMapping, readLabelSelector, ShapeReader } from './shape.js';
import { InputError } from '../util/errors.js';
import { globMatcher } from '../util/glob.js';
import { goRegExp } from './go-regexp.js';
import type { ModifierConditions, ModifierPatch, ResourceModifierRule, ResourceModifiers } from './resource-modifier-rules.js';
import { patchValue } from './patch-value.js';

const FORM_FIX =
  "Give Velero's resource modifiers YAML: version: v1, resourceModifierRules: [{conditions: {groupResource: persistentvolumeclaims}, patches: [{operation: replace, path: /spec/storageClassName, value: premium}]}]";
const RULE_FIELDS = ['conditions', 'patches', 'mergePatches', 'strategicPatches'];
const CONDITION_FIELDS = ['groupResource', 'namespaces', 'resourceNameRegex', 'labelSelector', 'matches'];
const OPERATIONS = ['add', 'remove', 'replace', 'move', 'copy', 'test'] as const;

/**
 * The `resource-modifiers` input: the YAML Velero reads from its resource-modifier ConfigMap (or that ConfigMap
 * itself, whose single data value is the YAML). Checked as Velero's Validate and strict decoding do (version v1, at
 * least one rule, a groupResource per rule, known operations and no unknown fields), and further: regexes, values and
 * merge patches are read now, so a mistake fails the run before anything is restored instead of failing items.
 * Empty means no modifiers.
 */
export function parseResourceModifiers(text: string | undefined, input = 'resource-modifiers'): ResourceModifiers | undefined {
  if (text === undefined || text.trim() === '') return undefined;
  const shape = new ShapeReader(input);
  // Velero decodes into string fields, so every scalar is read as its text (the failsafe schema): `value: 1.0`
  // stays '1.0' and `value: yes` stays 'yes' until patchValue decides, exactly as in Velero.
  let document = readYaml(text, input, 'failsafe');
  if (isMapping(document) && document.kind === 'ConfigMap') document = configMapPayload(shape, document, input);
  const top = shape.mapping(document, '(top level)', ['version', 'resourceModifierRules']);
  const version = shape.optionalString(top.version, 'version');
  if (version === undefined || version.toLowerCase() !== 'v1') {
    shape.fail('version', version === undefined ? 'is missing' : `'${version}' is not supported`, 'Velero resource modifiers are version: v1');
  }
  const rules = shape.list(top.resourceModifierRules, 'resourceModifierRules');
  if (rules.length === 0) shape.fail('resourceModifierRules', 'is empty', FORM_FIX);
  return { rules: rules.map((rule, index) => parseRule(shape, rule, index)) };
}

function readYaml(text: string, input: string, schema: 'failsafe' | 'core'): unknown {
  const doc = parseDocument(text, { schema, uniqueKeys: true });
  const error = doc.errors[0];
  if (error) throw new InputError(input, `is not valid YAML: ${error.message.split('\n')[0]!.replace(/:$/, '')}`, FORM_FIX);
  return doc.toJS() as unknown;
}

function configMapPayload(shape: ShapeReader, configMap: Record<string, unknown>, input: string): unknown {
  const data = isMapping(configMap.data) ? Object.values(configMap.data) : [];
  // Velero refuses a ConfigMap with other than exactly one data entry.
  if (data.length !== 1) shape.fail('data', `a resource modifiers ConfigMap must hold exactly one data entry, found ${data.length}`);
  return readYaml(shape.string(data[0], 'data'), input, 'failsafe');
}

function parseRule(shape: ShapeReader, raw: unknown, index: number): ResourceModifierRule {
  const path = `resourceModifierRules[${index}]`;
  const fields = shape.mapping(raw, path, RULE_FIELDS);
  if (shape.list(fields.strategicPatches, `${path}.strategicPatches`).length > 0) {
    shape.fail(
      `${path}.strategicPatches`,
      'strategic merge patches are not supported: they need the schema of every Kubernetes type, which only the API server has',
      'Use mergePatches (JSON merge patch): it is the same for maps; lists are replaced whole, so give the full list'
    );
  }
  const patches = shape.list(fields.patches, `${path}.patches`);
  const merges = shape.list(fields.mergePatches, `${path}.mergePatches`);
  if (patches.length && merges.length) {
    // Velero applies only the patches then and drops the merge patches without a word.
    shape.fail(path, 'has both patches and mergePatches; Velero would apply only the patches', 'Split them into two rules with the same conditions');
  }
  if (!patches.length && !merges.length) shape.fail(path, 'has no patches or mergePatches', FORM_FIX);
  const patch: ModifierPatch = patches.length
    ? { kind: 'json', operations: patches.map((p, i) => parseOperation(shape, p, `${path}.patches[${i}]`)) }
    : { kind: 'merge', documents: merges.map((m, i) => parseMergePatch(shape, m, `${path}.mergePatches[${i}]`)) };
  return { index, conditions: parseConditions(shape, fields.conditions, `${path}.conditions`), patch };
}

function parseConditions(shape: ShapeReader, raw: unknown, path: string): ModifierConditions {
  if (isMapping(raw) && 'groupKind' in raw) {
    shape.fail(`${path}.groupKind`, 'was renamed', 'Velero 1.12 renamed groupKind to groupResource: write groupResource: <resource>.<group>');
  }
  const fields = shape.mapping(raw ?? undefined, path, CONDITION_FIELDS);
  const groupResource = shape.optionalString(fields.groupResource, `${path}.groupResource`);
  if (!groupResource) shape.fail(`${path}.groupResource`, 'is missing', 'Name the resource as <resource>.<group> (persistentvolumeclaims, deployments.apps); globs like *.apps work');
  const namespaces = shape.stringList(fields.namespaces, `${path}.namespaces`);
  const regex = shape.optionalString(fields.resourceNameRegex, `${path}.resourceNameRegex`);
  const conditions: ModifierConditions = {
    groupResource,
    matchesGroupResource: groupResourceMatcher(groupResource),
    namespaces,
    matchesNamespace: namespaces.length ? globMatcher(namespaces) : () => true,
    matches: shape.list(fields.matches, `${path}.matches`).map((m, i) => parseMatch(shape, m, `${path}.matches[${i}]`))
  };
  if (regex) {
    try {
      conditions.resourceNameRegex = goRegExp(regex);
    } catch (err) {
      shape.fail(`${path}.resourceNameRegex`, `'${regex}' is not a valid regular expression: ${(err as Error).message}`);
    }
  }
  if (fields.labelSelector !== undefined && fields.labelSelector !== null) conditions.labelSelector = readLabelSelector(shape, fields.labelSelector, `${path}.labelSelector`);
  return conditions;
}

/**
 * Velero compiles groupResource as a glob with '.' as separator (gobwas/glob), so `*.apps` matches deployments.apps
 * but not deployments.apps.example.com. Mapping dots to slashes gives the one glob matcher the same separators.
 * One difference: a lone `*` matches every resource here, where in Velero it matches only core-group resources.
 */
function groupResourceMatcher(pattern: string): (groupResource: string) => boolean {
  const match = globMatcher([pattern.replaceAll('.', '/')]);
  return (groupResource) => match(groupResource.replaceAll('.', '/'));
}

function parseMatch(shape: ShapeReader, raw: unknown, path: string): { path: string; value: unknown } {
  const fields = shape.mapping(raw, path, ['path', 'value']);
  const pointer = shape.optionalString(fields.path, `${path}.path`);
  if (!pointer) shape.fail(`${path}.path`, 'is missing', 'Give a JSON pointer such as /spec/storageClassName');
  checkPointer(shape, pointer, `${path}.path`);
  return { path: pointer, value: readValue(shape, fields.value, `${path}.value`) };
}

function parseOperation(shape: ShapeReader, raw: unknown, path: string): Operation {
  const fields = shape.mapping(raw, path, ['operation', 'path', 'value', 'from']);
  const opText = shape.optionalString(fields.operation, `${path}.operation`);
  const op = opText?.toLowerCase() as (typeof OPERATIONS)[number] | undefined;
  if (!op || !OPERATIONS.includes(op)) {
    shape.fail(`${path}.operation`, opText ? `'${opText}' is not a JSON patch operation` : 'is missing', `Use one of ${OPERATIONS.join(', ')}`);
  }
  const pointer = shape.optionalString(fields.path, `${path}.path`);
  if (!pointer) shape.fail(`${path}.path`, 'is missing', 'Give a JSON pointer such as /spec/replicas');
  checkPointer(shape, pointer, `${path}.path`);
  let operation: Operation;
  if (op === 'move' || op === 'copy') {
    const from = shape.optionalString(fields.from, `${path}.from`);
    if (!from) shape.fail(`${path}.from`, `is required for ${op}`);
    checkPointer(shape, from, `${path}.from`);
    operation = { op, path: pointer, from };
  } else if (op === 'remove') {
    operation = { op, path: pointer };
  } else {
    operation = { op, path: pointer, value: readValue(shape, fields.value, `${path}.value`) };
  }
  const invalid = jsonpatch.validate([operation]);
  if (invalid) shape.fail(path, invalid.message.split('\n')[0]!);
  return operation;
}

function parseMergePatch(shape: ShapeReader, raw: unknown, path: string): unknown {
  const fields = shape.mapping(raw, path, ['patchData']);
  const text = shape.optionalString(fields.patchData, `${path}.patchData`);
  if (!text) shape.fail(`${path}.patchData`, 'is missing', 'Give the patch as YAML or JSON text: patchData: |\n  {"metadata": {"labels": {"team": "a"}}}');
  // Velero converts patchData from YAML to JSON, so here the ordinary YAML types apply (numbers, booleans, null).
  let document: unknown;
  try {
    document = readYaml(text, shape.input, 'core');
  } catch (err) {
    shape.fail(`${path}.patchData`, err instanceof InputError ? err.problem : String(err));
  }
  if (!isMapping(document)) shape.fail(`${path}.patchData`, 'must be a mapping (a JSON object) to merge into the item');
  return document;
}

function readValue(shape: ShapeReader, raw: unknown, path: string): unknown {
  if (raw === undefined || raw === null) return '';
  if (typeof raw !== 'string') {
    // Velero's value is a string field: a YAML mapping or list there fails its decoding.
    shape.fail(path, 'must be a string', `Write JSON inside quotes, e.g. value: '{"name": "web"}'`);
  }
  try {
    return patchValue(raw);
  } catch (err) {
    return shape.fail(path, `'${raw}' starts like JSON but is not valid JSON: ${(err as Error).message}`);
  }
}

function checkPointer(shape: ShapeReader, pointer: string, path: string): void {
  if (!pointer.startsWith('/')) shape.fail(path, `'${pointer}' is not a JSON pointer`, `JSON pointers start with '/', e.g. /spec/replicas; escape '/' in keys as ~1`);
}

