import { describe, expect, it } from '@jest/globals';
import { restoreExecHooksFor, runRestoreExecHooks, type PlannedRestoreExecHook } from '../../../../src/hooks/restore-exec-hooks.js';
import { parseRestoreHooksSpec } from '../../../../src/settings/restore-hook-specs.js';
import { MemoryLogger } from '../../../../src/util/logger.js';
import { scriptedExec, type ExecBehaviour, type ExecCall } from '../../../support/scripted-exec.js';
import type { KubeObject } from '../../../../src/model/kube-object.js';
import { type RestoreHooksSpec } from '../../../../src/hooks/hook-types.js';
import type { ResourceRef } from '../../../../src/model/resource-ref.js';

const POST = 'post.hook.restore.velero.io';
const NO_SPEC: RestoreHooksSpec = { resources: [] };

function pod(annotations?: Record<string, string>, namespace = 'shop'): KubeObject {
  return {
    metadata: { name: 'web-0', namespace, labels: { app: 'web' }, ...(annotations ? { annotations } : {}) },
    spec: { containers: [{ name: 'main' }, { name: 'sidecar' }] }
  };
}

const spec = (text: string) => parseRestoreHooksSpec(text);

describe('restoreExecHooksFor', () => {
  it('plans nothing, sharing one empty answer, for a pod without hooks', () => {
    expect(restoreExecHooksFor(pod(), NO_SPEC)).toEqual([]);
    expect(restoreExecHooksFor(pod(), NO_SPEC)).toBe(restoreExecHooksFor(pod({ other: 'x' }), NO_SPEC));
  });

  it("reads the annotations with Velero's defaults: first container, Fail, 30s exec timeout, no wait limit, not ready", () => {
    expect(restoreExecHooksFor(pod({ [`${POST}/command`]: '["/bin/sh", "-c", "reload"]' }), NO_SPEC)).toEqual([
      { source: 'annotation', label: 'from annotations', container: 'main', hook: { command: ['/bin/sh', '-c', 'reload'], onError: 'Fail', execTimeoutMs: 30_000, waitForReady: false } }
    ]);
  });

  it('reads every annotation', () => {
    const [planned] = restoreExecHooksFor(
      pod({
        [`${POST}/command`]: 'reload',
        [`${POST}/container`]: 'sidecar',
        [`${POST}/on-error`]: 'Continue',
        [`${POST}/exec-timeout`]: '1m',
        [`${POST}/wait-timeout`]: '2m30s',
        [`${POST}/wait-for-ready`]: 'true'
      }),
      NO_SPEC
    );
    expect(planned).toEqual({
      source: 'annotation',
      label: 'from annotations',
      container: 'sidecar',
      hook: { container: 'sidecar', command: ['reload'], onError: 'Continue', execTimeoutMs: 60_000, waitTimeoutMs: 150_000, waitForReady: true }
    });
  });

  it.each([
    ['1', true],
    ['True', true],
    ['t', true],
    ['false', false],
    ['0', false],
    ['F', false]
  ])('reads wait-for-ready %s as Go does', (value, expected) => {
    expect(restoreExecHooksFor(pod({ [`${POST}/command`]: 'x', [`${POST}/wait-for-ready`]: value }), NO_SPEC)[0]!.hook.waitForReady).toBe(expected);
  });

  it('turns bad annotation values into a problem rather than guessing', () => {
    const [planned] = restoreExecHooksFor(
      pod({ [`${POST}/command`]: 'x', [`${POST}/on-error`]: 'continue', [`${POST}/exec-timeout`]: '30', [`${POST}/wait-timeout`]: 'soon', [`${POST}/wait-for-ready`]: 'yes' }),
      NO_SPEC
    );
    expect(planned!.problem).toBe(
      [
        `annotation ${POST}/on-error is 'continue', not Continue or Fail`,
        `annotation ${POST}/exec-timeout is '30', not a Go duration such as 30s or 1m`,
        `annotation ${POST}/wait-timeout is 'soon', not a Go duration such as 30s or 5m`,
        `annotation ${POST}/wait-for-ready is 'yes', not true or false`
      ].join('; ')
    );
  });

  it('names a container the pod does not have as a problem', () => {
    const [planned] = restoreExecHooksFor(pod({ [`${POST}/command`]: 'x', [`${POST}/container`]: 'mian' }), NO_SPEC);
    expect(planned).toMatchObject({ container: '', problem: "no container 'mian' in the pod (its containers: main, sidecar)" });
  });

  it('takes the spec exec hooks of every matching rule in order, skipping init entries', () => {
    const hooks = spec(`
resources:
  - name: one
    postHooks:
      - init: {initContainers: [{name: i, image: i, command: [i]}]}
      - exec: {command: [a], waitForReady: true, waitTimeout: 1m}
      - exec: {command: [b], container: sidecar, onError: Continue}
  - name: other-namespace
    includedNamespaces: [db]
    postHooks: [{exec: {command: [never]}}]
  - name: web-only
    labelSelector: {matchLabels: {app: web}}
    postHooks: [{exec: {command: [c]}}]
`);
    expect(restoreExecHooksFor(pod(), hooks)).toEqual([
      { source: 'one', label: "'one'[1]", container: 'main', hook: { command: ['a'], onError: 'Fail', execTimeoutMs: 30_000, waitTimeoutMs: 60_000, waitForReady: true } },
      { source: 'one', label: "'one'[2]", container: 'sidecar', hook: { container: 'sidecar', command: ['b'], onError: 'Continue', execTimeoutMs: 30_000, waitForReady: false } },
      { source: 'web-only', label: "'web-only'[0]", container: 'main', hook: { command: ['c'], onError: 'Fail', execTimeoutMs: 30_000, waitForReady: false } }
    ]);
  });

  it('matches rules against the restored namespace', () => {
    const hooks = spec('{resources: [{name: copy, includedNamespaces: [shop-copy], postHooks: [{exec: {command: [x]}}]}]}');
    expect(restoreExecHooksFor(pod(undefined, 'shop-copy'), hooks)).toHaveLength(1);
    expect(restoreExecHooksFor(pod(undefined, 'shop'), hooks)).toHaveLength(0);
  });

  it('lets the annotation hook replace the spec hooks', () => {
    const hooks = spec('{resources: [{name: r, postHooks: [{exec: {command: [from-spec]}}, {exec: {command: [also]}}]}]}');
    expect(restoreExecHooksFor(pod({ [`${POST}/command`]: 'from-annotation' }), hooks).map((h) => h.hook.command)).toEqual([['from-annotation']]);
  });
});

