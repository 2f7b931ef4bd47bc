import { isAlias, isMap, isScalar, isSeq, parseDocument, type Document } from 'yaml';
import { RESOURCE_NAME } from '../storage/layout.js';
import { InputError } from '../util/errors.js';
import { parseQuantity, Quantity, QuantityError } from '../util/quantity.js';
import { isMapping, ShapeReader } from './shape.js';

/**
 * Velero's resource policies (internal/resourcepolicies), the document a Backup's `spec.resourcePolicy` ConfigMap
 * holds: `volumePolicies` decide per volume whether it is skipped, snapshotted, backed up file by file or left to a
 * plugin; `includeExcludePolicy` filters resource types. Parsed and checked once; matching is src/backup/volume-policy.ts.
 */
export interface VolumePolicies {
  version: 'v1';
  /** In order: the first policy whose conditions all match a volume decides its action. */
  volumePolicies: VolumePolicy[];
  /** Absent when the document has none (or `includeExcludePolicy: null`). */
  includeExcludePolicy?: IncludeExcludePolicy;
}

export interface VolumePolicy {
  /** Position in volumePolicies, for messages. */
  index: number;
  conditions: VolumeConditions;
  action: VolumeAction;
}

export const VOLUME_ACTION_TYPES = ['skip', 'snapshot', 'fs-backup', 'custom'] as const;
export type VolumeActionType = (typeof VOLUME_ACTION_TYPES)[number];

export interface VolumeAction {
  type: VolumeActionType;
  /** Free-form, as written (YAML types kept); read by whatever handles `custom`. Absent when not given. */
  parameters?: Record<string, unknown>;
}

/**
 * Conditions that must all hold; a missing one always holds. Each is left out when the document leaves it out or
 * gives it empty (an empty storageClass list, `pvcLabels: {}`), as Velero then adds no condition.
 */
export interface VolumeConditions {
  /** Inclusive bounds on the PV's `spec.capacity.storage`; a zero bound is open (see src/backup/volume-policy.ts). */
  capacity?: CapacityRange;
  /** `PV.spec.storageClassName` is one of these (exact); a volume without a class never matches. */
  storageClass?: string[];
  /** An NFS volume; `{}` is any NFS volume, a given server and/or path must equal the volume's. */
  nfs?: { server?: string; path?: string };
  /** A CSI volume; `{}` is any CSI volume; volumeAttributes (only with a driver) must all be present on the volume. */
  csi?: { driver?: string; volumeAttributes?: Record<string, string> };
  /** The volume's source type is one of these (case-sensitive SupportedVolume names). */
  volumeTypes?: SupportedVolumeType[];
  /** Every pair is among the PVC's labels. */
  pvcLabels?: Record<string, string>;
  /** The PVC's status.phase is one of these. */
  pvcPhase?: PvcPhase[];
}

export interface CapacityRange {
  /** As written: `10Gi,100Gi`, `,5Gi`, `1Ti,`. */
  text: string;
  /** Zero when the lower bound is left empty. */
  lower: Quantity;
  /** Zero when the upper bound is left empty: no upper limit. */
  upper: Quantity;
}

/**
 * Velero's SupportedVolume values (internal/resourcepolicies/volume_types_conditions.go): the volume source field
 * names of PersistentVolumeSpec and Volume, except `storageOS` (the field is `storageos`) and `awsAzureDisk`, which
 * Velero lists but never derives from any volume.
 */
export const SUPPORTED_VOLUME_TYPES = [
  'awsAzureDisk',
  'awsElasticBlockStore',
  'azureDisk',
  'azureFile',
  'cinder',
  'cephfs',
  'configMap',
  'csi',
  'downwardAPI',
  'emptyDir',
  'ephemeral',
  'fc',
  'flocker',
  'flexVolume',
  'gitRepo',
  'glusterfs',
  'gcePersistentDisk',
  'hostPath',
  'iscsi',
  'local',
  'nfs',
  'photonPersistentDisk',
  'portworxVolume',
  'projected',
  'quobyte',
  'rbd',
  'scaleIO',
  'secret',
  'storageOS',
  'vsphereVolume'
] as const;
export type SupportedVolumeType = (typeof SUPPORTED_VOLUME_TYPES)[number];

