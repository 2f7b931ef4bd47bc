import { splitList } from '../util/lists.js';
import { InputError } from '../util/errors.js';

/**
 * One `include-names` entry: `<namespace>/<resource>/<name>` for a namespaced object, `<resource>/<name>` for a
 * cluster-scoped one (a Namespace object is `namespaces/<name>`). The resource is anything include-resources
 * takes (`configmaps`, `cm`, `ConfigMap`, `deployments.apps`), resolved later against the target and the backup;
 * namespace and name may be globs (`*`, `?`, `[abc]`).
 */
export interface IncludeName {
  /** As written, for messages. */
  entry: string;
  /** Absent: a cluster-scoped object. */
  namespace?: string;
  resource: string;
  name: string;
}

/** A glob over names: Kubernetes name characters plus *, ? and [...]. */
const NAME_PATTERN = /^[a-zA-Z0-9*?[\]!._:-]+$/;
const FIX = 'Write <namespace>/<resource>/<name> for namespaced objects and <resource>/<name> for cluster-scoped ones, separated by commas, e.g. shop/configmaps/settings,shop/deployments.apps/web-*,storageclasses.storage.k8s.io/fast';

/** Parses `include-names`; empty means no restriction (every object the other filters select). */
export function parseIncludeNames(raw: string | undefined, input = 'include-names'): IncludeName[] {
  return splitList(raw).map((entry) => {
    const parts = entry.split('/').map((p) => p.trim());
    if ((parts.length !== 2 && parts.length !== 3) || parts.some((p) => p.trim() === '')) {
      throw new InputError(input, `'${entry}' is not <namespace>/<resource>/<name> or <resource>/<name>`, FIX);
    }
    const [namespace, resource, name] = parts.length === 3 ? (parts as [string, string, string]) : [undefined, parts[0]!, parts[1]!];
    for (const pattern of namespace === undefined ? [name] : [namespace, name]) {
      if (!NAME_PATTERN.test(pattern)) throw new InputError(input, `'${pattern}' in '${entry}' is not a name or name pattern`, FIX);
    }
    return namespace === undefined ? { entry, resource, name } : { entry, namespace, resource, name };
  });
}
