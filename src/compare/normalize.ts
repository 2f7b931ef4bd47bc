import { cloneJson, isJsonObject, type JsonObject } from '../util/json.js';
import type { KubeObject } from '../model/kube-object.js';
import { LABELS } from '../velero/vocabulary.js';
import { removeServiceAccountTokenVolumes } from './pod-tokens.js';

/** Metadata the API server keeps for itself: never a difference, never patched. */
const SERVER_METADATA = [
  'managedFields',
  'resourceVersion',
  'uid',
  'creationTimestamp',
  'generation',
  'selfLink',
  'generateName',
  'deletionTimestamp',
  'deletionGracePeriodSeconds'
];

/**
 * Annotations controllers rewrite on every object they manage: a Deployment restored into a new cluster starts at
 * revision 1 whatever the backup says, and a DaemonSet's template generation follows its own generation.
 */
const CONTROLLER_ANNOTATIONS = ['deployment.kubernetes.io/revision', 'deprecated.daemonset.template.generation'];

export interface NormalizeOptions {
  /** Keep velero.io/backup-name and restore-name: they are not a difference, but an update does set them. */
  keepRestoreLabels?: boolean;
}

/**
 * An object reduced to what a restore compares: no apiVersion/kind (the caller reads the live object at the
 * restored version), no status, no server bookkeeping, no controller-written annotations. Velero compares whole
 * objects minus a few metadata fields, which is why nearly every existing object looks "different" there.
 * The input is not changed.
 */
export function normalizeForComparison(object: KubeObject, options: NormalizeOptions = {}): JsonObject {
  const copy = cloneJson(object) as JsonObject;
  // Admission mounts each pod's service account token itself, under a name of its own choosing.
  if (copy.kind === 'Pod' && isJsonObject(copy.spec)) removeServiceAccountTokenVolumes(copy.spec, isAdmissionTokenVolume);
  delete copy.apiVersion;
  delete copy.kind;
  delete copy.status;
  const metadata = isJsonObject(copy.metadata) ? copy.metadata : {};
  copy.metadata = metadata;
  for (const key of SERVER_METADATA) delete metadata[key];
  if (!options.keepRestoreLabels) dropKeys(metadata, 'labels', [LABELS.backupName, LABELS.restoreName]);
  dropKeys(metadata, 'annotations', CONTROLLER_ANNOTATIONS);
  return copy;
}

function dropKeys(metadata: JsonObject, field: string, keys: readonly string[]): void {
  const map = metadata[field];
  if (!isJsonObject(map)) return;
  for (const key of keys) delete map[key];
  if (Object.keys(map).length === 0) delete metadata[field];
}

/** `<account>-token-xxxxx` (secret-based, before 1.24) and `kube-api-access-xxxxx` (projected) token volumes. */
function isAdmissionTokenVolume(entry: unknown): boolean {
  return isJsonObject(entry) && typeof entry.name === 'string' && /(^kube-api-access-|-token-[a-z0-9]{5}$)/.test(entry.name);
}
