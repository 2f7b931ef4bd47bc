import http from 'node:http';
import https from 'node:https';
import type { KubeConfig } from '@kubernetes/client-node';
import { retry, type RetryPolicy } from '../util/retry.js';

/** A failed API call, with the Status the server sent (reason such as NotFound, AlreadyExists, Forbidden). */
export class KubeApiError extends Error {
  constructor(
    readonly statusCode: number,
    readonly reason: string,
    message: string,
    readonly method: string,
    readonly path: string,
    readonly retryAfterSeconds?: number,
    readonly status?: Record<string, unknown>
  ) {
    super(message);
    this.name = 'KubeApiError';
  }
}

/** A connection-level failure: the server was never reached or the connection broke. */
export class KubeConnectionError extends Error {
  constructor(
    readonly code: string,
    message: string
  ) {
    super(message);
    this.name = 'KubeConnectionError';
  }
}

const TRANSIENT_STATUS = new Set([429, 500, 502, 503, 504]);
const TRANSIENT_CODES = new Set(['ECONNRESET', 'ECONNREFUSED', 'ETIMEDOUT', 'EPIPE', 'EAI_AGAIN', 'ECONNABORTED', 'UND_ERR_SOCKET']);
/** Failures after which the request certainly did nothing: the server refused it (429) or it never left (refused, DNS). */
const NOT_APPLIED_STATUS = new Set([429]);
const NOT_APPLIED_CODES = new Set(['ECONNREFUSED', 'EAI_AGAIN']);
/** Sent twice, these do no more than once; POST (create) and DELETE may have taken effect before a failure. */
const IDEMPOTENT_METHODS = new Set(['GET', 'HEAD', 'PUT', 'PATCH']);

/**
 * Whether a failed call may be sent again. A reset, a timeout or a 5xx can come after the server applied a
 * create or a delete; repeating those blindly would turn "created" into "AlreadyExists" or delete something
 * recreated meanwhile, so they are retried only when the request certainly was not applied.
 */
export function isRetryableKubeError(err: unknown, method: string): boolean {
  if (IDEMPOTENT_METHODS.has(method.toUpperCase())) {
    if (err instanceof KubeApiError) return TRANSIENT_STATUS.has(err.statusCode);
    return err instanceof KubeConnectionError && TRANSIENT_CODES.has(err.code);
  }
  if (err instanceof KubeApiError) return NOT_APPLIED_STATUS.has(err.statusCode) || ACCOUNT_NOT_READY.test(err.message);
  return err instanceof KubeConnectionError && NOT_APPLIED_CODES.has(err.code);
}

/**
 * The ServiceAccount admission plugin refuses a pod in a namespace created a moment ago, until the controllers have
 * made its `default` account and token: refused at admission, so certainly not applied, and gone within seconds.
 */
const ACCOUNT_NOT_READY = /No API token found for service account|error looking up service account/;

export interface RequestOptions {
  query?: Record<string, string | number | boolean | undefined>;
  body?: unknown;
  contentType?: string;
  /** The Accept header; plain JSON by default. */
  accept?: string;
  timeoutMs?: number;
  retry?: RetryPolicy | false;
}

/**
 * Long enough to ride out an API server restart (it refuses connections for a few seconds, then answers 5-10 s
 * after it started): 8 attempts, backing off from 250 ms to 8 s, 12-24 s in all. Only what is safe to repeat is
 * retried (isRetryableKubeError).
 */
export const KUBE_RETRY: RetryPolicy = { attempts: 8, baseDelayMs: 250, maxDelayMs: 8000 };

/** How long one computation of the request credentials is reused. */
const AUTH_REUSE_MS = 1_000;

interface Connection {
  agent: http.Agent;
  headers: http.OutgoingHttpHeaders;
}

/**
 * Raw-JSON REST calls to one API server. Authentication is client-node's (tokens, client certificates, exec
 * plugins such as aws-iam-authenticator or gke-gcloud-auth-plugin, in-cluster files), worked out again every second
 * so refreshed tokens are picked up; the bodies are ours, untouched by generated model classes that drop fields.
 */
export class KubeHttpClient {
  private agent?: http.Agent;
  #connection?: Promise<Connection>;
  readonly server: URL;

  constructor(
    private readonly kc: KubeConfig,
    private readonly retryPolicy: RetryPolicy = KUBE_RETRY,
    private readonly defaultTimeoutMs = 60_000
  ) {
    const cluster = kc.getCurrentCluster();
    if (!cluster) throw new Error('kubeconfig has no current cluster');
    this.server = new URL(cluster.server);
  }

  async request<T>(method: string, path: string, options: RequestOptions = {}): Promise<T> {
    return (await this.sizedRequest<T>(method, path, options)).body;
  }

  /** As request, with the size of the response's body in bytes (a LIST sizes its next page by it). */
  async sizedRequest<T>(method: string, path: string, options: RequestOptions = {}): Promise<{ body: T; bytes: number }> {
    const policy = options.retry === false ? { ...this.retryPolicy, attempts: 1 } : (options.retry ?? this.retryPolicy);
    return retry(
      () => this.once<T>(method, path, options),
      (err) => isRetryableKubeError(err, method),
      policy,
      (err) => (err instanceof KubeApiError && err.retryAfterSeconds ? err.retryAfterSeconds * 1000 : undefined)
    );
  }