/** A PersistentVolumeClaim's status.phase values. */
export const PVC_PHASES = ['Pending', 'Bound', 'Lost'] as const;
export type PvcPhase = (typeof PVC_PHASES)[number];

/** Resource-type filters that apply to the whole backup; same meaning as the Backup spec's fields of these names. */
export interface IncludeExcludePolicy {
  includedClusterScopedResources: string[];
  excludedClusterScopedResources: string[];
  includedNamespaceScopedResources: string[];
  excludedNamespaceScopedResources: string[];
}

/** Where the policies live when the input names a ConfigMap instead of holding the YAML. */
export interface ConfigMapRef {
  namespace: string;
  name: string;
}

const INPUT = 'volume-policies';
const FORM_FIX =
  "Give Velero's resource policies YAML: version: v1, volumePolicies: [{conditions: {storageClass: [gp2]}, action: {type: skip}}], or configmap:<namespace>/<name>";
const TOP_FIELDS = ['version', 'volumePolicies', 'includeExcludePolicy'];
const POLICY_FIELDS = ['conditions', 'action'];
const ACTION_FIELDS = ['type', 'parameters'];
const CONDITION_FIELDS = ['capacity', 'storageClass', 'nfs', 'csi', 'volumeTypes', 'pvcLabels', 'pvcPhase'];
const INCLUDE_EXCLUDE_FIELDS = [
  'includedClusterScopedResources',
  'excludedClusterScopedResources',
  'includedNamespaceScopedResources',
  'excludedNamespaceScopedResources'
] as const;
/** Sections newer Velero releases read that this version does not: refused by name instead of as unknown. */
const NEWER_TOP_FIELDS = ['clusterScopedFilterPolicy', 'namespacedFilterPolicies'];
const NEWER_CONDITION_FIELDS = ['pvcVolumeMode', 'pvcAccessModes'];
const CAPACITY_FIX = "Write 'lower,upper' with Kubernetes quantities, either side may be empty: '10Gi,100Gi' (inclusive), ',5Gi' (up to 5Gi), '1Ti,' (1Ti or more)";
const QUANTITY_FIX = 'Use a Kubernetes quantity: a number with a binary (Ki, Mi, Gi, Ti, Pi, Ei) or decimal (k, M, G, T, P, E) suffix, e.g. 10Gi';
/** Far beyond any real document; stops alias bombs and self-referencing aliases. */
const MAX_NODES = 100_000;

/**
 * The `volume-policies` input: the YAML Velero reads from a Backup's resource-policy ConfigMap (or that ConfigMap
 * itself, whose single data value is the YAML). Decoded as strictly as Velero decodes it (yaml.v3 with KnownFields:
 * unknown or duplicate keys and wrongly typed values are errors) and checked as its Validate does: `version: v1`,
 * known action types, capacity ranges, CSI volume attributes only with a driver, and no `*` or include/exclude
 * overlap in includeExcludePolicy. Beyond Velero, it refuses volumeTypes and pvcPhase values that could never match.
 * The `configmap:<namespace>/<name>` form is not read here: see volumePoliciesConfigMapRef.
 */
export function parseVolumePolicies(yamlText: string, inputKey = INPUT): VolumePolicies {
  const shape = new ShapeReader(inputKey);
  const { value: document, typed } = readYaml(yamlText, inputKey);
  if (isMapping(document) && document.kind === 'ConfigMap') {
    const metadata = isMapping(document.metadata) ? document.metadata : {};
    const data = isMapping(document.data) ? document.data : {};
    const strings = Object.fromEntries(Object.entries(data).map(([key, value]) => [key, shape.string(value, `data.${key}`)]));
    return volumePoliciesFromConfigMapData(strings, { namespace: String(metadata.namespace ?? ''), name: String(metadata.name ?? '') }, inputKey);
  }
  return readPolicies(shape, document, typed);
}

