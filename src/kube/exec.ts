import querystring from 'node:querystring';
import { Writable, type Readable } from 'node:stream';
import type { KubeConfig, V1Status } from '@kubernetes/client-node';
import WebSocket from 'ws';
import type { ExecOptions, ExecResult, ExecTarget } from './cluster.js';
import { KubeApiError } from './http.js';

/** Output kept in memory when the caller gives no stream: enough for a hook's log, not for data. */
const CAPTURE_LIMIT = 1024 * 1024;
/** Bytes of stdin queued in the socket before the next chunk waits: volume data must not pile up in memory. */
const STDIN_HIGH_WATER = 4 * 1024 * 1024;

/** The channels of Kubernetes' exec protocol (a leading byte on every binary frame). */
const CHANNEL = { stdin: 0, stdout: 1, stderr: 2, status: 3, close: 255 } as const;
const PROTOCOLS = ['v5.channel.k8s.io', 'v4.channel.k8s.io'];

/** A command that ran and exited non-zero, as seen by a caller that streams its output (the stream is destroyed with it). */
export class ExecExitError extends Error {
  constructor(
    readonly exitCode: number,
    readonly stderr: string
  ) {
    super(`exited with code ${exitCode}${stderr.trim() ? `: ${stderr.trim().slice(-500)}` : ''}`);
  }
}

/**
 * Runs a command in a container through the exec websocket and resolves with its exit code. A command that runs
 * and exits non-zero resolves (exitCode > 0); one that cannot start (no such container, not running) rejects.
 *
 * Data flows with back-pressure both ways (client-node's own Exec buffers without limit): a slow stdout consumer
 * pauses the socket, stdin waits while the socket's send buffer is full. A caller's stdout stream is ended only when
 * the command succeeded, and destroyed with the reason otherwise, so an upload fed by it never completes with bad
 * data. Servers before Kubernetes 1.29 (protocol v4) cannot close stdin: there, the command must read exactly the
 * bytes it is sent (`head -c N | …`); with v5 the end of stdin is passed on.
 */
export async function execInContainer(
  kc: KubeConfig,
  target: ExecTarget,
  command: string[],
  options: ExecOptions = {},
  diagnose?: (target: ExecTarget) => Promise<string | undefined>
): Promise<ExecResult> {
  const stdout = options.stdout ? { stream: options.stdout, text: () => '' } : capture();
  // stderr is always captured too (bounded): a streamed command's failure message comes from it.
  const stderrCapture = capture();
  let status: V1Status | undefined;
  let socket: WebSocket | undefined;

  const query = querystring.stringify({ stdout: true, stderr: true, stdin: options.stdin !== undefined, tty: false, command, container: target.container });
  const path = `/api/v1/namespaces/${encodeURIComponent(target.namespace)}/pods/${encodeURIComponent(target.pod)}/exec?${query}`;
  const onFrame = (frame: Buffer): void => {
    const channel = frame[0];
    const data = frame.subarray(1);
    if (channel === CHANNEL.stdout) {
      if (!stdout.stream.write(data)) {
        socket?.pause();
        stdout.stream.once('drain', () => socket?.resume());
      }
    } else if (channel === CHANNEL.stderr) {
      stderrCapture.stream.write(data);
      options.stderr?.write(data);
    } else if (channel === CHANNEL.status) {
      status = JSON.parse(data.toString('utf8')) as V1Status;
      socket?.close();
    }
  };
  try {
    socket = await connect(kc, path, onFrame);
  } catch (err) {
    const reason = `cannot exec in ${target.namespace}/${target.pod} container '${target.container}': ${(await diagnose?.(target)) ?? describeSocketError(err)}`;
    options.stdout?.destroy(new Error(reason));
    throw new Error(reason);
  }
  const open = socket;

  const closed = new Promise<void>((resolve, reject) => {
    let timer: NodeJS.Timeout | undefined;
    const fail = (err: Error) => {
      clearTimeout(timer);
      open.close();
      reject(err);
    };
    if (options.timeoutMs) {
      timer = setTimeout(() => fail(new Error(`command ${JSON.stringify(command)} in ${target.namespace}/${target.pod}/${target.container} did not finish within ${options.timeoutMs! / 1000}s`)), options.timeoutMs);
    }
    const onAbort = () => fail(options.signal!.reason instanceof Error ? options.signal!.reason : new Error('cancelled'));
    // Aborted while the socket was opening (a caller's input failed at once): 'abort' has fired already.
    if (options.signal?.aborted) onAbort();
    else options.signal?.addEventListener('abort', onAbort, { once: true });
    open.on('close', () => {
      clearTimeout(timer);
      resolve();
    });
    open.on('error', (err: Error) => fail(err));
  });
  const sending = options.stdin ? sendStdin(open, options.stdin) : Promise.resolve();

  let result: ExecResult;
  try {
    await closed;
    result = { exitCode: exitCodeOf(status, target, command), stdout: stdout.text(), stderr: stderrCapture.text() };
  } catch (err) {
    options.stdout?.destroy(err instanceof Error ? err : new Error(String(err)));
    throw err;
  } finally {
    options.stdin?.destroy();
    await sending.catch(() => undefined);
  }
  if (options.stdout) {
    if (result.exitCode === 0) options.stdout.end();
    else options.stdout.destroy(new ExecExitError(result.exitCode, result.stderr));
  }
  return result;
}

