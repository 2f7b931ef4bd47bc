import fs from 'node:fs';
import net from 'node:net';

// Ports of the local environment (scripts/env/lib.sh) sit below this range; 24000+ is clear of all of them.
const LOWEST = 24_000;

/**
 * A loopback TCP port that is free now and can be bound again after its server closes it. Picked below the kernel's
 * ephemeral range: a port from that range, once closed, may be handed to some outgoing connection in the meantime,
 * and a restarted server (an API server, a proxy that was cut) could then not listen on it again.
 */
export async function reusableLoopbackPort(): Promise<number> {
  const highest = ephemeralRangeStart() - 1;
  for (let attempt = 0; attempt < 50; attempt++) {
    const port = LOWEST + Math.floor(Math.random() * (highest - LOWEST));
    if (await canListen(port)) return port;
  }
  throw new Error(`no free loopback port found between ${LOWEST} and ${highest}`);
}

function ephemeralRangeStart(): number {
  try {
    const low = Number(fs.readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/)[0]);
    return Number.isInteger(low) && low > LOWEST + 1000 ? low : 32_768;
  } catch {
    return 32_768; // Linux's default
  }
}

function canListen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = net.createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}
