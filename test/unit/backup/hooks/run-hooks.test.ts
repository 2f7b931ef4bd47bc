import { describe, expect, it } from '@jest/globals';
import { runPodHooks } from '../../../../src/hooks/run-hooks.js';
import { parseBackupHooksSpec } from '../../../../src/settings/hook-specs.js';
import { MemoryLogger } from '../../../../src/util/logger.js';
import { scriptedExec, type ExecBehaviour, type ExecCall } from '../../../support/scripted-exec.js';
import type { KubeObject } from '../../../../src/model/kube-object.js';

type Behaviour = ExecBehaviour;

/** Answers each exec by the command's first argument; records every call. */
function fakeCluster(behaviours: Record<string, Behaviour> = {}) {
  const calls: ExecCall[] = [];
  return { calls, exec: scriptedExec(behaviours, calls) };
}

/** null: a pod without status (the phase not reported yet). */
function pod(phase: string | null = 'Running', annotations: Record<string, string> = {}): KubeObject {
  return {
    metadata: { name: 'p', namespace: 'ns', labels: { app: 'db' }, annotations },
    spec: { containers: [{ name: 'main' }, { name: 'db' }] },
    ...(phase === null ? {} : { status: { phase } })
  };
}

const spec = (text: string) => parseBackupHooksSpec(text);
const threeHooks = spec(`
resources:
  - name: freeze
    pre:
      - exec: {command: [one]}
      - exec: {command: [two], container: db}
      - exec: {command: [three]}
`);

