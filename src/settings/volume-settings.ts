import { InputError } from '../util/errors.js';
import { parseGoDuration } from '../util/duration.js';
import { readBoolean, type InputReader } from './input-reader.js';
import { parseVolumePolicies, volumePoliciesConfigMapRef, volumePoliciesFromConfigMapData, type ConfigMapRef, type VolumePolicies } from './volume-policies.js';

/**
 * The image of the short-lived pods that read and fill claims no running container can serve: small, public, with
 * a POSIX `sh`, `head` and `tar`. Pinned so a run does not change behaviour when the tag moves.
 */
export const DEFAULT_DATA_MOVER_IMAGE = 'docker.io/library/busybox:1.37.0';

export interface BackupVolumeSettings {
  /** Velero's opt-out mode: every pod volume is copied unless `backup.velero.io/backup-volumes-excludes` names it. */
  defaultVolumesToFsBackup: boolean;
  dataMoverImage: string;
  /** Take CSI snapshots of the claims not copied (Velero's snapshotVolumes). */
  snapshotVolumes: boolean;
  /** How long a snapshot may take to get a handle and be ready (Velero's csiSnapshotTimeout). */
  csiSnapshotTimeoutMs: number;
  /** `csi-snapshot-classes`: lower-cased driver → VolumeSnapshotClass, recorded as Velero's per-driver Backup annotation. */
  snapshotClassesByDriver: Record<string, string>;
  /**
   * Velero's volumePolicies: given inline, or in a ConfigMap the backup reads before it starts and decodes with
   * `decode` (the parsing stays here, in settings).
   */
  policies?: { inline: VolumePolicies } | { configMap: ConfigMapRef; decode: (data: Record<string, string>) => VolumePolicies };
}

export interface RestoreVolumeSettings {
  /** Fill the claims this restore creates from their file-system copies (Velero's restorePVs). */
  restoreVolumes: boolean;
  dataMoverImage: string;
}

export function parseBackupVolumeSettings(reader: InputReader): BackupVolumeSettings {
  return {
    defaultVolumesToFsBackup: readBoolean(reader, 'default-volumes-to-fs-backup', false),
    dataMoverImage: readImage(reader),
    snapshotVolumes: readBoolean(reader, 'snapshot-volumes', true),
    csiSnapshotTimeoutMs: parseGoDuration(reader.get('csi-snapshot-timeout') ?? '10m', 'csi-snapshot-timeout'),
    snapshotClassesByDriver: readSnapshotClasses(reader.get('csi-snapshot-classes')),
    policies: readPolicies(reader.get('volume-policies'))
  };
}

const DRIVER = /^[a-z0-9]([-a-z0-9.]{0,61}[a-z0-9])?$/i;
const CLASS = /^[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?$/;

/** `ebs.csi.aws.com:gp3-snapshots,pd.csi.storage.gke.io:pd-snap`: the class to use per CSI driver. */
function readSnapshotClasses(text: string | undefined): Record<string, string> {
  const byDriver: Record<string, string> = {};
  for (const entry of (text ?? '').split(',').map((e) => e.trim()).filter(Boolean)) {
    const [driver, name, ...rest] = entry.split(':').map((part) => part.trim());
    if (!driver || !name || rest.length || !DRIVER.test(driver) || !CLASS.test(name)) {
      throw new InputError('csi-snapshot-classes', `'${entry}' is not <driver>:<VolumeSnapshotClass>`, 'Write driver:class pairs, comma-separated: ebs.csi.aws.com:gp3-snapshots');
    }
    if (byDriver[driver.toLowerCase()]) throw new InputError('csi-snapshot-classes', `driver ${driver} is named twice`, 'Name one class per driver');
    byDriver[driver.toLowerCase()] = name;
  }
  return byDriver;
}

function readPolicies(text: string | undefined): BackupVolumeSettings['policies'] {
  if (text === undefined) return undefined;
  const configMap = volumePoliciesConfigMapRef(text);
  return configMap ? { configMap, decode: (data) => volumePoliciesFromConfigMapData(data, configMap) } : { inline: parseVolumePolicies(text) };
}

export function parseRestoreVolumeSettings(reader: InputReader): RestoreVolumeSettings {
  return { restoreVolumes: readBoolean(reader, 'restore-volumes', true), dataMoverImage: readImage(reader) };
}

/** An image reference as the kubelet takes it: no spaces, no scheme, lower-case repository. */
const IMAGE = /^[a-z0-9]+(?:[._-]+[a-z0-9]+)*(?::[0-9]+)?(?:\/[a-z0-9]+(?:[._-]+[a-z0-9]+)*)*(?::[\w][\w.-]{0,127})?(?:@sha256:[0-9a-f]{64})?$/;

function readImage(reader: InputReader): string {
  const image = reader.get('data-mover-image') ?? DEFAULT_DATA_MOVER_IMAGE;
  if (!IMAGE.test(image)) {
    throw new InputError('data-mover-image', `'${image}' is not an image reference`, `Write it as a pod's image field takes it, for example ${DEFAULT_DATA_MOVER_IMAGE} (it needs sh, head and tar)`);
  }
  return image;
}
