import type { KubeObject } from '../model/kube-object.js';
import { parseQuantity, Quantity } from '../util/quantity.js';
import type { CapacityRange, VolumeAction, VolumeConditions, VolumePolicies, VolumePolicy } from '../settings/volume-policies.js';

/**
 * Which of Velero's volume policies applies to a volume (internal/resourcepolicies, reached through
 * internal/volumehelper): the first policy whose conditions all match, in document order. Pure: the caller reads the
 * PV, PVC and pod from the cluster and turns them into VolumeFacts with volumeFactsFrom.
 */

/** A volume's source as the policies see it; `hostPath` is named because a backup treats it specially. */
export type VolumeSourceFacts =
  | { kind: 'nfs'; server: string; path: string }
  | { kind: 'csi'; driver: string; volumeAttributes: Record<string, string> }
  | { kind: 'hostPath' }
  /** Any other source, by Velero's SupportedVolume name (`local`, `emptyDir`, `awsElasticBlockStore`); '' when Velero names none. */
  | { kind: 'other'; volumeType: string };

/**
 * A volume backed by a PersistentVolumeClaim: a PV itself (snapshots) or a pod's `persistentVolumeClaim` volume
 * (file-system backup). Matched on the PV's capacity, class and source and the claim's labels and phase.
 */
export interface PvcVolumeFacts {
  kind: 'pvc';
  /** The bound PV; undefined for a claim without one (Pending, Lost), which then has capacity 0 and no class or source. */
  pv?: { capacity: Quantity; storageClassName: string; source: VolumeSourceFacts };
  /** The claim; undefined when there is none to read (a PV without claimRef), which matches no pvcLabels or pvcPhase. */
  pvc?: { labels: Record<string, string>; phase: string };
}

/**
 * A pod volume with no claim behind it (emptyDir, configMap, an inline nfs or csi volume, ...). Velero gives it
 * capacity 0 and storage class '', so a storageClass condition never matches it and a capacity condition only when
 * its lower bound is 0; pvcLabels and pvcPhase conditions never match it.
 */
export interface PodVolumeFacts {
  kind: 'podVolume';
  source: VolumeSourceFacts;
}

export type VolumeFacts = PvcVolumeFacts | PodVolumeFacts;

/** The action of the first policy whose conditions all match `volume`; undefined when none does (Velero then falls back). */
export function chooseVolumeAction(policies: VolumePolicies, volume: VolumeFacts): VolumeAction | undefined {
  return chooseVolumePolicy(policies, volume)?.action;
}

/** The first policy whose conditions all match `volume` (its `index` says which, for logs); undefined when none does. */
export function chooseVolumePolicy(policies: VolumePolicies, volume: VolumeFacts): VolumePolicy | undefined {
  const flat = flatten(volume);
  return policies.volumePolicies.find((policy) => conditionsMatch(policy.conditions, flat));
}

/**
 * The facts Velero reads from plain API objects (its VolumeFilterData): a PV, with its claim when it has one; a pod
 * volume, with its claim and the claim's PV when it is a `persistentVolumeClaim` volume; or an unbound claim alone.
 * Throws when given nothing to describe, or a PV whose capacity is not a quantity (the API server never returns one).
 */
export function volumeFactsFrom(objects: { pv?: KubeObject; pvc?: KubeObject; podVolume?: Record<string, unknown> }): VolumeFacts {
  const { pv, pvc, podVolume } = objects;
  if (podVolume && !pv && !isObject(podVolume.persistentVolumeClaim)) {
    return { kind: 'podVolume', source: sourceOf(podVolume, POD_VOLUME_TYPES) };
  }
  if (!pv && !pvc && !podVolume) throw new Error('volumeFactsFrom: give a PV, a PVC or a pod volume');
  const facts: PvcVolumeFacts = { kind: 'pvc' };
  if (pv) {
    const spec = isObject(pv.spec) ? pv.spec : {};
    const capacity = isObject(spec.capacity) && typeof spec.capacity.storage === 'string' ? spec.capacity.storage : undefined;
    let quantity = Quantity.ZERO;
    if (capacity !== undefined) {
      try {
        quantity = parseQuantity(capacity);
      } catch (err) {
        throw new Error(`PersistentVolume ${pv.metadata.name ?? ''} has capacity '${capacity}', which is not a quantity: ${(err as Error).message}`);
      }
    }
    facts.pv = { capacity: quantity, storageClassName: typeof spec.storageClassName === 'string' ? spec.storageClassName : '', source: sourceOf(spec, PV_VOLUME_TYPES) };
  }
  if (pvc) {
    const status = isObject(pvc.status) ? pvc.status : {};
    facts.pvc = { labels: { ...(pvc.metadata.labels ?? {}) }, phase: typeof status.phase === 'string' ? status.phase : '' };
  }
  return facts;
}

// ---------------------------------------------------------------------------------------------------------------

/** What Velero's structuredVolume holds, from either kind of facts. */
interface FlatVolume {
  capacity: Quantity;
  storageClass: string;
  nfs?: { server: string; path: string };
  csi?: { driver: string; volumeAttributes: Record<string, string> };
  volumeType: string;
  pvcLabels: Record<string, string>;
  pvcPhase: string;
}

function flatten(volume: VolumeFacts): FlatVolume {
  const source = volume.kind === 'podVolume' ? volume.source : volume.pv?.source;
  const flat: FlatVolume = {
    capacity: volume.kind === 'pvc' ? (volume.pv?.capacity ?? Quantity.ZERO) : Quantity.ZERO,
    storageClass: volume.kind === 'pvc' ? (volume.pv?.storageClassName ?? '') : '',
    volumeType: source ? volumeTypeOf(source) : '',
    pvcLabels: volume.kind === 'pvc' ? (volume.pvc?.labels ?? {}) : {},
    pvcPhase: volume.kind === 'pvc' ? (volume.pvc?.phase ?? '') : ''
  };
  if (source?.kind === 'nfs') flat.nfs = { server: source.server, path: source.path };
  if (source?.kind === 'csi') flat.csi = { driver: source.driver, volumeAttributes: source.volumeAttributes };
  return flat;
}

