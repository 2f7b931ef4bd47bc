import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import { X509Certificate, randomBytes } from 'node:crypto';
import fs from 'node:fs';
import https from 'node:https';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { reusableLoopbackPort } from './free-port.js';
import { repoRoot, testEnvironment } from './environment.js';

const STATE = path.join(repoRoot, '.local-env');
const PKI = path.join(STATE, 'pki');
/** Cluster A's token file: its admin token is what the environment's kubeconfig-a authenticates with. */
const TOKENS = path.join(STATE, 'config', 'tokens-a.csv');
const START_TIMEOUT_MS = 90_000;
const STOP_GRACE_MS = 20_000;

/** Why no private API server can be started here (external servers, no local environment), or undefined. */
export function whyNoPrivateApiServer(): string | undefined {
  const bin = testEnvironment().kubeBinDir;
  if (!bin || !fs.existsSync(path.join(bin, 'kube-apiserver'))) return 'no kube-apiserver binary (KUBE_BIN_DIR): these servers are not the local environment';
  for (const file of [path.join(PKI, 'ca.crt'), path.join(PKI, 'ca.key'), path.join(PKI, 'sa-a.key'), path.join(PKI, 'sa-a.pub'), TOKENS]) {
    if (!fs.existsSync(file)) return `${path.relative(repoRoot, file)} is missing`;
  }
  return undefined;
}

/**
 * A kube-apiserver of its own for one test suite, started from the environment's binaries on a port of its own,
 * storing under an etcd prefix of its own (`/fault-<random>`) on the environment's etcd: a separate cluster (as
 * cluster B is), so a suite may stop, kill and restart it while every other suite goes on against clusters A and B.
 * It reuses the environment's CA, serving certificate (when it names 127.0.0.1) and service-account keys, and takes
 * cluster A's admin token. Only the API server runs: no controller-manager, so no namespace gets its `default`
 * ServiceAccount, and a deleted namespace stays Terminating (dispose() removes the whole prefix instead).
 */
export class PrivateApiServer {
  /** How many times the process was started. */
  starts = 0;
  private child: ChildProcess | undefined;
  private exited: Promise<void> = Promise.resolve();
  private readonly killOnExit = () => this.child?.kill('SIGKILL');

  private constructor(
    readonly port: number,
    readonly etcdPrefix: string,
    private readonly dir: string,
    private readonly args: string[],
    private readonly token: string,
    private readonly caPem: string
  ) {}

  /** Starts one and waits until it is ready. */
  static async launch(): Promise<PrivateApiServer> {
    const reason = whyNoPrivateApiServer();
    if (reason) throw new Error(`cannot start a private API server: ${reason}`);
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kb-apiserver-'));
    const port = await reusableLoopbackPort();
    const etcdPrefix = `/fault-${randomBytes(4).toString('hex')}`;
    const { cert, key } = servingCertificate(dir);
    const args = [
      `--etcd-servers=${etcdUrl()}`,
      `--etcd-prefix=${etcdPrefix}`,
      '--bind-address=127.0.0.1',
      '--advertise-address=127.0.0.1',
      `--secure-port=${port}`,
      '--insecure-port=0',
      `--cert-dir=${dir}`,
      `--tls-cert-file=${cert}`,
      `--tls-private-key-file=${key}`,
      `--token-auth-file=${TOKENS}`,
      `--client-ca-file=${path.join(PKI, 'ca.crt')}`,
      '--authorization-mode=RBAC',
      '--service-account-issuer=https://kubernetes.default.svc',
      `--service-account-signing-key-file=${path.join(PKI, 'sa-a.key')}`,
      `--service-account-key-file=${path.join(PKI, 'sa-a.pub')}`,
      // Another range than A's and B's, only so that its Service IPs are never mistaken for theirs.
      '--service-cluster-ip-range=10.99.0.0/16'
    ];
    const server = new PrivateApiServer(port, etcdPrefix, dir, args, adminToken(), fs.readFileSync(path.join(PKI, 'ca.crt'), 'utf8'));
    process.on('exit', server.killOnExit);
    try {
      await server.start();
    } catch (err) {
      await server.dispose();
      throw err;
    }
    return server;
  }

