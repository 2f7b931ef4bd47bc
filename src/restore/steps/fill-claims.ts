import type { ObjectStore } from '../../storage/object-store.js';
import type { ResourceRef } from '../../model/resource-ref.js';
import { formatBytes } from '../../util/byte-size.js';
import { errorMessage } from '../../util/errors.js';
import { logProgressLine } from '../../util/logger.js';
import { ANNOTATIONS } from '../../velero/vocabulary.js';
import { DATA_MOVER_START_TIMEOUT_MS, withDataMoverPod } from '../../volumes/data-mover-pod.js';
import type { VolumeCopyRecord } from '../../volumes/volume-copy-record.js';
import { copyVolumeIn } from '../../volumes/volume-stream.js';
import type { RestoredClaim, RestoreRun } from '../restore-run.js';

const CLAIMS: ResourceRef = { group: '', version: 'v1', resource: 'persistentvolumeclaims', namespaced: true };

/** The backup's successful claim copies, by `<source namespace>/<claim>`. */
export type ClaimCopies = ReadonlyMap<string, VolumeCopyRecord & { claim: string }>;

export function claimCopiesOf(records: readonly VolumeCopyRecord[]): ClaimCopies {
  const copies = new Map<string, VolumeCopyRecord & { claim: string }>();
  for (const record of records) {
    if (record.claim && record.result === 'succeeded') copies.set(`${record.namespace}/${record.claim}`, record as VolumeCopyRecord & { claim: string });
  }
  return copies;
}

/**
 * After the claims' wave, before any pod or workload: each claim this restore created gets its files from the
 * backup's copy, through a data-mover pod (its first consumer, so the claim's new volume is provisioned for it).
 * A claim that already existed is never written to. A copy that fails or does not match its record fails that
 * claim only: the run goes on, the claim is annotated with the reason, and the report names it.
 */
export async function fillRestoredClaims(run: RestoreRun, store: ObjectStore, copies: ClaimCopies): Promise<void> {
  const work = run.claims.flatMap((claim) => {
    const copy = copies.get(`${claim.sourceNamespace}/${claim.name}`);
    return copy ? [{ claim, copy }] : [];
  });
  await Promise.all(work.map(({ claim, copy }) => run.limit(() => fill(run, store, claim, copy))));
}

async function fill(run: RestoreRun, store: ObjectStore, claim: RestoredClaim, copy: VolumeCopyRecord): Promise<void> {
  const what = `${claim.namespace}/${claim.name}`;
  const size = formatBytes(copy.tar!.bytes);
  if (run.settings.dryRun) {
    run.log.info(`Claim ${what} would be filled from its file-system copy (${size})`);
    return;
  }
  if (!claim.created) {
    run.warn(`claim ${what} already existed: its data was not restored from the backup's copy (a restore never writes into a claim it did not create)`);
    return;
  }
  run.signal?.throwIfAborted();
  const started = run.clock();
  run.log.info(`Claim ${what}: filling from its file-system copy (${size})`);
  try {
    await withDataMoverPod(
      run.cluster,
      { namespace: claim.namespace, claim: claim.name, image: run.settings.volumes.dataMoverImage, readOnly: false, startTimeoutMs: DATA_MOVER_START_TIMEOUT_MS, clock: run.clock, signal: run.signal },
      (access) =>
        copyVolumeIn(run.cluster, access, store, { key: copy.key, tar: copy.tar!, stored: copy.stored! }, {
          signal: run.signal,
          decrypt: run.decryption.stage('volumeCopy', copy.key),
          onProgress: (bytes) => logProgressLine(run.log, `Claim ${what}: ${formatBytes(bytes)} of ${size} written`),
          onBytes: (bytes) => run.log.progress?.({ what: 'volume bytes', volume: what, done: bytes, total: copy.tar!.bytes })
        })
    ).then(
      () => run.log.progress?.({ what: 'volume bytes', volume: what, done: copy.tar!.bytes, total: copy.tar!.bytes, finished: true }),
      (err: unknown) => {
        run.log.progress?.({ what: 'volume bytes', volume: what, done: 0, total: copy.tar!.bytes, finished: true });
        throw err;
      }
    );
    const seconds = (run.clock().getTime() - started.getTime()) / 1000;
    run.log.info(`Claim ${what} filled: ${size} in ${seconds.toFixed(1)} s, sha256 verified`);
    run.filledVolumes.push({ namespace: claim.namespace, name: claim.name, bytes: copy.tar!.bytes });
  } catch (err) {
    if (run.signal?.aborted) throw run.signal.reason;
    const reason = errorMessage(err);
    await reportUnrestoredData(run, { ref: CLAIMS, namespace: claim.namespace, name: claim.name }, `cannot restore the data of claim ${what}: ${reason}`, reason);
  }
}

/**
 * A volume whose data did not arrive: an error of the restore, and the annotation kube-backup.io/volume-restore-failed
 * on the object (claim or pod) with the reason, so whoever looks at it in the cluster learns why it is empty.
 */
export async function reportUnrestoredData(run: RestoreRun, object: { ref: ResourceRef; namespace: string; name: string }, message: string, reason: string): Promise<void> {
  run.results.error(message, object.namespace);
  run.log.error(message);
  await run.cluster
    .patch(object.ref, object.name, { metadata: { annotations: { [ANNOTATIONS.volumeRestoreFailed]: reason.slice(0, 1000) } } }, 'merge', { namespace: object.namespace })
    .catch((err: unknown) => run.log.warn(`Cannot annotate ${object.ref.resource} ${object.namespace}/${object.name} with the failure: ${errorMessage(err)}`));
}
