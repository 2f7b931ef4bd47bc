import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { runPodHooks } from '../../../src/hooks/run-hooks.js';
import { parseBackupHooksSpec } from '../../../src/settings/hook-specs.js';
import type { KubeCluster } from '../../../src/kube/kube-cluster.js';
import { MemoryLogger } from '../../../src/util/logger.js';
import { clusterFor, createNamespace, deleteNamespace, refs, sleeperPod, waitForPodRunning } from '../../support/cluster.js';
import { testEnvironment, uniqueName } from '../../support/environment.js';
import type { KubeObject } from '../../../src/model/kube-object.js';
import { type BackupHooksSpec } from '../../../src/hooks/hook-types.js';

const env = testEnvironment();
const ns = uniqueName('hooks');
let cluster: KubeCluster;
const pods: Record<string, KubeObject> = {};

const NO_SPEC: BackupHooksSpec = { resources: [] };

beforeAll(async () => {
  cluster = clusterFor(env.kubeconfig);
  await createNamespace(cluster, ns);
  const manifests = [
    sleeperPod(ns, 'annotated', env.image, {
      annotations: {
        'pre.hook.backup.velero.io/command': '["/bin/sh","-c","echo frozen > /tmp/marker; echo froze it"]',
        'post.hook.backup.velero.io/command': '["/bin/sh","-c","echo thawed > /tmp/post-marker"]'
      }
    }),
    sleeperPod(ns, 'db', env.image, { labels: { app: 'db' } }),
    sleeperPod(ns, 'web', env.image, { labels: { app: 'web' } }),
    sleeperPod(ns, 'worker', env.image)
  ];
  await Promise.all(manifests.map((pod) => cluster.create(refs.pods, pod)));
  await Promise.all(
    manifests.map(async ({ metadata: { name } }) => {
      await waitForPodRunning(cluster, ns, name!);
      // The listed object, status included, is what the backup collector hands to runPodHooks.
      pods[name!] = (await cluster.get(refs.pods, name!, ns))!;
    })
  );
});

afterAll(async () => {
  if (cluster) await deleteNamespace(cluster, ns);
});

/** The file's content, or undefined when cat fails (no such file). */
async function readMarker(pod: string, file: string): Promise<string | undefined> {
  const result = await cluster.exec({ namespace: ns, pod, container: 'main' }, ['cat', file], { timeoutMs: 20_000 });
  return result.exitCode === 0 ? result.stdout.trim() : undefined;
}

const sh = (script: string) => ['/bin/sh', '-c', script];
const specOf = (value: unknown) => parseBackupHooksSpec(JSON.stringify(value));