  get url(): string {
    return `https://127.0.0.1:${this.port}`;
  }

  /** An admin kubeconfig for this server. */
  get kubeconfig(): string {
    return this.kubeconfigVia(this.port);
  }

  /** An admin kubeconfig reaching this server through another local port (a TcpProxy in front of it). */
  kubeconfigVia(port: number): string {
    const file = path.join(this.dir, `kubeconfig-${port}`);
    if (!fs.existsSync(file)) fs.writeFileSync(file, kubeconfigYaml(`https://127.0.0.1:${port}`, this.caPem, this.token), { mode: 0o600 });
    return file;
  }

  get running(): boolean {
    return this.child !== undefined;
  }

  /**
   * Starts the process (same port, same etcd prefix: the same cluster, data and all) and waits until it accepts
   * connections (`listening`: it does so seconds before it answers them; requests sent meanwhile wait) or is ready.
   */
  async start(until: 'listening' | 'ready' = 'ready'): Promise<void> {
    if (this.child) throw new Error(`the private API server on ${this.url} is already running`);
    const log = fs.openSync(path.join(this.dir, 'kube-apiserver.log'), 'a');
    const child = spawn(path.join(testEnvironment().kubeBinDir!, 'kube-apiserver'), this.args, { stdio: ['ignore', log, log] });
    fs.closeSync(log);
    this.child = child;
    this.starts++;
    // 'error' without 'exit': the binary could not be started at all.
    this.exited = new Promise<void>((resolve) => {
      child.once('exit', () => resolve());
      child.once('error', () => resolve());
    }).then(() => {
      if (this.child === child) this.child = undefined;
    });
    await this.waitUntil(until === 'ready' ? () => this.isReady() : () => this.isListening(), until);
  }

  /** Resolves once /readyz answers ok. */
  async whenReady(): Promise<void> {
    await this.waitUntil(() => this.isReady(), 'ready');
  }

  /** Stops the process: SIGTERM lets it shut down gracefully (killed if it takes too long), SIGKILL crashes it. */
  async stop(signal: 'SIGTERM' | 'SIGKILL' = 'SIGTERM'): Promise<void> {
    const child = this.child;
    if (!child) return;
    child.kill(signal);
    const grace = setTimeout(() => child.kill('SIGKILL'), STOP_GRACE_MS);
    await this.exited;
    clearTimeout(grace);
  }

  /**
   * Kills the process and deletes its etcd prefix through etcd's JSON gateway (the environment has no etcdctl), so
   * nothing of it stays in the shared etcd; then its files.
   */
  async dispose(): Promise<void> {
    await this.stop('SIGKILL');
    process.off('exit', this.killOnExit);
    await deleteEtcdPrefix(`${this.etcdPrefix}/`);
    fs.rmSync(this.dir, { recursive: true, force: true });
  }

  /** The last lines the server logged, for a failure message. */
  logTail(lines = 20): string {
    const file = path.join(this.dir, 'kube-apiserver.log');
    return fs.existsSync(file) ? fs.readFileSync(file, 'utf8').trimEnd().split('\n').slice(-lines).join('\n') : '';
  }

  private async waitUntil(check: () => Promise<boolean>, what: string): Promise<void> {
    const deadline = Date.now() + START_TIMEOUT_MS;
    for (;;) {
      if (!this.child) throw new Error(`the private API server on ${this.url} exited before it was ${what}:\n${this.logTail()}`);
      if (await check()) return;
      if (Date.now() > deadline) throw new Error(`the private API server on ${this.url} was not ${what} after ${START_TIMEOUT_MS / 1000}s:\n${this.logTail()}`);
      await sleep(100);
    }
  }

  private isListening(): Promise<boolean> {
    return new Promise((resolve) => {
      const socket = net.connect(this.port, '127.0.0.1');
      socket.once('connect', () => {
        socket.destroy();
        resolve(true);
      });
      socket.once('error', () => resolve(false));
    });
  }