/**
 * The reference form `configmap:<namespace>/<name>` (`configmap` in any case, as Velero's resourcePolicy kind):
 * where to read the policies from, or undefined when `text` is not a reference (so it is the YAML itself). A
 * malformed reference is an InputError. Velero reads the ConfigMap from the Backup's own namespace.
 */
export function volumePoliciesConfigMapRef(text: string, inputKey = INPUT): ConfigMapRef | undefined {
  const trimmed = text.trim();
  const match = /^configmap:(.*)$/i.exec(trimmed);
  if (!match || trimmed.includes('\n')) return undefined;
  const reference = match[1]!.trim();
  const fix = 'Write configmap:<namespace>/<name>, e.g. configmap:velero/volume-policies';
  const parts = reference.split('/');
  if (parts.length !== 2) throw new InputError(inputKey, `'${trimmed}' does not name a ConfigMap as <namespace>/<name>`, fix);
  const [namespace, name] = parts as [string, string];
  if (namespace.length > 63 || !/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/.test(namespace)) {
    throw new InputError(inputKey, `'${namespace}' in '${trimmed}' is not a namespace name`, `${fix}; namespaces are lower-case letters, digits and '-'`);
  }
  if (!RESOURCE_NAME.test(name)) {
    throw new InputError(inputKey, `'${name}' in '${trimmed}' is not a ConfigMap name`, `${fix}; names are lower-case letters, digits, '-' and '.'`);
  }
  return { namespace, name };
}

/**
 * The policies held by a ConfigMap's `data`: as in Velero, it must have exactly one entry (any key), whose value is
 * the YAML. Messages name the ConfigMap and the key.
 */
export function volumePoliciesFromConfigMapData(data: Record<string, string>, ref: ConfigMapRef, inputKey = INPUT): VolumePolicies {
  const where = ref.name ? `ConfigMap ${ref.namespace ? `${ref.namespace}/` : ''}${ref.name}` : 'the ConfigMap';
  const entries = Object.entries(data);
  if (entries.length !== 1) {
    throw new InputError(
      inputKey,
      `${where} has ${entries.length === 0 ? 'no data entries' : `${entries.length} data entries (${entries.map(([key]) => key).join(', ')})`}; Velero requires exactly one`,
      'Keep the resource policies YAML as the only entry under data (its key may be any name)'
    );
  }
  const [key, text] = entries[0]!;
  try {
    return parseVolumePolicies(text, inputKey);
  } catch (err) {
    if (err instanceof InputError) throw new InputError(err.input, `${where}, data key '${key}': ${err.problem}`, err.fix);
    throw err;
  }
}

// ---------------------------------------------------------------------------------------------------------------

function readPolicies(shape: ShapeReader, document: unknown, typed: WeakMap<object, TypedSource>): VolumePolicies {
  if (isMapping(document)) {
    const newer = NEWER_TOP_FIELDS.find((field) => field in document);
    if (newer) shape.fail(newer, 'is a section of newer Velero releases that this action does not support', 'Remove it; filter resources with the include/exclude inputs');
  }
  const top = shape.mapping(document, '(top level)', TOP_FIELDS);
  const version = shape.optionalString(top.version, 'version') ?? '';
  if (version !== 'v1') {
    shape.fail('version', version === '' ? 'is missing' : `'${version}' is not supported`, version.toLowerCase() === 'v1' ? 'Write v1 in lower case: Velero compares it exactly' : 'Velero resource policies are version: v1');
  }
  const policies: VolumePolicies = {
    version: 'v1',
    volumePolicies: shape.list(top.volumePolicies, 'volumePolicies').map((raw, index) => readPolicy(shape, raw, index, typed))
  };
  if (top.includeExcludePolicy !== undefined && top.includeExcludePolicy !== null) {
    policies.includeExcludePolicy = readIncludeExclude(shape, top.includeExcludePolicy);
  }
  return policies;
}

