import { isJsonObject } from '../../util/json.js';
import { mappedNamespace } from './namespace.js';
import type { KubeObject } from '../../model/kube-object.js';

/**
 * Velero's RoleBindingAction and ClusterRoleBindingAction: a subject in a remapped namespace (a ServiceAccount;
 * users and groups have no namespace) follows it, so the binding still grants the restored account.
 */
export function mapSubjectNamespaces(object: KubeObject, mappings: Readonly<Record<string, string>>): void {
  const subjects = object.subjects;
  if (!Array.isArray(subjects)) return;
  for (const subject of subjects) {
    if (isJsonObject(subject) && typeof subject.namespace === 'string' && subject.namespace !== '') {
      subject.namespace = mappedNamespace(subject.namespace, mappings);
    }
  }
}
