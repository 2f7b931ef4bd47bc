import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from '@jest/globals';
import { parse } from 'yaml';
import { KubeCluster } from '../../../src/kube/kube-cluster.js';
import { loadKubeConfig } from '../../../src/kube/kubeconfig.js';
import { testEnvironment } from '../../support/environment.js';

interface KubeconfigUser {
  token?: string;
  'client-certificate-data'?: string;
  'client-key-data'?: string;
}

/** The ExecCredential status a plugin would print for the credentials this kubeconfig holds, token or certificate. */
function credentialOf(kubeconfig: string): Record<string, string> {
  const user = (parse(kubeconfig) as { users: { user: KubeconfigUser }[] }).users[0]!.user;
  if (user.token) return { token: user.token };
  const pem = (data: string | undefined) => Buffer.from(data ?? '', 'base64').toString('utf8');
  if (user['client-certificate-data']) return { clientCertificateData: pem(user['client-certificate-data']), clientKeyData: pem(user['client-key-data']) };
  throw new Error('the test kubeconfig holds neither a token nor a client certificate');
}

/** The same kubeconfig with its user's credentials replaced by an exec plugin. */
function withExecPlugin(kubeconfig: string, plugin: string): string {
  const config = parse(kubeconfig) as { users: { user: Record<string, unknown> }[] };
  config.users[0]!.user = { exec: { apiVersion: 'client.authentication.k8s.io/v1beta1', command: plugin, interactiveMode: 'Never' } };
  return JSON.stringify(config);
}

/**
 * EKS and GKE kubeconfigs hold no credentials: they name a program (aws eks get-token, gke-gcloud-auth-plugin) that
 * prints an ExecCredential. Here a shell script plays that program with the test cluster's real credentials, for a
 * token-based and a certificate-based admin kubeconfig alike (kind's is certificate-based).
 */
/** The client-certificate kubeconfig, which `npm run env:up` writes (restart an environment started before it did). */
function certKubeconfig(): string {
  const file = testEnvironment().kubeconfigCert;
  if (!file) throw new Error("no KUBECONFIG_CERT in .local-env/env.sh: restart the environment with 'npm run env:down && npm run env:up'");
  return file;
}

describe('an exec credential plugin', () => {
  const env = testEnvironment();
  it.each([
    ['the admin kubeconfig', env.kubeconfig],
    ['the client-certificate kubeconfig', undefined]
  ])('authenticates every call with the credential the plugin prints, for %s', async (_what, kubeconfigPath) => {
    const original = fs.readFileSync(kubeconfigPath ?? certKubeconfig(), 'utf8');
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'exec-plugin-'));
    const plugin = path.join(dir, 'get-credential');
    const calls = path.join(dir, 'calls');
    const credential = JSON.stringify({ apiVersion: 'client.authentication.k8s.io/v1beta1', kind: 'ExecCredential', status: credentialOf(original) });
    fs.writeFileSync(path.join(dir, 'credential.json'), credential, { mode: 0o600 });
    fs.writeFileSync(plugin, `#!/bin/sh\necho called >> ${calls}\ncat ${path.join(dir, 'credential.json')}\n`, { mode: 0o700 });
    const cluster = new KubeCluster(loadKubeConfig({ kind: 'content', content: withExecPlugin(original, plugin) }));
    try {
      await expect(cluster.verifyAccess()).resolves.toEqual({ gitVersion: expect.stringMatching(/^v1\./) });
      const names: string[] = [];
      for await (const ns of cluster.list({ group: '', version: 'v1', resource: 'namespaces', namespaced: false })) names.push(ns.metadata.name!);
      expect(names).toContain('kube-system');
      expect(fs.readFileSync(calls, 'utf8')).toMatch(/called/);
    } finally {
      cluster.close();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('a client-certificate kubeconfig', () => {
  it('authenticates with the certificate and key it holds', async () => {
    const content = fs.readFileSync(certKubeconfig(), 'utf8');
    expect(credentialOf(content)).toHaveProperty('clientCertificateData');
    const cluster = new KubeCluster(loadKubeConfig({ kind: 'content', content }));
    try {
      await expect(cluster.verifyAccess()).resolves.toEqual({ gitVersion: expect.stringMatching(/^v1\./) });
      expect((await cluster.get({ group: '', version: 'v1', resource: 'namespaces', namespaced: false }, 'kube-system'))?.metadata.name).toBe('kube-system');
    } finally {
      cluster.close();
    }
  });
});
