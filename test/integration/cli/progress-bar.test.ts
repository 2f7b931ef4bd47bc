import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { clusterFor, createNamespace, deleteNamespace, refs, sleeperPod, testClaim, waitForPodRunning } from '../../support/cluster.js';
import { runCliInProcess } from '../../support/cli.js';
import { testEnvironment, uniqueName } from '../../support/environment.js';
import { localTestStore } from '../../support/stores.js';
import { FakeTerminal } from '../../support/terminal-screen.js';

// backup create and restore create on a terminal: a live bar on stderr that ends at 100% on a line of its own,
// log lines whole above it, and the result on stdout. The real cluster and a local location.
const env = testEnvironment();
const cluster = clusterFor(env.kubeconfig);
const source = uniqueName('bar-src');
const target = uniqueName('bar-dst');
const withVolume = uniqueName('bar-vol');
const backupName = uniqueName('bar-bk');
const local = localTestStore();
const work = fs.mkdtempSync(path.join(os.tmpdir(), 'kb-cli-bar-'));
const connection = ['--kubeconfig', env.kubeconfig, '--location', local.directory];
const CONFIGMAPS = 12;

beforeAll(async () => {
  await createNamespace(cluster, source, { app: 'cli-bar' });
  for (let i = 0; i < CONFIGMAPS; i++) {
    await cluster.create(refs.configmaps, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: `cm-${i}`, namespace: source }, data: { key: String(i) } });
  }
});

afterAll(async () => {
  for (const namespace of [source, target, withVolume]) await deleteNamespace(cluster, namespace);
  cluster.close();
  await local.cleanup();
  fs.rmSync(work, { recursive: true, force: true });
});

describe('progress on a terminal', () => {
  it('backup create: a bar over the resource types that reaches 100%, the summary on stdout', async () => {
    const terminal = new FakeTerminal();
    const { out, err, code } = await runCliInProcess(['backup', 'create', backupName, ...connection, '--include-namespaces', source, '--lease-wait', '0'], work, {}, { terminal });
    expect(code).toBe(0);
    expect(out).toContain(`Backup ${backupName}: Completed`);
    const lines = terminal.lines();
    const bars = lines.filter((l) => l.startsWith('Backing up '));
    // One bar, left as a line of its own: every redraw went over it rather than below it.
    expect(bars).toHaveLength(1);
    expect(bars[0]).toMatch(/^Backing up █+ 100% \| (\d+)\/\1 resource types \| \d+ items \| \d+ items\/s \| [\d.]+ s/);
    const items = Number(/\| (\d+) items \|/.exec(bars[0]!)![1]);
    expect(items).toBeGreaterThanOrEqual(CONFIGMAPS);
    // The throttled lines are for logs; a terminal with a bar shows the bar instead.
    expect([...lines, ...err.split('\n')].filter((l) => l.startsWith('Progress:'))).toEqual([]);
    // What the run said while the bar showed came out whole above it; the bar is the last line on the terminal.
    expect(lines.slice(-2)).toEqual([expect.stringMatching(new RegExp(`^Backup ${backupName} Completed: ${items} items, 0 errors`)), bars[0]]);
    // Before the first progress, lines print plainly.
    expect(err).toMatch(new RegExp(`^Starting backup ${backupName} `, 'm'));
  });

  it('restore create: a bar over the items, at n/n when done', async () => {
    const terminal = new FakeTerminal();
    const { out, code } = await runCliInProcess(['restore', 'create', ...connection, '--from-backup', backupName, '--namespace-mappings', `${source}:${target}`], work, {}, { terminal });
    expect(code).toBe(0);
    expect(out).toMatch(/Completed/);
    const bars = terminal.lines().filter((l) => l.startsWith('Restoring '));
    expect(bars).toHaveLength(1);
    expect(bars[0]).toMatch(/^Restoring █+ 100% \| (\d+)\/\1 items \| /);
    expect(Number(/\| (\d+)\//.exec(bars[0]!)![1])).toBeGreaterThanOrEqual(CONFIGMAPS);
    expect(await cluster.get(refs.configmaps, `cm-${CONFIGMAPS - 1}`, target)).toBeDefined();
  });

  it('--quiet on a terminal draws no bar', async () => {
    const terminal = new FakeTerminal();
    const { code, err } = await runCliInProcess(['backup', 'create', uniqueName('bar-q'), ...connection, '--include-namespaces', source, '--lease-wait', '0', '--quiet'], work, {}, { terminal });
    expect(code).toBe(0);
    expect(terminal.raw).toBe('');
    expect(err).toBe('');
  });
});

describe('volume copies on a terminal', () => {
  it('backup create: the bar counts the bytes of the claim copies', async () => {
    await createNamespace(cluster, withVolume);
    await cluster.create(refs.pvcs, testClaim(withVolume, 'data', { size: '64Mi' }));
    await cluster.create(refs.pods, sleeperPod(withVolume, 'app', env.image, { annotations: { 'backup.velero.io/backup-volumes': 'data' } }, 'data'));
    await waitForPodRunning(cluster, withVolume, 'app');
    const wrote = await cluster.exec({ namespace: withVolume, pod: 'app', container: 'main' }, ['sh', '-c', 'dd if=/dev/urandom of=/data/noise.bin bs=1048576 count=24 2>/dev/null']);
    expect(wrote.exitCode).toBe(0);

    const terminal = new FakeTerminal();
    const { out, code } = await runCliInProcess(['backup', 'create', uniqueName('bar-vbk'), ...connection, '--include-namespaces', withVolume, '--lease-wait', '0'], work, {}, { terminal });
    expect(code).toBe(0);
    expect(out).toContain('Completed');
    // 24 MiB of noise and the tar stream's headers; no copy still running at the end. (All lines compared, so a
    // failure shows the whole screen.)
    const lines = terminal.lines();
    expect(lines).toEqual([...lines.slice(0, -1), expect.stringMatching(/^Backing up █+ 100% \| .* \| volumes 24(\.\d)? MiB \| [\d.]+ s$/)]);
  });
});
