/**
 * Velero's key names under a location's prefix (pkg/persistence/object_store_layout.go). The only module that
 * knows them. Everything of ours goes inside `backups/<name>/`, `restores/<name>/` or `metadata/`: any other
 * top-level folder makes Velero mark the whole location Unavailable.
 */
export const BACKUPS_FOLDER = 'backups/';
export const RESTORES_FOLDER = 'restores/';
export const METADATA_FOLDER = 'metadata/';


export interface BackupKeys {
  folder: string;
  /** The Backup object; its presence is what makes a backup exist, so it is written last and deleted first. */
  metadata: string;
  tarball: string;
  logs: string;
  results: string;
  resourceList: string;
  volumeSnapshots: string;
  itemOperations: string;
  podVolumeBackups: string;
  volumeInfo: string;
  /**
   * Ours: the size and sha256 of every other file the backup wrote (velero-backup.json aside, which carries this
   * file's own sha256), for verify and restore (Velero ignores unknown files here). Plain JSON.
   */
  checksums: string;
  /** Ours: what each file-system volume copy holds (claim or pod volume, byte length, digests, result). */
  fsVolumes: string;
  /** Ours: the folder of the file-system volume copies, inside the backup's folder (never a top-level one). */
  volumesFolder: string;
}

/** What a file-system copy is of: a claim (copied once, whichever pod mounts it) or one pod's own volume. */
export type VolumeCopySubject = { namespace: string; claim: string } | { namespace: string; pod: string; volume: string };

export function backupKeys(name: string): BackupKeys {
  const folder = `${BACKUPS_FOLDER}${name}/`;
  return {
    folder,
    metadata: `${folder}velero-backup.json`,
    tarball: `${folder}${name}.tar.gz`,
    logs: `${folder}${name}-logs.gz`,
    results: `${folder}${name}-results.gz`,
    resourceList: `${folder}${name}-resource-list.json.gz`,
    volumeSnapshots: `${folder}${name}-volumesnapshots.json.gz`,
    itemOperations: `${folder}${name}-itemoperations.json.gz`,
    podVolumeBackups: `${folder}${name}-podvolumebackups.json.gz`,
    volumeInfo: `${folder}${name}-volumeinfo.json.gz`,
    checksums: `${folder}${name}-checksums.json`,
    fsVolumes: `${folder}${name}-fs-volumes.json.gz`,
    volumesFolder: `${folder}${name}-volumes/`
  };
}

/**
 * `backups/<b>/<b>-volumes/<namespace>/pvc/<claim>.tar.gz` or `…/<namespace>/pod/<pod>/<volume>.tar.gz`. The names
 * are Kubernetes names (DNS labels and subdomains), so they are safe as key segments.
 */
export function volumeCopyKey(backupName: string, subject: VolumeCopySubject): string {
  const base = `${backupKeys(backupName).volumesFolder}${subject.namespace}/`;
  return 'claim' in subject ? `${base}pvc/${subject.claim}.tar.gz` : `${base}pod/${subject.pod}/${subject.volume}.tar.gz`;
}

/**
 * What a file of a backup's folder is, from its key relative to the folder (`<b>.tar.gz`, `<b>-volumes/ns/pvc/c.tar.gz`),
 * or undefined for anything else. velero-backup.json and the checksums file are not among them: they are written
 * after, and carry, the checksums of these.
 */
export type BackupFileKind = 'tarball' | 'logs' | 'results' | 'resourceList' | 'volumeSnapshots' | 'itemOperations' | 'podVolumeBackups' | 'volumeInfo' | 'fsVolumes' | 'volumeCopy';

const CHECKSUMMED_FILES = ['tarball', 'logs', 'results', 'resourceList', 'volumeSnapshots', 'itemOperations', 'podVolumeBackups', 'volumeInfo', 'fsVolumes'] as const;
/** Segments of a volume copy's key: Kubernetes names (DNS subdomains; volume names are DNS labels, a subset). */
const COPY_NAME = '[a-z0-9](?:[-a-z0-9.]{0,251}[a-z0-9])?';
const COPY_KEY = new RegExp(`^${COPY_NAME}/(?:pvc/${COPY_NAME}|pod/${COPY_NAME}/${COPY_NAME})\\.tar\\.gz$`);

export function backupFileKind(backupName: string, relativeKey: string): BackupFileKind | undefined {
  const keys = backupKeys(backupName);
  const key = `${keys.folder}${relativeKey}`;
  const file = CHECKSUMMED_FILES.find((kind) => keys[kind] === key);
  if (file) return file;
  if (!key.startsWith(keys.volumesFolder)) return undefined;
  // Names start and end with a letter or digit, so no segment can be `.` or `..`.
  return COPY_KEY.test(key.slice(keys.volumesFolder.length)) ? 'volumeCopy' : undefined;
}

export interface RestoreKeys {
  folder: string;
  /** Ours: the Restore object naming spec.backupName, so prune can find a backup's restores. */
  metadata: string;
  logs: string;
  results: string;
  resourceList: string;
}

export function restoreKeys(name: string): RestoreKeys {
  const folder = `${RESTORES_FOLDER}${name}/`;
  return {
    folder,
    metadata: `${folder}velero-restore.json`,
    logs: `${folder}restore-${name}-logs.gz`,
    results: `${folder}restore-${name}-results.gz`,
    resourceList: `${folder}restore-${name}-resource-list.json.gz`
  };
}

/** `backups/<name>/` (as listFolders returns it) → `<name>`. */
export function nameOfFolder(folder: string, parent: string): string {
  return folder.slice(parent.length).replace(/\/$/, '');
}

/**
 * Backup and restore names become keys, label values and object names: Kubernetes' DNS-1123 subdomain rules
 * keep them valid everywhere.
 */
export const RESOURCE_NAME = /^[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?$/;