describe('runPodHooks', () => {
  it('does nothing for a pod without hooks', async () => {
    const cluster = fakeCluster();
    const result = await runPodHooks(cluster, pod(), 'pre', { resources: [] }, new MemoryLogger());
    expect(result).toEqual({ ran: 0, errors: [], warnings: [] });
    expect(cluster.calls).toEqual([]);
  });

  it('runs hooks in order in their containers with their timeouts', async () => {
    const cluster = fakeCluster();
    const result = await runPodHooks(cluster, pod(), 'pre', threeHooks, new MemoryLogger());
    expect(result).toEqual({ ran: 3, errors: [], warnings: [] });
    expect(cluster.calls.map((c) => [c.target, c.command, c.options])).toEqual([
      [{ namespace: 'ns', pod: 'p', container: 'main' }, ['one'], { timeoutMs: 30_000 }],
      [{ namespace: 'ns', pod: 'p', container: 'db' }, ['two'], { timeoutMs: 30_000 }],
      [{ namespace: 'ns', pod: 'p', container: 'main' }, ['three'], { timeoutMs: 30_000 }]
    ]);
  });

  it('logs the exit code and the size of the output, prefixed with pod and hook, never the output or the command', async () => {
    const cluster = fakeCluster({ one: { exitCode: 0, stdout: '  flushed\nfrozen  \n', stderr: 'note\n' } });
    const logger = new MemoryLogger();
    await runPodHooks(cluster, pod(), 'pre', spec('resources: [{name: freeze, pre: [{exec: {command: [one, --password=hunter2]}}]}]'), logger);
    expect(logger.lines).toEqual([
      { level: 'info', message: "[ns/p pre 'freeze'[0]] exited with code 0 (stdout 19 bytes, stderr 5 bytes)" },
      { level: 'info', message: "pre hook 'freeze'[0] on pod ns/p (container main) succeeded" }
    ]);
  });

  it('stops the phase after a Fail failure and reports an error', async () => {
    const cluster = fakeCluster({ two: { exitCode: 3, stdout: '', stderr: 'boom' } });
    const result = await runPodHooks(cluster, pod(), 'pre', threeHooks, new MemoryLogger());
    expect(result).toEqual({
      ran: 2,
      errors: ["pre hook 'freeze'[1] on pod ns/p (container db) failed: exited with code 3 (last line of stderr: \"boom\"); 1 later pre hook(s) of this pod not run"],
      warnings: []
    });
    expect(cluster.calls.map((c) => c.command[0])).toEqual(['one', 'two']);
  });

  it('warns and goes on after a Continue failure', async () => {
    const cluster = fakeCluster({ one: { exitCode: 1, stdout: '', stderr: '' } });
    const s = spec('resources: [{name: r, post: [{exec: {command: [one], onError: Continue}}, {exec: {command: [two]}}]}]');
    const result = await runPodHooks(cluster, pod(), 'post', s, new MemoryLogger());
    expect(result).toEqual({ ran: 2, errors: [], warnings: ["post hook 'r'[0] on pod ns/p (container main) failed (on-error Continue): exited with code 1"] });
  });

  it('reports a timeout in its own words', async () => {
    const cluster = fakeCluster({ one: 'hang' });
    const s = spec('resources: [{name: r, pre: [{exec: {command: [one], timeout: 50ms}}]}]');
    const result = await runPodHooks(cluster, pod(), 'pre', s, new MemoryLogger());
    expect(result.errors).toEqual(["pre hook 'r'[0] on pod ns/p (container main) failed: timed out after 0.05s (the command may still be running in the container)"]);
  });

  it('reports an exec error without the command', async () => {
    const cluster = fakeCluster({ one: new Error('command ["one","secret"] in ns/p/main did not finish: container not found ("main")') });
    const s = spec('resources: [{name: r, pre: [{exec: {command: [one, secret]}}]}]');
    const result = await runPodHooks(cluster, pod(), 'pre', s, new MemoryLogger());
    expect(result.errors).toEqual(['pre hook \'r\'[0] on pod ns/p (container main) failed: could not exec: command <hook command> in ns/p/main did not finish: container not found ("main")']);
  });

  it('fails a hook with a problem without exec, naming pod and annotation', async () => {
    const cluster = fakeCluster();
    const p = pod('Running', { 'pre.hook.backup.velero.io/command': 'x', 'pre.hook.backup.velero.io/timeout': 'ten' });
    const result = await runPodHooks(cluster, p, 'pre', { resources: [] }, new MemoryLogger());
    expect(result).toEqual({
      ran: 0,
      errors: ["pre hook from annotations on pod ns/p (container main) failed: annotation pre.hook.backup.velero.io/timeout is 'ten', not a Go duration such as 30s or 1m"],
      warnings: []
    });
    expect(cluster.calls).toEqual([]);
  });

  it('fails a hook whose container is missing, clearly', async () => {
    const p = pod('Running', { 'pre.hook.backup.velero.io/command': 'x', 'pre.hook.backup.velero.io/container': 'nope' });
    const result = await runPodHooks(fakeCluster(), p, 'pre', { resources: [] }, new MemoryLogger());
    expect(result.errors).toEqual(["pre hook from annotations on pod ns/p failed: no container 'nope' in the pod (its containers: main, db)"]);
  });

  it.each(['Succeeded', 'Failed'])('skips the hooks of a %s pod, as Velero does', async (phase) => {
    const cluster = fakeCluster();
    const logger = new MemoryLogger();
    const result = await runPodHooks(cluster, pod(phase), 'pre', threeHooks, logger);
    expect(result).toEqual({ ran: 0, errors: [], warnings: [] });
    expect(cluster.calls).toEqual([]);
    expect(logger.lines).toEqual([{ level: 'info', message: `pod ns/p is ${phase}: its 3 pre hook(s) are skipped` }]);
  });

  it.each([
    ['Pending', 'the pod is Pending, not Running'],
    [null, 'the pod is in no phase, not Running']
  ])('fails the hooks of a %s pod without exec', async (phase, why) => {
    const cluster = fakeCluster();
    const s = spec('resources: [{name: r, pre: [{exec: {command: [one], onError: Continue}}, {exec: {command: [two]}}, {exec: {command: [three]}}]}]');
    const result = await runPodHooks(cluster, pod(phase), 'pre', s, new MemoryLogger());
    expect(result).toEqual({
      ran: 0,
      errors: [`pre hook 'r'[1] on pod ns/p (container main) failed: ${why}; 1 later pre hook(s) of this pod not run`],
      warnings: [`pre hook 'r'[0] on pod ns/p (container main) failed (on-error Continue): ${why}`]
    });
    expect(cluster.calls).toEqual([]);
  });
});