// --- running ---------------------------------------------------------------------------------------------------------

type ContainerState = 'running' | 'ready' | 'waiting' | 'none';
/** One pod read: container states by name, a whole-pod phase, 'gone' (404) or an API error. */
type PodRead = Record<string, ContainerState> | { phase: string } | 'gone' | Error;
type Behaviour = ExecBehaviour;

function podObject(read: Record<string, ContainerState> | { phase: string }): KubeObject {
  if ('phase' in read && typeof read.phase === 'string' && !['running', 'ready', 'waiting', 'none'].includes(read.phase)) {
    return { metadata: { name: 'web-0', namespace: 'shop' }, status: { phase: read.phase } };
  }
  const statuses = Object.entries(read as Record<string, ContainerState>)
    .filter(([, state]) => state !== 'none')
    .map(([name, state]) => ({
      name,
      ready: state === 'ready',
      state: state === 'waiting' ? { waiting: { reason: 'ContainerCreating' } } : { running: { startedAt: 'now' } }
    }));
  return { metadata: { name: 'web-0', namespace: 'shop' }, status: { phase: 'Pending', containerStatuses: statuses } };
}

/** Answers pod reads from a script (the last entry repeats) and execs by the command's first argument. */
function fakeCluster(reads: PodRead[], behaviours: Record<string, Behaviour> = {}) {
  const calls: ExecCall[] = [];
  let readCount = 0;
  return {
    calls,
    reads: () => readCount,
    async get(ref: ResourceRef, name: string, namespace?: string): Promise<KubeObject | undefined> {
      expect([ref.resource, name, namespace]).toEqual(['pods', 'web-0', 'shop']);
      const read = reads[Math.min(readCount++, reads.length - 1)]!;
      if (read === 'gone') return undefined;
      if (read instanceof Error) throw read;
      return podObject(read);
    },
    exec: scriptedExec(behaviours, calls)
  };
}

