import { isJsonObject, type JsonObject } from '../../util/json.js';
import type { KubeObject } from '../../model/kube-object.js';

const LAST_APPLIED = 'kubectl.kubernetes.io/last-applied-configuration';

/**
 * Velero's ServiceAction. The cluster IP belongs to the source's service CIDR, so it goes (a headless service keeps
 * its 'None'). Node ports are released too unless preserve-nodeports, except those the user chose: Velero keeps a
 * node port named in the last-applied-configuration annotation (kubectl apply) or owned in managedFields
 * (server-side apply); the rest were allocated by the source cluster and may collide on the target.
 * healthCheckNodePort follows the same rule for LoadBalancer services with externalTrafficPolicy Local.
 */
export function transformService(object: KubeObject, preserveNodePorts: boolean, backedUp: KubeObject): void {
  const spec = object.spec;
  if (!isJsonObject(spec)) return;
  if (spec.clusterIP !== 'None') {
    delete spec.clusterIP;
    delete spec.clusterIPs;
  }
  if (preserveNodePorts) return;
  const explicit = explicitNodePorts(backedUp);
  if (spec.type !== 'ExternalName' && Array.isArray(spec.ports)) {
    for (const port of spec.ports) {
      if (!isJsonObject(port) || port.nodePort === undefined) continue;
      if (!explicit.keeps(port)) delete port.nodePort;
    }
  }
  if (spec.healthCheckNodePort !== undefined && spec.type === 'LoadBalancer' && spec.externalTrafficPolicy === 'Local' && !explicit.healthCheck) {
    delete spec.healthCheckNodePort;
  }
}

interface ExplicitPorts {
  keeps: (port: JsonObject) => boolean;
  healthCheck: boolean;
}

function explicitNodePorts(service: KubeObject): ExplicitPorts {
  const lastApplied = service.metadata.annotations?.[LAST_APPLIED];
  const fromManagedFields = managedFieldsPorts(service);
  if (lastApplied !== undefined) {
    // Velero reads named ports by name and unnamed ones by their node port value; an unreadable annotation keeps nothing.
    const applied = parseJson(lastApplied);
    const spec = isJsonObject(applied) && isJsonObject(applied.spec) ? applied.spec : {};
    const named = new Set<string>();
    const unnamed = new Set<number>();
    for (const port of Array.isArray(spec.ports) ? spec.ports : []) {
      if (!isJsonObject(port)) continue;
      const nodePort = Number(port.nodePort);
      if (!(nodePort > 0)) continue;
      if (typeof port.name === 'string') named.add(port.name);
      else unnamed.add(nodePort);
    }
    return {
      keeps: (port) => (typeof port.name === 'string' && port.name !== '' ? named.has(port.name) : unnamed.has(Number(port.nodePort))),
      // For the health check port Velero falls back to managedFields when the annotation does not name it.
      healthCheck: Number(spec.healthCheckNodePort) > 0 || fromManagedFields.healthCheck
    };
  }
  return fromManagedFields;
}

/** Server-side apply records an owned node port as `f:spec.f:ports.k:{"port":80,"protocol":"TCP"}.f:nodePort`. */
function managedFieldsPorts(service: KubeObject): ExplicitPorts {
  const keys = new Set<string>();
  let healthCheck = false;
  const entries = service.metadata.managedFields;
  for (const entry of Array.isArray(entries) ? entries : []) {
    const fields = isJsonObject(entry) ? entry.fieldsV1 : undefined;
    const spec = isJsonObject(fields) ? fields['f:spec'] : undefined;
    if (!isJsonObject(spec)) continue;
    if (Object.hasOwn(spec, 'f:healthCheckNodePort')) healthCheck = true;
    const ports = spec['f:ports'];
    if (!isJsonObject(ports)) continue;
    for (const [key, value] of Object.entries(ports)) {
      if (isJsonObject(value) && Object.hasOwn(value, 'f:nodePort')) keys.add(key);
    }
  }
  return { keeps: (port) => keys.has(`k:{"port":${Number(port.port)},"protocol":"${String(port.protocol ?? 'TCP')}"}`), healthCheck };
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