/** Opens the exec websocket with the kubeconfig's TLS and credentials; resolves once it is open. */
async function connect(kc: KubeConfig, path: string, onFrame: (frame: Buffer) => void): Promise<WebSocket> {
  const server = kc.getCurrentCluster()?.server;
  if (!server) throw new Error('the kubeconfig names no cluster');
  const options: WebSocket.ClientOptions = {};
  await kc.applyToHTTPSOptions(options);
  const socket = new WebSocket(`${server.replace(/^http/, 'ws').replace(/\/$/, '')}${path}`, PROTOCOLS, options);
  socket.on('message', (data: Buffer, isBinary: boolean) => {
    if (isBinary) onFrame(data);
  });
  await new Promise<void>((resolve, reject) => {
    socket.once('open', () => resolve());
    // The upgrade is refused with a bare HTTP status: the caller asks the pod why.
    socket.once('unexpected-response', (_request, response) => {
      reject(new Error(`the API server answered the exec upgrade with HTTP ${response.statusCode}`));
      socket.terminate();
    });
    // Kept for the socket's life: the caller adds its own, and an error with no listener would end the process.
    socket.on('error', reject);
  });
  return socket;
}

/** Copies stdin into the socket, waiting while too much is queued; ends it where the protocol can (v5). */
async function sendStdin(socket: WebSocket, stdin: Readable): Promise<void> {
  for await (const chunk of stdin) {
    if (socket.readyState !== socket.OPEN) return;
    const data = typeof chunk === 'string' ? Buffer.from(chunk) : (chunk as Buffer);
    await new Promise<void>((resolve, reject) => socket.send(Buffer.concat([Buffer.of(CHANNEL.stdin), data]), (err?: Error) => (err ? reject(err) : resolve())));
    while (socket.bufferedAmount > STDIN_HIGH_WATER && socket.readyState === socket.OPEN) await new Promise((r) => setTimeout(r, 5));
  }
  if (socket.protocol === 'v5.channel.k8s.io' && socket.readyState === socket.OPEN) socket.send(Buffer.of(CHANNEL.close, CHANNEL.stdin));
}

function exitCodeOf(status: V1Status | undefined, target: ExecTarget, command: string[]): number {
  if (!status) throw new Error(`exec of ${JSON.stringify(command)} in ${target.namespace}/${target.pod} ended without a status (the connection was lost)`);
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