function readPolicy(shape: ShapeReader, raw: unknown, index: number, typed: WeakMap<object, TypedSource>): VolumePolicy {
  const path = `volumePolicies[${index}]`;
  const fields = shape.mapping(raw, path, POLICY_FIELDS);
  return {
    index,
    conditions: readConditions(shape, fields.conditions, `${path}.conditions`),
    action: readAction(shape, fields.action, `${path}.action`, typed)
  };
}

function readAction(shape: ShapeReader, raw: unknown, path: string, typed: WeakMap<object, TypedSource>): VolumeAction {
  // Velero decodes a missing action as one with an empty type, which its Validate then refuses.
  const fields = shape.mapping(raw ?? {}, path, ACTION_FIELDS);
  const type = shape.optionalString(fields.type, `${path}.type`) ?? '';
  if (!(VOLUME_ACTION_TYPES as readonly string[]).includes(type)) {
    const lower = type.toLowerCase();
    const hint = (VOLUME_ACTION_TYPES as readonly string[]).includes(lower) ? `: action types are lower-case, write ${lower}` : '';
    shape.fail(`${path}.type`, type === '' ? 'is missing' : `'${type}' is not an action type${hint}`, `Use one of ${VOLUME_ACTION_TYPES.join(', ')}`);
  }
  const action: VolumeAction = { type: type as VolumeActionType };
  if (fields.parameters !== undefined && fields.parameters !== null) {
    if (!isMapping(fields.parameters)) shape.fail(`${path}.parameters`, 'expected a mapping', 'Give parameters as key: value pairs');
    action.parameters = typedValue(fields.parameters, typed) as Record<string, unknown>;
  }
  return action;
}

function readConditions(shape: ShapeReader, raw: unknown, path: string): VolumeConditions {
  if (isMapping(raw)) {
    const newer = NEWER_CONDITION_FIELDS.find((field) => field in raw);
    if (newer) shape.fail(`${path}.${newer}`, 'is a condition of newer Velero releases that this action does not support', `Known conditions: ${CONDITION_FIELDS.join(', ')}`);
  }
  // No conditions (or `conditions: null`) match every volume.
  const fields = shape.mapping(raw ?? {}, path, CONDITION_FIELDS);
  const conditions: VolumeConditions = {};

  const capacity = shape.optionalString(fields.capacity, `${path}.capacity`) ?? '';
  if (capacity !== '') conditions.capacity = readCapacity(shape, capacity, `${path}.capacity`);

  const storageClass = shape.stringList(fields.storageClass, `${path}.storageClass`);
  if (storageClass.length) conditions.storageClass = storageClass;

  // `nfs: {}` is a condition (any NFS volume); `nfs:` with no value is none, as Velero's nil pointer.
  if (fields.nfs !== undefined && fields.nfs !== null) {
    const nfs = shape.mapping(fields.nfs, `${path}.nfs`, ['server', 'path']);
    conditions.nfs = {};
    const server = shape.optionalString(nfs.server, `${path}.nfs.server`);
    const nfsPath = shape.optionalString(nfs.path, `${path}.nfs.path`);
    if (server) conditions.nfs.server = server;
    if (nfsPath) conditions.nfs.path = nfsPath;
  }

  if (fields.csi !== undefined && fields.csi !== null) {
    const csi = shape.mapping(fields.csi, `${path}.csi`, ['driver', 'volumeAttributes']);
    conditions.csi = {};
    const driver = shape.optionalString(csi.driver, `${path}.csi.driver`);
    if (driver) conditions.csi.driver = driver;
    if (csi.volumeAttributes !== undefined && csi.volumeAttributes !== null) {
      // Velero's csiCondition.validate: attributes (even `{}`) without a driver are refused.
      if (!driver) shape.fail(`${path}.csi.volumeAttributes`, 'is given without csi.driver', 'Velero matches volume attributes only together with a driver: add driver: <CSI driver name>');
      const attributes = shape.stringMap(csi.volumeAttributes, `${path}.csi.volumeAttributes`);
      if (Object.keys(attributes).length) conditions.csi.volumeAttributes = attributes;
    }
  }

  const volumeTypes = shape.stringList(fields.volumeTypes, `${path}.volumeTypes`);
  volumeTypes.forEach((value, i) => checkChoice(shape, value, `${path}.volumeTypes[${i}]`, SUPPORTED_VOLUME_TYPES, 'volume type'));
  if (volumeTypes.length) conditions.volumeTypes = volumeTypes as SupportedVolumeType[];

  const pvcLabels = shape.stringMap(fields.pvcLabels, `${path}.pvcLabels`);
  if (Object.keys(pvcLabels).length) conditions.pvcLabels = pvcLabels;

  const pvcPhase = shape.stringList(fields.pvcPhase, `${path}.pvcPhase`);
  pvcPhase.forEach((value, i) => checkChoice(shape, value, `${path}.pvcPhase[${i}]`, PVC_PHASES, 'PVC phase'));
  if (pvcPhase.length) conditions.pvcPhase = pvcPhase as PvcPhase[];

  return conditions;
}

