/**
 * The rows that take minutes, run on request (`npm run bench -- volumes`, `-- encryption`, or `--with volumes,encryption`):
 *
 *   volumes     file-system copy of a 1 GiB volume (random bytes: the worst case for gzip) against `kubectl exec … tar c |
 *               cat >/dev/null` on the same volume, and the backup's peak RSS for a 100 MiB and a 1 GiB volume (flat).
 *   encryption  the backup of the 10,000-object seed and of a 1 GiB volume encrypted (age, one recipient) against the
 *               same backups plain (target: at most 1.3x).
 *
 * Their backups go to a local directory: what they compare is the copy and the cipher, not the upload.
 */
import { spawnSync } from 'node:child_process';
import { generateX25519Identity, identityToRecipient } from 'age-encryption';
import type { KubeCluster } from '../src/kube/kube-cluster.js';
import { testEnvironment } from '../test/support/environment.js';
import { createNamespace, refs, sleeperPod, testClaim, waitForPodRunning } from '../test/support/cluster.js';
import { measureChild, type Inputs } from './measure.js';
import type { Measurement } from './results.js';
import { benchNamespaceGlob } from './seed.js';

/** The seeded size the encryption rows back up. */
export const ENCRYPTION_SIZE = 10_000;

export type Row = [label: string, value: string, ratio: string];

/** A namespace with one pod whose claim holds `mib` MiB of random bytes, opted in for a file-system copy. */
async function seedVolume(cluster: KubeCluster, namespace: string, mib: number): Promise<void> {
  const env = testEnvironment();
  await createNamespace(cluster, namespace);
  await cluster.create(refs.pvcs, testClaim(namespace, 'data', { size: `${mib * 2}Mi` }));
  await cluster.create(refs.pods, sleeperPod(namespace, 'app', env.image, { annotations: { 'backup.velero.io/backup-volumes': 'data' } }, 'data'));
  await waitForPodRunning(cluster, namespace, 'app');
  const written = await cluster.exec({ namespace, pod: 'app', container: 'main' }, ['sh', '-c', `dd if=/dev/urandom of=/data/blob bs=1048576 count=${mib} 2>/dev/null`], { timeoutMs: 600_000 });
  if (written.exitCode !== 0) throw new Error(`cannot fill the volume of ${namespace}: ${written.stderr}`);
}

/** The floor: the same volume streamed by kubectl through exec and thrown away. */
function timeKubectlTar(namespace: string): number {
  const env = testEnvironment();
  const started = performance.now();
  const out = spawnSync('sh', ['-c', `"${env.kubectl}" --kubeconfig "${env.kubeconfig}" exec -n ${namespace} app -c main -- tar c -f - -C /data . | cat >/dev/null`], { encoding: 'utf8' });
  if (out.status !== 0) throw new Error(`kubectl exec tar failed: ${out.stderr}`);
  return (performance.now() - started) / 1000;
}

function volumeBackup(namespace: string, directory: string, extra: Inputs = {}): Promise<Measurement> {
  const env = testEnvironment();
  const inputs = { location: directory, 'include-namespaces': namespace, 'include-resources': 'pods,persistentvolumeclaims', 'backup-name': `bench-${namespace}-${Date.now()}`, 'data-mover-image': env.image, ...extra };
  return measureChild({ kind: 'backup', kubeconfig: env.kubeconfig, inputs });
}

export async function volumeRows(cluster: KubeCluster, run: string, directory: string, created: string[]): Promise<Row[]> {
  const small = `bench-vol-${run}-100m`;
  const large = `bench-vol-${run}-1g`;
  created.push(small, large);
  console.log('Filling a 100 MiB and a 1 GiB volume with random bytes...');
  await seedVolume(cluster, small, 100);
  await seedVolume(cluster, large, 1024);
  const floor = timeKubectlTar(large);
  const copySmall = await volumeBackup(small, directory);
  const copyLarge = await volumeBackup(large, directory);
  const mib = (copyLarge.volumeBytes ?? 0) / 1024 / 1024;
  return [
    ['kubectl exec tar c | cat, 1 GiB volume', `${floor.toFixed(2)} s`, `1.00 (floor, ${(mib / floor).toFixed(0)} MiB/s)`],
    ['backup with a 1 GiB file-system copy', `${copyLarge.seconds.toFixed(2)} s`, `${(floor / copyLarge.seconds).toFixed(2)} x the floor's throughput (${(mib / copyLarge.seconds).toFixed(0)} MiB/s, gzip included)`],
    ['backup with a 100 MiB copy, peak RSS', `${copySmall.peakRssMiB.toFixed(0)} MiB`, '1.00'],
    ['backup with a 1 GiB copy, peak RSS', `${copyLarge.peakRssMiB.toFixed(0)} MiB`, `${(copyLarge.peakRssMiB / copySmall.peakRssMiB).toFixed(2)} x the 100 MiB copy`]
  ];
}

/** Encrypted backups against plain ones of the same objects (the 10,000 seed, which the caller seeds) and volume. */
export async function encryptionRows(cluster: KubeCluster, run: string, directory: string, created: string[]): Promise<Row[]> {
  const env = testEnvironment();
  const recipient = { 'encryption-recipients': await identityToRecipient(await generateX25519Identity()) };
  const volume = `bench-vol-${run}-enc`;
  created.push(volume);
  await seedVolume(cluster, volume, 1024);
  const objects = { location: directory, 'include-namespaces': benchNamespaceGlob(ENCRYPTION_SIZE) };
  const plain = await measureChild({ kind: 'backup', kubeconfig: env.kubeconfig, inputs: { ...objects, 'backup-name': `bench-${run}-plain` } });
  const sealed = await measureChild({ kind: 'backup', kubeconfig: env.kubeconfig, inputs: { ...objects, ...recipient, 'backup-name': `bench-${run}-sealed` } });
  const plainVolume = await volumeBackup(volume, directory);
  const sealedVolume = await volumeBackup(volume, directory, recipient);
  return [
    [`backup of ${ENCRYPTION_SIZE} objects, encrypted`, `${sealed.seconds.toFixed(2)} s`, `${(sealed.seconds / plain.seconds).toFixed(2)} x the plain backup (${plain.seconds.toFixed(2)} s)`],
    ['backup with a 1 GiB copy, encrypted', `${sealedVolume.seconds.toFixed(2)} s`, `${(sealedVolume.seconds / plainVolume.seconds).toFixed(2)} x the plain backup (${plainVolume.seconds.toFixed(2)} s)`],
    ['backup with a 1 GiB copy, encrypted, peak RSS', `${sealedVolume.peakRssMiB.toFixed(0)} MiB`, `${(sealedVolume.peakRssMiB / plainVolume.peakRssMiB).toFixed(2)} x the plain backup`]
  ];
}
