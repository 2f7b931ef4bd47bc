import type { KubeObject } from '../model/kube-object.js';
import { CSI } from '../velero/vocabulary.js';

export interface SnapshotClassChoice {
  /** The class, or undefined with the reason. */
  name?: string;
  reason?: string;
}

/**
 * Velero's choice of VolumeSnapshotClass for a claim whose StorageClass's provisioner is `driver`, in its order
 * (pkg/util/csi GetVolumeSnapshotClass): the claim's annotation, the backup's per-driver choice, then among the
 * driver's classes the one labelled velero.io/csi-volumesnapshot-class, the default one, or the only one. A class
 * named by the claim or the backup that is missing or of another driver is passed over, as Velero does. Pure.
 */
export function chooseSnapshotClass(driver: string, classes: readonly KubeObject[], claim: KubeObject, byDriver: Readonly<Record<string, string>>): SnapshotClassChoice {
  const driverOf = (c: KubeObject) => (c as { driver?: unknown }).driver;
  const named = (name: string | undefined) =>
    name ? classes.find((c) => c.metadata.name?.toLowerCase() === name.toLowerCase() && String(driverOf(c)).toLowerCase() === driver.toLowerCase()) : undefined;
  const fromClaim = named(claim.metadata.annotations?.[CSI.snapshotClass]);
  if (fromClaim) return { name: fromClaim.metadata.name };
  const fromBackup = named(byDriver[driver.toLowerCase()]);
  if (fromBackup) return { name: fromBackup.metadata.name };
  const ofDriver = classes.filter((c) => driverOf(c) === driver);
  const labelled = ofDriver.find((c) => c.metadata.labels?.[CSI.snapshotClass] !== undefined);
  if (labelled) return { name: labelled.metadata.name };
  const byDefault = ofDriver.find((c) => c.metadata.annotations?.[CSI.defaultClass] !== undefined);
  if (byDefault) return { name: byDefault.metadata.name };
  if (ofDriver.length === 1) return { name: ofDriver[0]!.metadata.name };
  return { reason: ofDriver.length === 0 ? `no VolumeSnapshotClass for driver ${driver}` : `${ofDriver.length} VolumeSnapshotClasses for driver ${driver} and none chosen (label one velero.io/csi-volumesnapshot-class, or name one in csi-snapshot-classes)` };
}