const FAST = { pollIntervalMs: 5 };
const planned = (podObj: KubeObject, text: string) => restoreExecHooksFor(podObj, spec(text));
const run = (cluster: ReturnType<typeof fakeCluster>, hooks: readonly PlannedRestoreExecHook[], logger = new MemoryLogger(), options: object = FAST) =>
  runRestoreExecHooks(cluster, pod(), hooks, logger, options);

describe('runRestoreExecHooks', () => {
  it('does nothing, without reading the pod, when there are no hooks', async () => {
    const cluster = fakeCluster([{ main: 'running' }]);
    expect(await run(cluster, [])).toEqual({ ran: 0, errors: [], warnings: [] });
    expect(cluster.reads()).toBe(0);
  });

  it('waits for the container to run, then runs the hooks in order with their exec timeout, logging output', async () => {
    const cluster = fakeCluster([{ main: 'none' }, { main: 'waiting' }, { main: 'running' }], { two: { exitCode: 0, stdout: 'reloaded\n', stderr: '' } });
    const hooks = planned(pod(), '{resources: [{name: r, postHooks: [{exec: {command: [one, secret-arg]}}, {exec: {command: [two], execTimeout: 5s}}]}]}');
    const logger = new MemoryLogger();
    expect(await run(cluster, hooks, logger)).toEqual({ ran: 2, errors: [], warnings: [] });
    expect(cluster.reads()).toBe(3);
    expect(cluster.calls.map((c) => [c.target, c.command, c.options?.timeoutMs])).toEqual([
      [{ namespace: 'shop', pod: 'web-0', container: 'main' }, ['one', 'secret-arg'], 30_000],
      [{ namespace: 'shop', pod: 'web-0', container: 'main' }, ['two'], 5_000]
    ]);
    expect(logger.lines).toContainEqual({ level: 'info', message: "[shop/web-0 post-restore 'r'[1]] exited with code 0 (stdout 9 bytes, stderr 0 bytes)" });
    expect(logger.lines).toContainEqual({ level: 'info', message: "post-restore hook 'r'[0] on pod shop/web-0 (container main) succeeded" });
    expect(logger.lines.some((l) => l.message.includes('secret-arg'))).toBe(false);
  });

  it('waits for Ready when a hook of the container asks for it', async () => {
    const cluster = fakeCluster([{ main: 'running' }, { main: 'running' }, { main: 'ready' }]);
    const hooks = planned(pod(), '{resources: [{name: r, postHooks: [{exec: {command: [a]}}, {exec: {command: [b], waitForReady: true}}]}]}');
    expect(await run(cluster, hooks)).toEqual({ ran: 2, errors: [], warnings: [] });
    expect(cluster.reads()).toBe(3);
  });

  it('runs each container’s hooks as soon as that container is up', async () => {
    const cluster = fakeCluster([{ main: 'waiting', sidecar: 'running' }, { main: 'running', sidecar: 'running' }]);
    const hooks = planned(pod(), '{resources: [{name: r, postHooks: [{exec: {command: [in-main]}}, {exec: {command: [in-sidecar], container: sidecar}}]}]}');
    expect(await run(cluster, hooks)).toEqual({ ran: 2, errors: [], warnings: [] });
    expect(cluster.calls.map((c) => c.command[0])).toEqual(['in-sidecar', 'in-main']);
  });

  it('fails a Fail hook whose exec fails, leaving the pod’s later hooks unrun', async () => {
    const cluster = fakeCluster([{ main: 'running' }], { bad: { exitCode: 3, stdout: '', stderr: 'no\n' } });
    const hooks = planned(pod(), '{resources: [{name: r, postHooks: [{exec: {command: [bad]}}, {exec: {command: [later]}}]}]}');
    const logger = new MemoryLogger();
    expect(await run(cluster, hooks, logger)).toEqual({
      ran: 1,
      errors: ["post-restore hook 'r'[0] on pod shop/web-0 (container main) failed: exited with code 3 (last line of stderr: \"no\"); 1 remaining post-restore hook(s) of this pod not run"],
      warnings: []
    });
    expect(cluster.calls).toHaveLength(1);
    expect(logger.lines).toContainEqual({ level: 'info', message: "[shop/web-0 post-restore 'r'[0]] exited with code 3 (stdout 0 bytes, stderr 3 bytes)" });
  });

  it('warns for a Continue hook that fails and goes on', async () => {
    const cluster = fakeCluster([{ main: 'running' }], { bad: new Error('connection reset') });
    const hooks = planned(pod(), '{resources: [{name: r, postHooks: [{exec: {command: [bad], onError: Continue}}, {exec: {command: [later]}}]}]}');
    expect(await run(cluster, hooks)).toEqual({
      ran: 2,
      errors: [],
      warnings: ["post-restore hook 'r'[0] on pod shop/web-0 (container main) failed (on-error Continue): could not exec: connection reset"]
    });
  });

  it('keeps commands out of exec error messages', async () => {
    const cluster = fakeCluster([{ main: 'running' }], { login: new Error('exec ["login","--password=hunter2"] timed out') });
    const hooks = planned(pod(), '{resources: [{name: r, postHooks: [{exec: {command: [login, --password=hunter2]}}]}]}');
    const { errors } = await run(cluster, hooks);
    expect(errors[0]).toContain('exec <hook command> timed out');
    expect(errors[0]).not.toContain('hunter2');
  });

  it('fails a hook that outlives its exec timeout', async () => {
    const cluster = fakeCluster([{ main: 'running' }], { slow: 'hang' });
    const hooks = planned(pod(), '{resources: [{name: r, postHooks: [{exec: {command: [slow], execTimeout: 50ms}}]}]}');
    expect((await run(cluster, hooks)).errors).toEqual([
      "post-restore hook 'r'[0] on pod shop/web-0 (container main) failed: timed out after 0.05s (the command may still be running in the container)"
    ]);
  });

  it('fails after the wait-timeout when the container never comes up, saying how it last was', async () => {
    const cluster = fakeCluster([{ main: 'waiting' }]);
    const hooks = planned(pod(), '{resources: [{name: r, postHooks: [{exec: {command: [a], waitTimeout: 60ms}}, {exec: {command: [b], waitTimeout: 40ms, onError: Continue}}]}]}');
    const started = Date.now();
    const result = await run(cluster, hooks);
    expect(Date.now() - started).toBeGreaterThanOrEqual(55);
    expect(Date.now() - started).toBeLessThan(1000);
    expect(result).toEqual({
      ran: 0,
      errors: [
        "post-restore hook 'r'[0] on pod shop/web-0 (container main) failed: timed out waiting for the container to be running: still waiting (ContainerCreating) after the wait-timeout of 60ms; 1 remaining post-restore hook(s) of this pod not run"
      ],
      warnings: []
    });
    expect(cluster.calls).toHaveLength(0);
  });

  it('waits the default limit when a hook gives no wait-timeout, and says so', async () => {
    const cluster = fakeCluster([{ main: 'running' }]);
    const hooks = planned(pod(), '{resources: [{name: r, postHooks: [{exec: {command: [a], waitForReady: true}}]}]}');
    const result = await run(cluster, hooks, new MemoryLogger(), { pollIntervalMs: 5, defaultWaitTimeoutMs: 30 });
    expect(result.errors).toEqual([
      "post-restore hook 'r'[0] on pod shop/web-0 (container main) failed: timed out waiting for the container to be Ready: still running but not Ready after 30ms (no wait-timeout was given)"
    ]);
  });

  it('expires a hook whose own wait-timeout passed while its container’s longer wait went on, as Velero does', async () => {
    const cluster = fakeCluster([{ main: 'waiting' }, { main: 'waiting' }, { main: 'waiting' }, { main: 'waiting' }, { main: 'running' }]);
    const hooks = planned(pod(), '{resources: [{name: r, postHooks: [{exec: {command: [quick], waitTimeout: 1ms, onError: Continue}}, {exec: {command: [patient], waitTimeout: 5s}}]}]}');
    const result = await run(cluster, hooks, new MemoryLogger(), { pollIntervalMs: 10 });
    expect(result).toEqual({
      ran: 1,
      errors: [],
      warnings: ["post-restore hook 'r'[0] on pod shop/web-0 (container main) failed (on-error Continue): expired before it could run: its wait-timeout of 1ms passed while waiting"]
    });
    expect(cluster.calls.map((c) => c.command[0])).toEqual(['patient']);
  });

  it('fails the hooks of a pod that is deleted while waiting', async () => {
    const cluster = fakeCluster([{ main: 'waiting' }, 'gone']);
    const hooks = planned(pod(), '{resources: [{name: r, postHooks: [{exec: {command: [a], onError: Continue}}, {exec: {command: [b]}}]}]}');
    expect(await run(cluster, hooks)).toEqual({
      ran: 0,
      errors: ["post-restore hook 'r'[1] on pod shop/web-0 (container main) failed: the pod no longer exists (deleted before its hooks ran)"],
      warnings: ["post-restore hook 'r'[0] on pod shop/web-0 (container main) failed (on-error Continue): the pod no longer exists (deleted before its hooks ran)"]
    });
  });

  it('fails the hooks of a pod that finished before its containers were up', async () => {
    const cluster = fakeCluster([{ phase: 'Succeeded' }]);
    const hooks = planned(pod(), '{resources: [{name: r, postHooks: [{exec: {command: [a]}}]}]}');
    expect((await run(cluster, hooks)).errors).toEqual(["post-restore hook 'r'[0] on pod shop/web-0 (container main) failed: the pod is Succeeded: it finished before its hooks ran"]);
  });

  it('keeps polling through API errors until the wait runs out, then names the last one', async () => {
    const flaky = fakeCluster([new Error('etcdserver: leader changed'), { main: 'running' }]);
    const hooks = planned(pod(), '{resources: [{name: r, postHooks: [{exec: {command: [a], waitTimeout: 1s}}]}]}');
    expect(await run(flaky, hooks)).toEqual({ ran: 1, errors: [], warnings: [] });

    const down = fakeCluster([new Error('connection refused')]);
    const short = planned(pod(), '{resources: [{name: r, postHooks: [{exec: {command: [a], waitTimeout: 20ms}}]}]}');
    expect((await run(down, short)).errors[0]).toContain('still unknown (reading the pod failed: connection refused) after the wait-timeout of 20ms');
  });

  it('fails a hook with a problem at once, without waiting or exec, under its on-error', async () => {
    const cluster = fakeCluster([{ main: 'running' }]);
    const hooks = restoreExecHooksFor(pod({ [`${POST}/command`]: 'x', [`${POST}/container`]: 'mian' }), NO_SPEC);
    expect(await run(cluster, hooks)).toEqual({ ran: 0, errors: ["post-restore hook from annotations on pod shop/web-0 failed: no container 'mian' in the pod (its containers: main, sidecar)"], warnings: [] });
    expect(cluster.reads()).toBe(0);
  });

  it('accepts the pod as a plain namespace and name', async () => {
    const cluster = fakeCluster([{ main: 'running' }]);
    const hooks = planned(pod(), '{resources: [{name: r, postHooks: [{exec: {command: [a]}}]}]}');
    expect(await runRestoreExecHooks(cluster, { namespace: 'shop', name: 'web-0' }, hooks, new MemoryLogger(), FAST)).toEqual({ ran: 1, errors: [], warnings: [] });
  });
});
