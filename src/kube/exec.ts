import { Writable } from 'node:stream';
import { Exec, type KubeConfig, type V1Status } from '@kubernetes/client-node';
import type { ExecOptions, ExecResult, ExecTarget } from './cluster.js';
import { KubeApiError } from './http.js';

/** Output kept in memory when the caller gives no stream: enough for a hook's log, not for data. */
const CAPTURE_LIMIT = 1024 * 1024;

/**
 * Runs a command in a container through the exec websocket and resolves with its exit code. A command that runs
 * and exits non-zero resolves (exitCode > 0); one that cannot start (no such container, not running) rejects.
 */
export async function execInContainer(
  kc: KubeConfig,
  target: ExecTarget,
  command: string[],
  options: ExecOptions = {},
  diagnose?: (target: ExecTarget) => Promise<string | undefined>
): Promise<ExecResult> {
  const stdout = options.stdout ? { stream: options.stdout, text: () => '' } : capture();
  const stderr = options.stderr ? { stream: options.stderr, text: () => '' } : capture();
  let status: V1Status | undefined;

  let socket: Awaited<ReturnType<Exec['exec']>>;
  try {
    socket = await new Exec(kc).exec(target.namespace, target.pod, target.container, command, stdout.stream, stderr.stream, options.stdin ?? null, false, (s) => {
      status = s;
    });
  } catch (err) {
    // The websocket upgrade is refused with a bare HTTP status (a ws ErrorEvent, not an Error): ask why.
    throw new Error(`cannot exec in ${target.namespace}/${target.pod} container '${target.container}': ${(await diagnose?.(target)) ?? describeSocketError(err)}`);
  }

  await new Promise<void>((resolve, reject) => {
    let timer: NodeJS.Timeout | undefined;
    if (options.timeoutMs) {
      timer = setTimeout(() => {
        socket.close();
        reject(new Error(`command ${JSON.stringify(command)} in ${target.namespace}/${target.pod}/${target.container} did not finish within ${options.timeoutMs! / 1000}s`));
      }, options.timeoutMs);
    }
    socket.on('close', () => {
      clearTimeout(timer);
      resolve();
    });
    socket.on('error', (err: Error) => {
      clearTimeout(timer);
      reject(err);
    });
  });

  return { exitCode: exitCodeOf(status, target, command), stdout: stdout.text(), stderr: stderr.text() };
}

function exitCodeOf(status: V1Status | undefined, target: ExecTarget, command: string[]): number {
  if (!status) throw new Error(`exec of ${JSON.stringify(command)} in ${target.namespace}/${target.pod} ended without a status`);
  if (status.status === 'Success') return 0;
  const code = status.details?.causes?.find((c) => c.reason === 'ExitCode')?.message;
  if (status.reason === 'NonZeroExitCode' && code !== undefined) return Number(code);
  throw new KubeApiError(status.code ?? 500, status.reason ?? 'ExecFailed', status.message ?? 'exec failed', 'EXEC', `${target.namespace}/${target.pod}/${target.container}`);
}

function capture(): { stream: Writable; text: () => string } {
  const chunks: Buffer[] = [];
  let size = 0;
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      if (size < CAPTURE_LIMIT) {
        chunks.push(chunk.subarray(0, CAPTURE_LIMIT - size));
        size += chunk.length;
      }
      done();
    }
  });
  return { stream, text: () => Buffer.concat(chunks).toString('utf8') };
}


function describeSocketError(err: unknown): string {
  if (err instanceof Error) return err.message;
  const message = (err as { message?: unknown } | undefined)?.message;
  return typeof message === 'string' && message ? message : 'the API server refused the exec connection';
}
