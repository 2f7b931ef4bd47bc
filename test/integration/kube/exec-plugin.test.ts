import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from '@jest/globals';
import { KubeCluster } from '../../../src/kube/kube-cluster.js';
import { loadKubeConfig } from '../../../src/kube/kubeconfig.js';
import { testEnvironment } from '../../support/environment.js';

/**
 * EKS and GKE kubeconfigs hold no token: they name a program (aws eks get-token, gke-gcloud-auth-plugin) that
 * prints an ExecCredential. Here a shell script plays that program with the test cluster's real token.
 */
describe('an exec credential plugin', () => {
  it('authenticates every call with the token the plugin prints', async () => {
    const env = testEnvironment();
    const original = fs.readFileSync(env.kubeconfig, 'utf8');
    const token = /token: (\S+)/.exec(original)?.[1];
    expect(token).toBeDefined();
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'exec-plugin-'));
    const plugin = path.join(dir, 'get-token');
    const calls = path.join(dir, 'calls');
    fs.writeFileSync(
      plugin,
      `#!/bin/sh\necho called >> ${calls}\necho '{"apiVersion":"client.authentication.k8s.io/v1beta1","kind":"ExecCredential","status":{"token":"${token}"}}'\n`,
      { mode: 0o700 }
    );
    const kubeconfig = original.replace(/^(\s*)token: \S+$/m, (_, indent: string) => `${indent}exec:\n${indent}  apiVersion: client.authentication.k8s.io/v1beta1\n${indent}  command: ${plugin}\n${indent}  interactiveMode: Never`);
    const cluster = new KubeCluster(loadKubeConfig({ kind: 'content', content: kubeconfig }));
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
