import type { KubeObject } from '../model/kube-object.js';
import { isJsonObject } from '../util/json.js';

/** The init container that holds a restored pod until its own volumes (emptyDir) are filled. */
export const RESTORE_WAIT_CONTAINER = 'kube-backup-restore-wait';
/** Where it mounts each volume: `<root>/<volume>`. */
export const RESTORE_WAIT_ROOT = '/kube-backup-restore';
/** Written into a volume once its data is in and verified; the init container removes it and moves on. */
export const RESTORE_DONE_MARKER = '.kube-backup-restore-done';

/**
 * A pod's own volumes live only as long as the pod, so they can be filled only once it exists: the restored pod
 * gets an init container, first of all, that mounts them and waits until each holds the done marker (Velero's
 * restore-wait container does the same). The restore streams each copy into this container, then writes the marker.
 * The input is not changed; an existing container of that name (a pod backed up after an earlier restore) is replaced.
 */
export function withRestoreWaitContainer(pod: KubeObject, volumes: readonly string[], image: string): KubeObject {
  const spec = isJsonObject(pod.spec) ? pod.spec : {};
  const initContainers = (Array.isArray(spec.initContainers) ? spec.initContainers : []).filter((c) => !(isJsonObject(c) && c.name === RESTORE_WAIT_CONTAINER));
  const wait = {
    name: RESTORE_WAIT_CONTAINER,
    image,
    imagePullPolicy: 'IfNotPresent',
    command: ['sh', '-c', `for v in "$@"; do until [ -e "${RESTORE_WAIT_ROOT}/$v/${RESTORE_DONE_MARKER}" ]; do sleep 1; done; rm -f "${RESTORE_WAIT_ROOT}/$v/${RESTORE_DONE_MARKER}"; done`, 'sh', ...volumes],
    volumeMounts: volumes.map((name) => ({ name, mountPath: `${RESTORE_WAIT_ROOT}/${name}` })),
    resources: { requests: { cpu: '10m', memory: '16Mi' } }
  };
  return { ...pod, spec: { ...spec, initContainers: [wait, ...initContainers] } };
}
