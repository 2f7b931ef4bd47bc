import { isJsonObject } from '../util/json.js';

/**
 * Removes token volumes and their mounts; a list left empty goes too, as if never set, so a pod created from it
 * equals one admission has since given a fresh token.
 */
export function removeServiceAccountTokenVolumes(spec: Record<string, unknown>, isToken: (entry: unknown) => boolean): void {
  const filter = (owner: Record<string, unknown>, field: string) => {
    if (!Array.isArray(owner[field])) return;
    const kept = (owner[field] as unknown[]).filter((entry) => !isToken(entry));
    if (kept.length) owner[field] = kept;
    else delete owner[field];
  };
  filter(spec, 'volumes');
  for (const list of [spec.containers, spec.initContainers]) {
    if (!Array.isArray(list)) continue;
    for (const container of list) if (isJsonObject(container)) filter(container, 'volumeMounts');
  }
}
