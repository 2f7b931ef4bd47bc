import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from '@jest/globals';
import { kubeconfigSecrets, loadKubeConfig } from '../../../src/kube/kubeconfig.js';

const TOKEN = 'sekret-token-value-123';
const twoContexts = `
apiVersion: v1
kind: Config
clusters:
- name: a
  cluster: { server: https://a.example:6443, insecure-skip-tls-verify: true }
- name: b
  cluster: { server: https://b.example:6443 }
users:
- name: admin
  user: { token: ${TOKEN} }
- name: eks
  user:
    exec:
      apiVersion: client.authentication.k8s.io/v1beta1
      command: aws
      args: [eks, get-token]
      env: [{ name: AWS_PROFILE, value: prod-profile }]
contexts:
- name: ctx-a
  context: { cluster: a, user: admin }
- name: ctx-b
  context: { cluster: b, user: eks }
current-context: ctx-a
`;

const load = (content: string, context?: string) => loadKubeConfig({ kind: 'content', content }, context);

describe('loadKubeConfig', () => {
  it('selects the current context, or the one asked for', () => {
    expect(load(twoContexts).getCurrentCluster()?.server).toBe('https://a.example:6443');
    expect(load(twoContexts, 'ctx-b').getCurrentCluster()?.server).toBe('https://b.example:6443');
  });

  it('uses the only context when current-context is unset', () => {
    const single = twoContexts.replace('current-context: ctx-a', '').replace(/- name: ctx-b\n  context: \{ cluster: b, user: eks \}\n/, '');
    expect(load(single).getCurrentContext()).toBe('ctx-a');
  });

  it.each([
    ['', undefined, /^Input 'kubeconfig': the kubeconfig input is empty/],
    ['clusters: [unclosed', undefined, /^Input 'kubeconfig': the kubeconfig input is not valid YAML \(line 1, column/],
    ['just a string', undefined, /is not a kubeconfig \(expected a YAML mapping/],
    [twoContexts, 'ctx-c', /^Input 'context': no context 'ctx-c' in the kubeconfig. Use one of: ctx-a, ctx-b$/],
    [twoContexts.replace('current-context: ctx-a', 'current-context: gone'), undefined, /^Input 'context': the kubeconfig's current-context 'gone' does not exist/],
    [twoContexts.replace('cluster: a, user: admin', 'cluster: zzz, user: admin'), undefined, /names cluster 'zzz', which the kubeconfig does not define/]
  ])('refuses a bad kubeconfig with one clear message (%#)', (content, context, message) => {
    expect(() => load(content, context)).toThrow(message);
  });

  it('never echoes the content in errors', () => {
    const broken = twoContexts.replace('current-context: ctx-a', `current-context: [${TOKEN}`);
    let message = '';
    try {
      load(broken);
    } catch (err) {
      message = (err as Error).message;
    }
    expect(message).toMatch(/not valid YAML/);
    expect(message).not.toContain(TOKEN);
  });

  it('reads files relative to their own directory and merges a KUBECONFIG list, first file winning', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kubeconfig-'));
    const first = path.join(dir, 'first');
    const second = path.join(dir, 'second');
    fs.writeFileSync(first, twoContexts.replace('insecure-skip-tls-verify: true', 'certificate-authority: ca.crt'));
    fs.writeFileSync(second, twoContexts.replace(/ctx-a/g, 'ctx-x').replace(/name: a\b/, 'name: x').replace('cluster: a,', 'cluster: x,'));
    const kc = loadKubeConfig({ kind: 'files', paths: [first, second] });
    expect(kc.getCurrentContext()).toBe('ctx-a');
    expect(kc.getContexts().map((c) => c.name)).toEqual(expect.arrayContaining(['ctx-a', 'ctx-b', 'ctx-x']));
    expect(kc.getCluster('a')?.caFile).toBe(path.join(dir, 'ca.crt'));
    expect(() => loadKubeConfig({ kind: 'files', paths: [path.join(dir, 'nope')] })).toThrow(/^Input 'kubeconfig': cannot read '.*nope': ENOENT/);
  });
});

describe('kubeconfigSecrets', () => {
  it('finds tokens and exec env values to mask', () => {
    expect(kubeconfigSecrets(twoContexts)).toEqual(expect.arrayContaining([TOKEN, 'prod-profile']));
    expect(kubeconfigSecrets(twoContexts)).not.toContain('https://a.example:6443');
  });
});