  /** Request options with TLS material and fresh auth headers, for this client's calls and for exec's websocket. */
  async authOptions(): Promise<https.RequestOptions> {
    const options: https.RequestOptions = { headers: {} };
    await this.kc.applyToHTTPSOptions(options);
    return options;
  }

  private connection(): Promise<Connection> {
    // Reused for a moment, not per call: working out the credentials each time cost a restore 2% of its CPU,
    // and a second is far shorter than any token's life, so refreshed tokens are still picked up.
    if (!this.#connection) {
      const pending = this.newConnection();
      this.#connection = pending;
      const forget = () => {
        if (this.#connection === pending) this.#connection = undefined;
      };
      setTimeout(forget, AUTH_REUSE_MS).unref();
      // A failure is not reused: the next call asks again.
      pending.catch(forget);
    }
    return this.#connection;
  }

  private async newConnection(): Promise<Connection> {
    const auth = await this.authOptions();
    if (!this.agent) {
      const tls = { ca: auth.ca, cert: auth.cert, key: auth.key, rejectUnauthorized: auth.rejectUnauthorized, servername: auth.servername };
      // One keep-alive pool per server: parallel lists and creates reuse connections instead of a TLS handshake each.
      this.agent = this.server.protocol === 'https:' ? new https.Agent({ ...tls, keepAlive: true, maxSockets: 64 }) : new http.Agent({ keepAlive: true, maxSockets: 64 });
    }
    const headers: http.OutgoingHttpHeaders = { ...(auth.headers as http.OutgoingHttpHeaders) };
    if (auth.auth) headers.authorization = `Basic ${Buffer.from(auth.auth).toString('base64')}`;
    return { agent: this.agent, headers };
  }

  url(path: string, query?: RequestOptions['query']): URL {
    // Keep a path prefix in the server URL (Rancher and other proxies serve clusters under one).
    const base = this.server.pathname.replace(/\/$/, '');
    const url = new URL(this.server.origin + base + path);
    for (const [key, value] of Object.entries(query ?? {})) {
      if (value !== undefined && value !== '') url.searchParams.set(key, String(value));
    }
    return url;
  }

  private async once<T>(method: string, path: string, options: RequestOptions): Promise<{ body: T; bytes: number }> {
    const { agent, headers } = await this.connection();
    const url = this.url(path, options.query);
    const payload = options.body === undefined ? undefined : Buffer.from(JSON.stringify(options.body));
    const requestHeaders: http.OutgoingHttpHeaders = { ...headers, accept: options.accept ?? 'application/json' };
    if (payload) {
      requestHeaders['content-type'] = options.contentType ?? 'application/json';
      requestHeaders['content-length'] = payload.length;
    }
    const transport = url.protocol === 'https:' ? https : http;

    return new Promise<{ body: T; bytes: number }>((resolve, reject) => {
      const req = transport.request(url, { method, agent, headers: requestHeaders, timeout: options.timeoutMs ?? this.defaultTimeoutMs }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('error', (err) => reject(connectionError(err, url)));
        res.on('end', () => {
          const raw = Buffer.concat(chunks);
          const text = raw.toString('utf8');
          const status = res.statusCode ?? 0;
          if (status >= 200 && status < 300) {
            try {
              resolve({ body: (text ? JSON.parse(text) : undefined) as T, bytes: raw.length });
            } catch {
              reject(new KubeApiError(status, 'InvalidResponse', `${method} ${url.pathname}: the server sent a body that is not JSON`, method, path));
            }
            return;
          }
          reject(apiError(status, text, method, path, res.headers['retry-after']));
        });
      });
      req.on('timeout', () => req.destroy(Object.assign(new Error(`no answer within ${(options.timeoutMs ?? this.defaultTimeoutMs) / 1000}s`), { code: 'ETIMEDOUT' })));
      req.on('error', (err) => reject(connectionError(err, url)));
      req.end(payload);
    });
  }

  close(): void {
    this.agent?.destroy();
  }
}

function connectionError(err: Error, url: URL): KubeConnectionError {
  const code = (err as NodeJS.ErrnoException).code ?? 'ECONN';
  return new KubeConnectionError(code, `cannot reach the Kubernetes API server at ${url.origin}: ${err.message}`);
}

function apiError(statusCode: number, text: string, method: string, path: string, retryAfter: string | string[] | undefined): KubeApiError {
  let status: Record<string, unknown> | undefined;
  try {
    status = JSON.parse(text) as Record<string, unknown>;
  } catch {
    status = undefined;
  }
  const isStatus = status?.kind === 'Status';
  const reason = (isStatus && typeof status!.reason === 'string' && status!.reason) || reasonFor(statusCode);
  const message = (isStatus && typeof status!.message === 'string' && status!.message) || `${method} ${path}: HTTP ${statusCode}${text ? ` ${text.slice(0, 200)}` : ''}`;
  const seconds = Number(Array.isArray(retryAfter) ? retryAfter[0] : retryAfter);
  return new KubeApiError(statusCode, reason, message, method, path, Number.isFinite(seconds) && seconds > 0 ? seconds : undefined, isStatus ? status : undefined);
}

function reasonFor(statusCode: number): string {
  const reasons: Record<number, string> = { 401: 'Unauthorized', 403: 'Forbidden', 404: 'NotFound', 405: 'MethodNotAllowed', 409: 'Conflict', 410: 'Expired', 422: 'Invalid', 429: 'TooManyRequests' };
  return reasons[statusCode] ?? (statusCode >= 500 ? 'InternalError' : 'Unknown');
}
