import type { KubeObject } from '../model/kube-object.js';
import { isJsonObject } from '../util/json.js';

/** A claim the backup took, as the volume steps need it. */
export interface ClaimInScope {
  namespace: string;
  name: string;
  phase?: string;
  volumeName?: string;
}

/** A volume the backup took, as Velero's volumeinfo records it. */
export interface VolumeInScope {
  name: string;
  reclaimPolicy?: string;
  labels?: Record<string, string>;
  claim?: { namespace?: string; name?: string };
}

/**
 * The claims and volumes a backup's walk took, noted as their items pass into the archive: what the volume steps
 * after the walk work from. Small records only; the objects themselves are streamed on.
 */
export class VolumeInventory {
  readonly claims: ClaimInScope[] = [];
  readonly volumes: VolumeInScope[] = [];

  note(groupResource: string, object: KubeObject): void {
    const spec = isJsonObject(object.spec) ? object.spec : {};
    if (groupResource === 'persistentvolumeclaims') {
      const phase = isJsonObject(object.status) && typeof object.status.phase === 'string' ? object.status.phase : undefined;
      this.claims.push({ namespace: object.metadata.namespace!, name: object.metadata.name!, phase, volumeName: typeof spec.volumeName === 'string' && spec.volumeName ? spec.volumeName : undefined });
    } else if (groupResource === 'persistentvolumes') {
      const claimRef = isJsonObject(spec.claimRef) ? spec.claimRef : undefined;
      this.volumes.push({
        name: object.metadata.name!,
        reclaimPolicy: typeof spec.persistentVolumeReclaimPolicy === 'string' ? spec.persistentVolumeReclaimPolicy : undefined,
        labels: object.metadata.labels,
        claim: claimRef ? { namespace: claimRef.namespace as string | undefined, name: claimRef.name as string | undefined } : undefined
      });
    }
  }
}