/**
 * volumeTypes and pvcPhase values are compared case-sensitively. Velero does not check them (any string decodes),
 * so there a `configmap` or `bound` is accepted and silently never matches; here they are refused, naming the values
 * that can match.
 */
function checkChoice(shape: ShapeReader, value: string, path: string, valid: readonly string[], what: string): void {
  if (valid.includes(value)) return;
  const sameButCase = valid.find((candidate) => candidate.toLowerCase() === value.toLowerCase());
  shape.fail(
    path,
    `'${value}' is not a ${what}${sameButCase ? ` (they are case-sensitive: did you mean '${sameButCase}'?)` : ''}; Velero would accept it and never match it`,
    `Use one of ${valid.join(', ')}`
  );
}

/**
 * Velero's parseCapacity and capacityCondition.validate: exactly one comma; each side trimmed, empty meaning zero;
 * the lower bound at most the upper, unless the upper is zero (no upper limit).
 */
function readCapacity(shape: ShapeReader, text: string, path: string): CapacityRange {
  const sides = text.split(',');
  if (sides.length !== 2) {
    shape.fail(path, sides.length === 1 ? `'${text}' is not a range: it needs a comma` : `'${text}' is not a range: it has ${sides.length - 1} commas`, CAPACITY_FIX);
  }
  const [lower, upper] = sides.map((side, i) => {
    const trimmed = side.trim();
    if (trimmed === '') return Quantity.ZERO;
    try {
      return parseQuantity(trimmed);
    } catch (err) {
      if (!(err instanceof QuantityError)) throw err;
      return shape.fail(path, `the ${i === 0 ? 'lower' : 'upper'} bound '${trimmed}' is not a Kubernetes quantity: ${err.message}`, QUANTITY_FIX);
    }
  }) as [Quantity, Quantity];
  if (upper.compare(lower) < 0 && !(upper.isZero() && !lower.isZero())) {
    shape.fail(path, `'${text}' has its lower bound above its upper bound`, `Put the smaller quantity first, or leave the upper bound empty ('${sides[0]!.trim()},') for no upper limit`);
  }
  return { text, lower, upper };
}

/** Velero's IncludeExcludePolicy.Validate: no `*` in any list, and nothing both included and excluded in one scope. */
function readIncludeExclude(shape: ShapeReader, raw: unknown): IncludeExcludePolicy {
  const path = 'includeExcludePolicy';
  const fields = shape.mapping(raw, path, INCLUDE_EXCLUDE_FIELDS);
  const lists = Object.fromEntries(INCLUDE_EXCLUDE_FIELDS.map((field) => [field, shape.stringList(fields[field], `${path}.${field}`)])) as unknown as IncludeExcludePolicy;
  for (const field of INCLUDE_EXCLUDE_FIELDS) {
    const star = lists[field].indexOf('*');
    if (star >= 0) shape.fail(`${path}.${field}[${star}]`, "'*' is not allowed here", 'Velero refuses wildcards in includeExcludePolicy: leave the included list empty to include every resource type');
  }
  for (const scope of ['ClusterScoped', 'NamespaceScoped'] as const) {
    const included = lists[`included${scope}Resources`];
    const excluded = lists[`excluded${scope}Resources`];
    const both = excluded.findIndex((item) => included.includes(item));
    if (both >= 0) {
      shape.fail(`${path}.excluded${scope}Resources[${both}]`, `'${excluded[both]}' is also in included${scope}Resources`, 'A resource type cannot be both included and excluded: remove it from one of the lists');
    }
  }
  return lists;
}

