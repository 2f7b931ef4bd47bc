import type { KubeObject } from '../../model/kube-object.js';
import { isJsonObject } from '../../util/json.js';
import type { TransformContext } from './context.js';

/**
 * Endpoints a Service's controller manages (same name as a Service with a selector) are not restored. They hold the
 * source's pod IPs; the target's endpoints controller writes its own from the restored Service and pods, so a copy
 * of the source's is stale at once and, on every later restore, "exists and differs". Velero restores them (before
 * Services, its fix for warnings of this kind, issue 6280) and warns on each re-restore; here they are skipped with
 * this reason. Endpoints of a Service without a selector are the user's own and are restored.
 */
export function managedEndpointsReason(object: KubeObject, groupResource: string, ctx: Pick<TransformContext, 'selectorServices'>): string | undefined {
  if (groupResource !== 'endpoints') return undefined;
  const { namespace, name } = object.metadata;
  if (!namespace || !name || !ctx.selectorServices?.has(`${namespace}/${name}`)) return undefined;
  return `Endpoints of Service ${name}, which has a selector: the target's endpoints controller writes them from the restored Service and pods`;
}

/** Whether a backed-up Service has a selector, so that its Endpoints are its controller's. */
export function hasSelector(service: KubeObject): boolean {
  const spec = isJsonObject(service.spec) ? service.spec : undefined;
  return !!spec && isJsonObject(spec.selector) && Object.keys(spec.selector).length > 0;
}