function volumeTypeOf(source: VolumeSourceFacts): string {
  return source.kind === 'other' ? source.volumeType : source.kind;
}

function conditionsMatch(conditions: VolumeConditions, volume: FlatVolume): boolean {
  return (
    capacityMatches(conditions.capacity, volume.capacity) &&
    storageClassMatches(conditions.storageClass, volume.storageClass) &&
    nfsMatches(conditions.nfs, volume.nfs) &&
    csiMatches(conditions.csi, volume.csi) &&
    (!conditions.volumeTypes || (conditions.volumeTypes as readonly string[]).includes(volume.volumeType)) &&
    labelsMatch(conditions.pvcLabels, volume.pvcLabels) &&
    (!conditions.pvcPhase || (conditions.pvcPhase as readonly string[]).includes(volume.pvcPhase))
  );
}

/**
 * Velero's capacity.isInRange: a zero bound is open. `0,hi` is up to hi, `lo,0` is lo and more, `lo,hi` is between
 * (inclusive), `0,0` is anything. So a volume of capacity 0 (a pod volume, an unbound claim) matches only a range
 * whose lower bound is 0.
 */
function capacityMatches(range: CapacityRange | undefined, capacity: Quantity): boolean {
  if (!range) return true;
  const { lower, upper } = range;
  if (lower.isZero() && upper.compare(capacity) >= 0) return true;
  if (upper.isZero() && lower.compare(capacity) <= 0) return true;
  return !lower.isZero() && !upper.isZero() && lower.compare(capacity) <= 0 && upper.compare(capacity) >= 0;
}

function storageClassMatches(classes: string[] | undefined, storageClass: string): boolean {
  if (!classes) return true;
  return storageClass !== '' && classes.includes(storageClass);
}

function nfsMatches(condition: VolumeConditions['nfs'], nfs: FlatVolume['nfs']): boolean {
  if (!condition) return true;
  if (!nfs) return false;
  return (!condition.server || condition.server === nfs.server) && (!condition.path || condition.path === nfs.path);
}

/** `csi: {}` is any CSI volume; a driver must be equal; the condition's attributes must all be on the volume, equal. */
function csiMatches(condition: VolumeConditions['csi'], csi: FlatVolume['csi']): boolean {
  if (!condition) return true;
  if (!csi) return false;
  if (!condition.driver) return true;
  if (condition.driver !== csi.driver) return false;
  return Object.entries(condition.volumeAttributes ?? {}).every(([key, value]) => Object.hasOwn(csi.volumeAttributes, key) && csi.volumeAttributes[key] === value);
}

function labelsMatch(wanted: Record<string, string> | undefined, labels: Record<string, string>): boolean {
  if (!wanted) return true;
  return Object.entries(wanted).every(([key, value]) => Object.hasOwn(labels, key) && labels[key] === value);
}

// Velero's getVolumeTypeFromPV and getVolumeTypeFromVolume: the first source field present names the type, in
// Velero's order. JSON field → SupportedVolume name; they differ only for storageos.
const PV_VOLUME_TYPES: [string, string][] = [
  'awsElasticBlockStore',
  'azureDisk',
  'azureFile',
  'cephfs',
  'cinder',
  'csi',
  'fc',
  'flocker',
  'flexVolume',
  'gcePersistentDisk',
  'glusterfs',
  'hostPath',
  'iscsi',
  'local',
  'nfs',
  'photonPersistentDisk',
  'portworxVolume',
  'quobyte',
  'rbd',
  'scaleIO',
  'storageos',
  'vsphereVolume'
].map((field) => [field, field === 'storageos' ? 'storageOS' : field]);

const POD_VOLUME_TYPES: [string, string][] = [
  'awsElasticBlockStore',
  'azureDisk',
  'azureFile',
  'cephfs',
  'cinder',
  'csi',
  'fc',
  'flocker',
  'flexVolume',
  'gcePersistentDisk',
  'gitRepo',
  'glusterfs',
  'iscsi',
  'nfs',
  'secret',
  'rbd',
  'downwardAPI',
  'configMap',
  'projected',
  'ephemeral',
  'photonPersistentDisk',
  'portworxVolume',
  'quobyte',
  'scaleIO',
  'storageos',
  'vsphereVolume',
  'hostPath',
  'emptyDir'
].map((field) => [field, field === 'storageos' ? 'storageOS' : field]);

/** The source of a PV spec or pod volume, by the first known source field set. */
function sourceOf(holder: Record<string, unknown>, types: [string, string][]): VolumeSourceFacts {
  const found = types.find(([field]) => isObject(holder[field]));
  if (!found) return { kind: 'other', volumeType: '' };
  const [field, volumeType] = found;
  const body = holder[field] as Record<string, unknown>;
  if (volumeType === 'nfs') return { kind: 'nfs', server: stringField(body.server), path: stringField(body.path) };
  if (volumeType === 'csi') {
    const attributes = isObject(body.volumeAttributes) ? body.volumeAttributes : {};
    const volumeAttributes = Object.fromEntries(Object.entries(attributes).filter((entry): entry is [string, string] => typeof entry[1] === 'string'));
    return { kind: 'csi', driver: stringField(body.driver), volumeAttributes };
  }
  if (volumeType === 'hostPath') return { kind: 'hostPath' };
  return { kind: 'other', volumeType };
}

function stringField(value: unknown): string {
  return typeof value === 'string' ? value : '';
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