// ---------------------------------------------------------------------------------------------------------------
// YAML as Velero's yaml.v3 decoding into Go structs sees it: every field here is a string, list or mapping, and a
// scalar decoded into a string keeps its text (`storageClass: [1.10]` is '1.10', `pvcLabels: {backup: true}` is
// 'true'), while plain null (`~`, `null`, nothing) is Go's zero value. Anchors, aliases and `<<` merge keys work as in
// yaml.v3. The free-form action parameters keep their YAML types (numbers, booleans), as Velero's map[string]any does.

interface TypedSource {
  node: unknown;
  doc: Document;
}

function readYaml(text: string, inputKey: string): { value: unknown; typed: WeakMap<object, TypedSource> } {
  const doc = parseDocument(text, { uniqueKeys: true, merge: true });
  const error = doc.errors[0];
  if (error) {
    const what = error.code === 'MULTIPLE_DOCS' ? 'holds more than one YAML document' : `is not valid YAML: ${error.message.split('\n')[0]!.replace(/:$/, '')}`;
    throw new InputError(inputKey, what, FORM_FIX);
  }
  if (doc.contents === null) throw new InputError(inputKey, 'is empty', FORM_FIX);
  const typed = new WeakMap<object, TypedSource>();
  const budget = { nodes: 0 };
  return { value: toText(doc.contents, doc, typed, budget, inputKey), typed };
}

function toText(node: unknown, doc: Document, typed: WeakMap<object, TypedSource>, budget: { nodes: number }, inputKey: string): unknown {
  if (++budget.nodes > MAX_NODES) throw new InputError(inputKey, `expands to more than ${MAX_NODES} YAML nodes (aliases?)`, FORM_FIX);
  if (isAlias(node)) return toText(node.resolve(doc), doc, typed, budget, inputKey);
  if (isScalar(node)) {
    if (node.value === null || node.value === undefined) return null;
    return typeof node.value === 'string' ? node.value : (node.source ?? String(node.value));
  }
  if (isSeq(node)) return node.items.map((item) => toText(item, doc, typed, budget, inputKey));
  if (isMap(node)) {
    // A null prototype, so a key such as __proto__ is only a key.
    const out = Object.create(null) as Record<string, unknown>;
    const merged: Record<string, unknown>[] = [];
    for (const pair of node.items) {
      const key = toText(pair.key, doc, typed, budget, inputKey);
      if (isScalar(pair.key) && pair.key.type === 'PLAIN' && key === '<<') {
        const source = toText(pair.value, doc, typed, budget, inputKey);
        for (const part of Array.isArray(source) ? source : [source]) {
          if (!isMapping(part)) throw new InputError(inputKey, "a '<<' merge key must name a mapping or a list of mappings", FORM_FIX);
          merged.push(part);
        }
        continue;
      }
      out[key === null ? '' : String(key)] = toText(pair.value, doc, typed, budget, inputKey);
    }
    // Keys written in the mapping win over merged ones; among merged mappings, the first wins (yaml.v3).
    for (const part of merged) {
      for (const [key, value] of Object.entries(part)) if (!(key in out)) out[key] = value;
    }
    typed.set(out, { node, doc });
    return out;
  }
  return null;
}

/** The YAML-typed form of a mapping toText produced (numbers as numbers), for free-form values. */
function typedValue(value: Record<string, unknown>, typed: WeakMap<object, TypedSource>): unknown {
  const source = typed.get(value);
  if (!source || !isMap(source.node)) return { ...value };
  const js = source.node.toJS(source.doc, { maxAliasCount: 100 }) as unknown;
  return isMapping(js) ? { ...js } : { ...value };
}