  private isReady(): Promise<boolean> {
    return new Promise((resolve) => {
      const req = https.get(`${this.url}/readyz`, { ca: this.caPem, headers: { authorization: `Bearer ${this.token}` }, timeout: 2_000 }, (res) => {
        let body = '';
        res.on('data', (chunk: Buffer) => (body += chunk.toString()));
        res.on('end', () => resolve(res.statusCode === 200 && body.trim() === 'ok'));
        res.on('error', () => resolve(false));
      });
      req.on('timeout', () => req.destroy());
      req.on('error', () => resolve(false));
    });
  }
}

/** The environment's serving certificate when it is valid for 127.0.0.1 (it is, see up.sh make_pki); else a new one from its CA. */
function servingCertificate(dir: string): { cert: string; key: string } {
  const cert = path.join(PKI, 'apiserver-a.crt');
  const key = path.join(PKI, 'apiserver-a.key');
  if (fs.existsSync(cert) && fs.existsSync(key) && new X509Certificate(fs.readFileSync(cert)).checkIP('127.0.0.1')) return { cert, key };
  const own = { cert: path.join(dir, 'serving.crt'), key: path.join(dir, 'serving.key') };
  const csr = path.join(dir, 'serving.csr');
  const ext = path.join(dir, 'serving.ext');
  fs.writeFileSync(ext, 'subjectAltName=IP:127.0.0.1,DNS:localhost\nbasicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature,keyEncipherment\nextendedKeyUsage=serverAuth\n');
  const openssl = (args: string[]) => execFileSync('openssl', args, { stdio: ['ignore', 'ignore', 'pipe'] });
  openssl(['req', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-subj', '/CN=kube-apiserver-private', '-keyout', own.key, '-out', csr]);
  openssl(['x509', '-req', '-in', csr, '-CA', path.join(PKI, 'ca.crt'), '-CAkey', path.join(PKI, 'ca.key'), '-set_serial', `0x${randomBytes(8).toString('hex')}`, '-days', '2', '-extfile', ext, '-out', own.cert]);
  return own;
}

function adminToken(): string {
  const line = fs.readFileSync(TOKENS, 'utf8').split('\n').find((l) => l.split(',')[1] === 'admin');
  if (!line) throw new Error(`${path.relative(repoRoot, TOKENS)} has no admin token`);
  return line.split(',')[0]!;
}

function kubeconfigYaml(server: string, caPem: string, token: string): string {
  const ca = Buffer.from(caPem).toString('base64');
  return [
    'apiVersion: v1',
    'kind: Config',
    'clusters:',
    '- name: private',
    '  cluster:',
    `    server: ${server}`,
    `    certificate-authority-data: ${ca}`,
    'users:',
    '- name: private',
    '  user:',
    `    token: ${token}`,
    'contexts:',
    '- name: private',
    '  context:',
    '    cluster: private',
    '    user: private',
    'current-context: private',
    ''
  ].join('\n');
}

/** The environment's etcd, at the port scripts/env/lib.sh gives it. */
function etcdUrl(): string {
  const lib = fs.readFileSync(path.join(repoRoot, 'scripts', 'env', 'lib.sh'), 'utf8');
  const port = /^ETCD_PORT=(\d+)/m.exec(lib)?.[1];
  if (!port) throw new Error('scripts/env/lib.sh sets no ETCD_PORT');
  return `http://127.0.0.1:${port}`;
}

/** Every key starting with `prefix`: etcd's range end is the prefix with its last byte incremented. */
async function deleteEtcdPrefix(prefix: string): Promise<void> {
  const end = Buffer.from(prefix);
  end[end.length - 1] = end[end.length - 1]! + 1;
  const response = await fetch(`${etcdUrl()}/v3/kv/deleterange`, {
    method: 'POST',
    body: JSON.stringify({ key: Buffer.from(prefix).toString('base64'), range_end: end.toString('base64') })
  });
  if (!response.ok) throw new Error(`etcd refused to delete ${prefix}: HTTP ${response.status} ${await response.text()}`);
}