describe('backup hooks on a real cluster', () => {
  it('runs a pre hook from annotations, logging its exit code and output size, not its output', async () => {
    const logger = new MemoryLogger();
    const result = await runPodHooks(cluster, pods.annotated!, 'pre', NO_SPEC, logger);
    expect(result).toEqual({ ran: 1, errors: [], warnings: [] });
    expect(await readMarker('annotated', '/tmp/marker')).toBe('frozen');
    expect(await readMarker('annotated', '/tmp/post-marker')).toBeUndefined();
    expect(logger.lines).toContainEqual({ level: 'info', message: `[${ns}/annotated pre from annotations] exited with code 0 (stdout 9 bytes, stderr 0 bytes)` });
    expect(logger.lines.some((l) => l.message.includes('froze it'))).toBe(false);
    expect(logger.lines.some((l) => l.message.includes('/tmp/marker'))).toBe(false);

    expect(await runPodHooks(cluster, pods.annotated!, 'post', NO_SPEC, logger)).toEqual({ ran: 1, errors: [], warnings: [] });
    expect(await readMarker('annotated', '/tmp/post-marker')).toBe('thawed');
  });

  it('runs a spec hook on the pod its label selector picks and not on the other', async () => {
    const spec = specOf({
      resources: [{ name: 'db-only', includedNamespaces: [ns], labelSelector: { matchLabels: { app: 'db' } }, pre: [{ exec: { command: sh('echo selected > /tmp/spec-marker') } }] }]
    });
    const logger = new MemoryLogger();
    expect(await runPodHooks(cluster, pods.db!, 'pre', spec, logger)).toEqual({ ran: 1, errors: [], warnings: [] });
    expect(await runPodHooks(cluster, pods.web!, 'pre', spec, logger)).toEqual({ ran: 0, errors: [], warnings: [] });
    expect(await readMarker('db', '/tmp/spec-marker')).toBe('selected');
    expect(await readMarker('web', '/tmp/spec-marker')).toBeUndefined();
  });

  it('stops the phase at a failing on-error Fail hook and reports an error', async () => {
    const spec = specOf({
      resources: [
        {
          name: 'stop',
          pre: [{ exec: { command: sh('echo 1 > /tmp/fail-1') } }, { exec: { command: sh('echo broken >&2; exit 3') } }, { exec: { command: sh('echo 3 > /tmp/fail-3') } }]
        }
      ]
    });
    const logger = new MemoryLogger();
    const result = await runPodHooks(cluster, pods.worker!, 'pre', spec, logger);
    expect(result.ran).toBe(2);
    expect(result.warnings).toEqual([]);
    expect(result.errors).toEqual([`pre hook 'stop'[1] on pod ${ns}/worker (container main) failed: exited with code 3 (last line of stderr: "broken"); 1 later pre hook(s) of this pod not run`]);
    expect(logger.lines).toContainEqual({ level: 'info', message: `[${ns}/worker pre 'stop'[1]] exited with code 3 (stdout 0 bytes, stderr 7 bytes)` });
    expect(await readMarker('worker', '/tmp/fail-1')).toBe('1');
    expect(await readMarker('worker', '/tmp/fail-3')).toBeUndefined();
  });

  it('warns at a failing on-error Continue hook and goes on', async () => {
    const spec = specOf({
      resources: [{ name: 'go-on', post: [{ exec: { command: sh('exit 4'), onError: 'Continue' } }, { exec: { command: sh('echo 2 > /tmp/continue-2') } }] }]
    });
    const result = await runPodHooks(cluster, pods.worker!, 'post', spec, new MemoryLogger());
    expect(result).toEqual({ ran: 2, errors: [], warnings: [`post hook 'go-on'[0] on pod ${ns}/worker (container main) failed (on-error Continue): exited with code 4`] });
    expect(await readMarker('worker', '/tmp/continue-2')).toBe('2');
  });

  it('fails a hook that outlives its timeout', async () => {
    // The command would outlast the test's own timeout: the hook returns only if its timeout cut it short.
    const spec = specOf({ resources: [{ name: 'slow', pre: [{ exec: { command: ['sleep', '3600'], timeout: '1s' } }] }] });
    const result = await runPodHooks(cluster, pods.worker!, 'pre', spec, new MemoryLogger());
    expect(result.errors).toEqual([`pre hook 'slow'[0] on pod ${ns}/worker (container main) failed: timed out after 1s (the command may still be running in the container)`]);
  });

  it('fails clearly on a container the pod does not have, without exec', async () => {
    const spec = specOf({ resources: [{ name: 'typo', includedNamespaces: [ns], pre: [{ exec: { container: 'mian', command: sh('echo x > /tmp/typo') } }] }] });
    const result = await runPodHooks(cluster, pods.worker!, 'pre', spec, new MemoryLogger());
    expect(result).toEqual({ ran: 0, errors: [`pre hook 'typo'[0] on pod ${ns}/worker failed: no container 'mian' in the pod (its containers: main)`], warnings: [] });
    expect(await readMarker('worker', '/tmp/typo')).toBeUndefined();
  });

  it('reports an exec the container refuses as a hook failure', async () => {
    const spec = specOf({ resources: [{ name: 'missing-binary', pre: [{ exec: { command: ['/no/such/binary'] } }] }] });
    const result = await runPodHooks(cluster, pods.worker!, 'pre', spec, new MemoryLogger());
    expect(result.ran).toBe(1);
    expect(result.errors).toHaveLength(1);
    expect(result.errors[0]).toMatch(new RegExp(`^pre hook 'missing-binary'\\[0\\] on pod ${ns}/worker \\(container main\\) failed: `));
  });
});
