import type { KubeObject } from '../model/kube-object.js';
import { isJsonObject } from '../util/json.js';
import { ANNOTATIONS } from '../velero/vocabulary.js';

/** A volume of a pod, with the source type named as Velero names it (`emptyDir`, `persistentVolumeClaim`, …). */
export interface PodVolume {
  name: string;
  type: string;
  /** For a `persistentVolumeClaim` volume. */
  claim?: string;
  /** The volume as the pod spec gives it, for volume policies. */
  source: Record<string, unknown>;
}

/** Where a container sees a volume whole (a subPath mount shows only part of it). */
export interface VolumeMount {
  container: string;
  path: string;
}

interface ContainerView {
  name: string;
  volumeMounts?: { name: string; mountPath: string; subPath?: string; subPathExpr?: string }[];
  volumeDevices?: { name: string }[];
}

/** Kinds whose content is in the backup as objects (or is the node's, not the pod's): never copied, as in Velero. */
const NEVER_COPIED: Record<string, string> = {
  secret: 'a secret volume: its Secret is in the backup',
  configMap: 'a configMap volume: its ConfigMap is in the backup',
  projected: 'a projected volume: its sources are in the backup',
  downwardAPI: "a downwardAPI volume: it shows the pod's own fields",
  hostPath: "a hostPath volume: it is the node's directory, not the pod's"
};

export function podVolumes(pod: KubeObject): PodVolume[] {
  const spec = isJsonObject(pod.spec) ? pod.spec : {};
  const volumes = Array.isArray(spec.volumes) ? spec.volumes : [];
  return volumes.filter(isJsonObject).map((volume) => {
    const type = Object.keys(volume).find((key) => key !== 'name') ?? 'unknown';
    const source = volume[type];
    const claim = type === 'persistentVolumeClaim' && isJsonObject(source) && typeof source.claimName === 'string' ? source.claimName : undefined;
    return { name: String(volume.name), type, ...(claim ? { claim } : {}), source: volume };
  });
}

/** Why a volume is never copied, whatever asks for it; undefined when it may be. */
export function neverCopiedReason(pod: KubeObject, volume: PodVolume): string | undefined {
  if (NEVER_COPIED[volume.type]) return NEVER_COPIED[volume.type];
  if (volume.name.startsWith('default-token')) return 'a ServiceAccount token volume';
  if (containers(pod).some((c) => c.volumeDevices?.some((d) => d.name === volume.name))) return 'a block volume (volumeDevices): it has no files to copy';
  if (!containers(pod).some((c) => c.volumeMounts?.some((m) => m.name === volume.name))) return 'no container mounts it';
  return undefined;
}

/**
 * Velero's annotations: opt in with `backup.velero.io/backup-volumes: a,b`, or, with default-volumes-to-fs-backup,
 * opt out with `backup.velero.io/backup-volumes-excludes`. Names are trimmed (Velero does not trim `a, b`).
 */
export function annotationWantsCopy(pod: KubeObject, volumeName: string, defaultVolumesToFsBackup: boolean): boolean {
  const annotations = pod.metadata.annotations ?? {};
  if (defaultVolumesToFsBackup) return !namesIn(annotations[ANNOTATIONS.backupVolumesExcludes]).includes(volumeName);
  return namesIn(annotations[ANNOTATIONS.backupVolumes]).includes(volumeName);
}

/** The containers that see the whole volume, init containers last (they have usually exited). */
export function wholeVolumeMounts(pod: KubeObject, volumeName: string): VolumeMount[] {
  return containers(pod).flatMap((c) =>
    (c.volumeMounts ?? []).filter((m) => m.name === volumeName && !m.subPath && !m.subPathExpr).map((m) => ({ container: c.name, path: m.mountPath }))
  );
}

export function isRunning(pod: KubeObject): boolean {
  return isJsonObject(pod.status) && pod.status.phase === 'Running';
}

export function nodeOf(pod: KubeObject): string | undefined {
  return isJsonObject(pod.spec) && typeof pod.spec.nodeName === 'string' ? pod.spec.nodeName : undefined;
}

function containers(pod: KubeObject): ContainerView[] {
  const spec = isJsonObject(pod.spec) ? pod.spec : {};
  const list = (value: unknown): ContainerView[] => (Array.isArray(value) ? value.filter(isJsonObject).map((c) => c as unknown as ContainerView) : []);
  return [...list(spec.containers), ...list(spec.initContainers)];
}

function namesIn(annotation: string | undefined): string[] {
  return (annotation ?? '').split(',').map((name) => name.trim()).filter(Boolean);
}
