import net from 'node:net';
import { reusableLoopbackPort } from './free-port.js';

/**
 * How a cut proxy treats new connections: `refuse` closes its port (ECONNREFUSED, as when the server's process is
 * gone); `reset` accepts and resets each one at once (ECONNRESET), and counts them, so a test can tell its client
 * really tried while the proxy was cut.
 */
export type CutMode = 'refuse' | 'reset';

/**
 * A TCP forwarder on 127.0.0.1 in front of one server, for faults a test must keep to itself: the servers of the
 * environment are shared, so they are never stopped; a client pointed at this proxy sees them go away instead.
 */
export class TcpProxy {
  /** Bytes sent from clients towards the server, over the proxy's life. */
  bytesUp = 0;
  /** Connections reset at once while cut in `reset` mode. */
  resets = 0;
  private readonly sockets = new Set<net.Socket>();
  private state: 'open' | CutMode = 'open';
  private readonly server: net.Server;

  private constructor(
    readonly port: number,
    private readonly target: { host: string; port: number }
  ) {
    this.server = net.createServer((client) => this.accept(client));
  }

  static async start(target: { host: string; port: number }): Promise<TcpProxy> {
    const proxy = new TcpProxy(await reusableLoopbackPort(), target);
    await proxy.listen();
    return proxy;
  }

  /** `http://127.0.0.1:<port>`, or with another scheme. */
  url(scheme = 'http'): string {
    return `${scheme}://127.0.0.1:${this.port}`;
  }

  /** Resets every open connection (both ends) and turns new ones away until restore(). */
  async cut(mode: CutMode = 'refuse'): Promise<void> {
    const wasListening = this.state !== 'refuse';
    this.state = mode;
    for (const socket of this.sockets) if (!socket.destroyed) socket.resetAndDestroy();
    this.sockets.clear();
    if (mode === 'refuse' && wasListening) await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  /** Forwards again, on the same port. */
  async restore(): Promise<void> {
    const closed = this.state === 'refuse';
    this.state = 'open';
    if (closed) await this.listen();
  }

  async close(): Promise<void> {
    await this.cut('refuse');
  }

  private listen(): Promise<void> {
    return new Promise((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(this.port, '127.0.0.1', () => {
        this.server.off('error', reject);
        resolve();
      });
    });
  }

  private accept(client: net.Socket): void {
    if (this.state !== 'open') {
      this.resets++;
      client.resetAndDestroy();
      return;
    }
    const upstream = net.connect(this.target.port, this.target.host);
    this.sockets.add(client);
    this.sockets.add(upstream);
    // Whatever breaks one side breaks the other with a reset, as a dying server's connections do.
    const fail = () => {
      for (const socket of [client, upstream]) {
        this.sockets.delete(socket);
        if (!socket.destroyed) socket.resetAndDestroy();
      }
    };
    client.on('error', fail);
    upstream.on('error', fail);
    client.on('close', () => this.sockets.delete(client));
    upstream.on('close', () => this.sockets.delete(upstream));
    client.on('data', (chunk: Buffer) => {
      this.bytesUp += chunk.length;
    });
    client.pipe(upstream);
    upstream.pipe(client);
  }
}
