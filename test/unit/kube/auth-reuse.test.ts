import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it, jest } from '@jest/globals';
import { KubeConfig } from '@kubernetes/client-node';
import { KubeHttpClient } from '../../../src/kube/http.js';

/** A local HTTP server that records the Authorization header of every request (a test double of an API server). */
async function recordingServer(): Promise<{ kc: KubeConfig; seen: string[]; close: () => void }> {
  const seen: string[] = [];
  const server = http.createServer((req, res) => {
    seen.push(String(req.headers.authorization));
    req.resume();
    req.on('end', () => res.writeHead(200, { 'content-type': 'application/json' }).end('{"kind":"Status"}'));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const kc = new KubeConfig();
  kc.loadFromOptions({
    clusters: [{ name: 'c', server: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, skipTLSVerify: true }],
    users: [{ name: 'u', token: 'first' }],
    contexts: [{ name: 'x', cluster: 'c', user: 'u' }],
    currentContext: 'x'
  });
  return { kc, seen, close: () => server.close() };
}

let cleanup: (() => void) | undefined;
afterEach(() => cleanup?.());

describe('request credentials', () => {
  it('are worked out once for a burst of requests, and again after a second, so a refreshed token is used', async () => {
    const fake = await recordingServer();
    const client = new KubeHttpClient(fake.kc);
    cleanup = () => (client.close(), fake.close());
    const apply = jest.spyOn(fake.kc, 'applyToHTTPSOptions');
    await Promise.all(Array.from({ length: 20 }, () => client.request('GET', '/api')));
    expect(apply).toHaveBeenCalledTimes(1);
    expect(new Set(fake.seen)).toEqual(new Set(['Bearer first']));

    // The token changes (an exec plugin's refresh, a rotated in-cluster token file): the next second's calls carry it.
    (fake.kc.getCurrentUser() as { token?: string }).token = 'second';
    await new Promise((resolve) => setTimeout(resolve, 1_100));
    await client.request('GET', '/api');
    expect(fake.seen.at(-1)).toBe('Bearer second');
    expect(apply).toHaveBeenCalledTimes(2);
  });

  it('that could not be worked out are not reused: the next call asks again', async () => {
    const fake = await recordingServer();
    const client = new KubeHttpClient(fake.kc, { attempts: 1, baseDelayMs: 1, maxDelayMs: 1 });
    cleanup = () => (client.close(), fake.close());
    jest.spyOn(fake.kc, 'applyToHTTPSOptions').mockRejectedValueOnce(new Error('exec plugin failed'));
    await expect(client.request('GET', '/api')).rejects.toThrow('exec plugin failed');
    await expect(client.request('GET', '/api')).resolves.toBeDefined();
    expect(fake.seen).toEqual(['Bearer first']);
  });
});
