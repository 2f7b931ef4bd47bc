import { addRestoreLabels } from './metadata.js';
import type { KubeObject } from '../../model/kube-object.js';

/** The namespace an item of `namespace` is restored into. */
export function mappedNamespace(namespace: string, mappings: Readonly<Record<string, string>>): string {
  return Object.hasOwn(mappings, namespace) ? mappings[namespace]! : namespace;
}

/**
 * Moves an item to its target namespace (its metadata.namespace, which Velero's backup always writes); a Namespace
 * object itself is renamed (Velero restores a mapped Namespace under its new name), with the name label the API
 * server keeps equal to the name. Changes the object it is given.
 */
export function mapItemNamespace(object: KubeObject, groupResource: string, mappings: Readonly<Record<string, string>>): void {
  const meta = object.metadata;
  if (groupResource === 'namespaces') {
    if (meta.name === undefined) return;
    meta.name = mappedNamespace(meta.name, mappings);
    if (meta.labels?.[NAME_LABEL] !== undefined) meta.labels[NAME_LABEL] = meta.name;
  } else if (meta.namespace) {
    meta.namespace = mappedNamespace(meta.namespace, mappings);
  }
}

/** Set by the API server on every namespace to its name; a renamed namespace must not carry the old one. */
const NAME_LABEL = 'kubernetes.io/metadata.name';

/**
 * The Namespace to create before restoring anything into `targetName`: Velero's getNamespace keeps the backed-up
 * namespace's labels, annotations and spec under the new name, or makes a blank one when the backup has no
 * Namespace object. We also add the restore labels, so everything this restore created carries them.
 */
export function namespaceForTarget(backedUp: KubeObject | undefined, targetName: string, names?: { backupName: string; restoreName: string }): KubeObject {
  const labels = { ...backedUp?.metadata.labels };
  delete labels[NAME_LABEL];
  const namespace: KubeObject = {
    apiVersion: 'v1',
    kind: 'Namespace',
    metadata: { name: targetName }
  };
  if (Object.keys(labels).length) namespace.metadata.labels = labels;
  if (backedUp?.metadata.annotations && Object.keys(backedUp.metadata.annotations).length) {
    namespace.metadata.annotations = { ...backedUp.metadata.annotations };
  }
  if (backedUp?.spec !== undefined) namespace.spec = structuredClone(backedUp.spec);
  if (names) addRestoreLabels(namespace, names.backupName, names.restoreName);
  return namespace;
}
