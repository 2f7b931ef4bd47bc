import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from '@jest/globals';
import { repoRoot, testEnvironment } from '../../support/environment.js';

/**
 * `npm run demo`, the README's first command, run as a newcomer runs it (the bundled CLI, kubectl, the local
 * cluster): it must end with the app running and its volume's data back.
 */
const env = testEnvironment();
const location = fs.mkdtempSync(path.join(os.tmpdir(), 'kb-demo-'));
afterAll(() => {
  fs.rmSync(location, { recursive: true, force: true });
  spawnSync(env.kubectl, ['--kubeconfig', env.kubeconfig, 'delete', 'namespace', 'demo-shop', '--ignore-not-found', '--wait=false']);
});

describe('npm run demo', () => {
  it('backs up the sample app, deletes its namespace, restores it, and finds it running with its data', () => {
    const run = spawnSync(path.join(repoRoot, 'scripts/demo.sh'), [], { cwd: repoRoot, encoding: 'utf8', env: { ...process.env, DEMO_LOCATION: location }, timeout: 600_000 });
    const log = run.stdout + run.stderr;
    expect({ status: run.status, log: run.status === 0 ? '' : log }).toEqual({ status: 0, log: '' });
    expect(log).toMatch(/Demo complete:[\s\S]*data {5}the volume holds 'order-\d+', as before the namespace was deleted/);
    expect(fs.readdirSync(path.join(location, 'backups'))).toEqual([expect.stringMatching(/^demo-\d{14}$/)]);
  }, 600_000);
});
