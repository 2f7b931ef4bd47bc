import { PassThrough } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGunzip } from 'node:zlib';
import type { StreamStage } from '../encryption/age-cipher.js';
import { createBlockGzip } from '../util/block-gzip.js';
import type { Cluster } from '../kube/cluster.js';
import type { ObjectStore } from '../storage/object-store.js';
import { DigestStream, type Digest } from '../util/digest-stream.js';
import { errorMessage } from '../util/errors.js';
import type { VolumeAccess } from './data-mover-pod.js';

export interface StreamOptions {
  signal?: AbortSignal;
  /** Called every few seconds with the uncompressed bytes moved so far, for progress lines. */
  onProgress?: (bytes: number) => void;
  progressIntervalMs?: number;
  /** Called every second with the uncompressed bytes moved so far, for a live progress bar. */
  onBytes?: (bytes: number) => void;
  /** gzip level of the stored copy. */
  compressionLevel?: number;
  /** Out: encrypts the gzip stream before it is stored (and hashed as stored). */
  encrypt?: StreamStage;
  /** In: decrypts the stored stream (hashed as stored) before gunzip. */
  decrypt?: StreamStage;
}

/** A copy that did not arrive as it was recorded: the volume holds what arrived, and must not be trusted. */
export class VolumeDataMismatchError extends Error {}

/**
 * Streams a volume's files out of a running container (`tar c` through exec) into gzip (block-parallel, storing
 * what does not compress: see createBlockGzip) and a multipart upload,
 * counting and hashing both the tar stream and the stored bytes on the way. Nothing is buffered beyond the streams'
 * own windows, and the upload completes only when tar exited 0 (exec ends the stream only then).
 */
export async function copyVolumeOut(cluster: Cluster, access: VolumeAccess, store: ObjectStore, key: string, options: StreamOptions = {}): Promise<{ tar: Digest; stored: Digest }> {
  const fromPod = new PassThrough({ highWaterMark: 1024 * 1024 });
  const tar = new DigestStream();
  const stored = new DigestStream();
  const uploadFailed = new AbortController();
  const signal = options.signal ? AbortSignal.any([options.signal, uploadFailed.signal]) : uploadFailed.signal;
  const gzip = createBlockGzip({ level: options.compressionLevel ?? 6 });
  const piping = options.encrypt ? pipeline(fromPod, tar, gzip, options.encrypt, stored) : pipeline(fromPod, tar, gzip, stored);
  const upload = store.put(key, stored, { contentType: 'application/gzip' }).catch((err: unknown) => {
    uploadFailed.abort(err);
    throw err;
  });
  const exec = cluster.exec(access.target, ['tar', '-c', '-f', '-', '-C', access.path, '.'], { stdout: fromPod, signal });
  const stopTicking = ticker(tar, options);
  try {
    const [ran, piped, uploaded] = await Promise.allSettled([exec, piping, upload]);
    // The first cause: a failed upload explains a cancelled exec, a failed exec explains a broken pipe.
    if (uploaded.status === 'rejected') throw new Error(`upload of ${key} failed: ${errorMessage(uploaded.reason)}`);
    if (ran.status === 'rejected') throw ran.reason;
    if (ran.value.exitCode !== 0) throw new Error(`tar exited with code ${ran.value.exitCode}: ${ran.value.stderr.trim().slice(-500)}`);
    if (piped.status === 'rejected') throw piped.reason;
    return { tar: tar.digest(), stored: stored.digest() };
  } finally {
    stopTicking();
  }
}

/**
 * Streams a stored copy into a container's directory: the object is read once, its stored and tar digests checked
 * as it flows, and `head -c <bytes>` lets tar see exactly the recorded stream (exec cannot close stdin before
 * Kubernetes 1.29). A short or altered stream stops the command and fails with VolumeDataMismatchError.
 */
export async function copyVolumeIn(cluster: Cluster, access: VolumeAccess, store: ObjectStore, copy: { key: string; tar: Digest; stored: Digest }, options: StreamOptions = {}): Promise<void> {
  const object = await store.get(copy.key);
  const stored = new DigestStream();
  const tar = new DigestStream();
  const stop = new AbortController();
  const signal = options.signal ? AbortSignal.any([options.signal, stop.signal]) : stop.signal;
  const command = ['sh', '-c', 'head -c "$1" | tar -x -p -f - -C "$2"', 'sh', String(copy.tar.bytes), access.path];
  const exec = cluster.exec(access.target, command, { stdin: tar, signal });
  const stopTicking = ticker(tar, options);
  try {
    let problem: string | undefined;
    try {
      await (options.decrypt ? pipeline(object, stored, options.decrypt, createGunzip(), tar) : pipeline(object, stored, createGunzip(), tar));
      problem = digestMismatch(copy, stored.digest(), tar.digest());
    } catch (err) {
      // The command went away before taking everything: its own failure says why, unless it succeeded on a
      // stream longer than recorded.
      if ((err as { code?: string }).code !== 'ERR_STREAM_PREMATURE_CLOSE') problem = `cannot read the stored copy ${copy.key}: ${errorMessage(err)}`;
      else if ((await exec.catch(() => undefined))?.exitCode === 0) problem = `${copy.key} holds more than the recorded ${copy.tar.bytes} bytes of tar stream`;
    }
    if (problem) {
      // `head` may still wait for bytes that will never come: end the command.
      stop.abort(new VolumeDataMismatchError(problem));
      await exec.catch(() => undefined);
      throw new VolumeDataMismatchError(problem);
    }
    const ran = await exec;
    if (ran.exitCode !== 0) throw new Error(`tar exited with code ${ran.exitCode}: ${ran.stderr.trim().slice(-500)}`);
  } finally {
    stopTicking();
    object.destroy();
  }
}

function digestMismatch(copy: { key: string; tar: Digest; stored: Digest }, stored: Digest, tar: Digest): string | undefined {
  if (stored.bytes !== copy.stored.bytes || stored.sha256 !== copy.stored.sha256) {
    return `${copy.key} is not the object the backup stored (sha256 ${stored.sha256}, ${stored.bytes} bytes; recorded ${copy.stored.sha256}, ${copy.stored.bytes} bytes)`;
  }
  if (tar.bytes !== copy.tar.bytes || tar.sha256 !== copy.tar.sha256) {
    return `${copy.key} does not unpack to the recorded tar stream (sha256 ${tar.sha256}, ${tar.bytes} bytes; recorded ${copy.tar.sha256}, ${copy.tar.bytes} bytes)`;
  }
  return undefined;
}

function ticker(stream: DigestStream, options: StreamOptions): () => void {
  const timers: NodeJS.Timeout[] = [];
  const { onProgress, onBytes } = options;
  if (onProgress) timers.push(setInterval(() => onProgress(stream.bytes), options.progressIntervalMs ?? 10_000));
  if (onBytes) timers.push(setInterval(() => onBytes(stream.bytes), 1000));
  return () => timers.forEach((timer) => clearInterval(timer));
}
