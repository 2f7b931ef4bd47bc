import { isJsonObject } from '../../util/json.js';
import { persistentVolumeSkipReason } from './pv.js';
import { secretSkipReason } from './secret.js';
import type { KubeObject } from '../../model/kube-object.js';

const MIRROR_POD = 'kubernetes.io/config.mirror';
const AUTOMANAGED_API_SERVICE = 'kube-aggregator.kubernetes.io/automanaged';
const SLICE_MANAGED_BY = 'endpointslice.kubernetes.io/managed-by';
const SLICE_CONTROLLERS = ['endpointslice-controller.k8s.io', 'endpointslicemirroring-controller.k8s.io'];
/** Published into every namespace by the root-ca-cert-publisher controller with the cluster's own CA. */
const ROOT_CA_CONFIGMAP = 'kube-root-ca.crt';

/**
 * Why an object of the backup is not restored, or undefined. Whole resources Velero never restores are
 * NEVER_RESTORED in plan/order.ts; these are single objects, judged on the object as backed up (with its status).
 */
export function skipReason(object: KubeObject, groupResource: string): string | undefined {
  switch (groupResource) {
    case 'pods':
      return podSkipReason(object);
    case 'jobs.batch':
      return jobSkipReason(object);
    case 'secrets':
      return secretSkipReason(object);
    case 'persistentvolumes':
      return persistentVolumeSkipReason(object);
    case 'configmaps':
      // Beyond Velero (its issue 6818: a warning per namespace): the target's controller already made this
      // ConfigMap with the target's CA; the source's CA would be wrong there.
      return object.metadata.name === ROOT_CA_CONFIGMAP ? "the target cluster's controller publishes its own kube-root-ca.crt" : undefined;
    case 'apiservices.apiregistration.k8s.io':
      // Velero's APIServiceAction: the aggregator registers built-in group versions itself.
      return object.metadata.labels?.[AUTOMANAGED_API_SERVICE] !== undefined ? 'APIService managed by Kubernetes (as Velero does)' : undefined;
    case 'endpointslices.discovery.k8s.io': {
      // Beyond Velero: controller-made slices carry the source's pod IPs; the controllers rebuild them from the
      // restored Services, Endpoints and pods.
      const manager = object.metadata.labels?.[SLICE_MANAGED_BY];
      return manager !== undefined && SLICE_CONTROLLERS.includes(manager) ? `EndpointSlice managed by ${manager}, which rebuilds it` : undefined;
    }
    default:
      return undefined;
  }
}

/** Velero's isCompleted for pods, and its mirror-pod check: the kubelet owns static pods' mirrors. */
function podSkipReason(pod: KubeObject): string | undefined {
  if (pod.metadata.annotations?.[MIRROR_POD] !== undefined) return 'mirror pod: the kubelet of its node creates it (as Velero does)';
  const phase = isJsonObject(pod.status) ? pod.status.phase : undefined;
  return phase === 'Succeeded' || phase === 'Failed' ? `pod finished (phase ${phase}), not restored (as Velero does)` : undefined;
}

/**
 * Velero's isCompleted for Jobs looks at status.completionTime only, which a failed Job never gets; a Complete or
 * Failed condition ends a Job as surely, and restoring it would run it again, so both count here.
 */
function jobSkipReason(job: KubeObject): string | undefined {
  const status = isJsonObject(job.status) ? job.status : {};
  if (typeof status.completionTime === 'string' && status.completionTime !== '') return 'job finished (completionTime set), not restored (as Velero does)';
  const conditions = Array.isArray(status.conditions) ? status.conditions : [];
  const ended = conditions.find((c) => isJsonObject(c) && (c.type === 'Complete' || c.type === 'Failed') && c.status === 'True');
  return ended ? `job finished (condition ${String((ended as { type: unknown }).type)}), not restored` : undefined;
}
