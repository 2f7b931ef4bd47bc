import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from '@jest/globals';
import { KubeConfig } from '@kubernetes/client-node';
import { isRetryableKubeError, KubeApiError, KubeHttpClient } from '../../../src/kube/http.js';

/**
 * A stand-in for an API server under faults (a test double): it answers each request with the next scripted
 * status, recording what it was sent, so retries can be counted exactly.
 */
async function faultyServer(script: { status: number; headers?: Record<string, string> }[]): Promise<{ client: KubeHttpClient; seen: { method: string; at: number }[]; close: () => void }> {
  const seen: { method: string; at: number }[] = [];
  const server = http.createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      seen.push({ method: req.method!, at: performance.now() });
      const next = script[Math.min(seen.length - 1, script.length - 1)]!;
      const body = next.status < 300 ? '{"kind":"ConfigMap","metadata":{"name":"x"}}' : `{"kind":"Status","code":${next.status},"reason":"Scripted","message":"scripted ${next.status}"}`;
      res.writeHead(next.status, { 'content-type': 'application/json', ...next.headers }).end(body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const kc = new KubeConfig();
  kc.loadFromOptions({
    clusters: [{ name: 'c', server: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, skipTLSVerify: true }],
    users: [{ name: 'u', token: 't' }],
    contexts: [{ name: 'x', cluster: 'c', user: 'u' }],
    currentContext: 'x'
  });
  const client = new KubeHttpClient(kc, { attempts: 4, baseDelayMs: 10, maxDelayMs: 20 });
  return { client, seen, close: () => (client.close(), server.close()) };
}

let close: (() => void) | undefined;
afterEach(() => close?.());

describe('retries against a failing API server', () => {
  it('retries a read through 5xx answers', async () => {
    const fake = await faultyServer([{ status: 500 }, { status: 503 }, { status: 200 }]);
    close = fake.close;
    await expect(fake.client.request('GET', '/api/v1/namespaces/n/configmaps/x')).resolves.toMatchObject({ metadata: { name: 'x' } });
    expect(fake.seen.map((s) => s.method)).toEqual(['GET', 'GET', 'GET']);
  });

  it('waits as long as a 429 Retry-After asks before trying again', async () => {
    const fake = await faultyServer([{ status: 429, headers: { 'retry-after': '1' } }, { status: 201 }]);
    close = fake.close;
    await fake.client.request('POST', '/api/v1/namespaces/n/configmaps', { body: {} });
    expect(fake.seen.length).toBe(2);
    expect(fake.seen[1]!.at - fake.seen[0]!.at).toBeGreaterThanOrEqual(950);
  });

  it.each(['POST', 'DELETE'])('never sends a %s again after an answer that may follow its effect (5xx)', async (method) => {
    const fake = await faultyServer([{ status: 500 }, { status: 200 }]);
    close = fake.close;
    await expect(fake.client.request(method, '/api/v1/namespaces/n/configmaps', { body: {} })).rejects.toBeInstanceOf(KubeApiError);
    expect(fake.seen.map((s) => s.method)).toEqual([method]);
  });

  it('gives up on a call that gets no answer within its timeout', async () => {
    const server = http.createServer(() => undefined);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const kc = new KubeConfig();
    kc.loadFromOptions({ clusters: [{ name: 'c', server: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, skipTLSVerify: true }], users: [{ name: 'u', token: 't' }], contexts: [{ name: 'x', cluster: 'c', user: 'u' }], currentContext: 'x' });
    const client = new KubeHttpClient(kc, { attempts: 1, baseDelayMs: 10, maxDelayMs: 20 });
    close = () => (client.close(), server.closeAllConnections(), server.close());
    await expect(client.request('GET', '/api/v1/namespaces', { timeoutMs: 300 })).rejects.toThrow(/no answer within 0.3s/);
  });
});

describe('a create refused until the namespace has its ServiceAccount', () => {
  it.each([
    [new KubeApiError(500, 'ServerTimeout', 'No API token found for service account "default", retry after the token is automatically created and added to the service account', 'POST', '/api/v1/namespaces/n/pods'), true],
    [new KubeApiError(403, 'Forbidden', 'pods "p" is forbidden: error looking up service account n/default: serviceaccount "default" not found', 'POST', '/api/v1/namespaces/n/pods'), true],
    [new KubeApiError(500, 'InternalError', 'etcdserver: request timed out', 'POST', '/api/v1/namespaces/n/pods'), false]
  ])('is retried when admission refused it (certainly not applied): %s', (err, retried) => {
    expect(isRetryableKubeError(err, 'POST')).toBe(retried);
  });
});
