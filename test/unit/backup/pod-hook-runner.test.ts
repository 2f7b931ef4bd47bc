import { describe, expect, it } from '@jest/globals';
import { collectItems, type CollectedItem, type ItemSink } from '../../../src/backup/collect.js';
import { podHooks, postHooksDue } from '../../../src/backup/pod-hook-runner.js';
import type { BackupScope } from '../../../src/backup/scope.js';
import type { Cluster, ExecResult, ExecTarget } from '../../../src/kube/cluster.js';
import type { ScopedResource } from '../../../src/kube/resources.js';
import type { KubeObject } from '../../../src/model/kube-object.js';
import type { ResourceRef } from '../../../src/model/resource-ref.js';
import { parseBackupHooksSpec } from '../../../src/settings/hook-specs.js';
import { MemoryLogger } from '../../../src/util/logger.js';
import { RunResults } from '../../../src/util/run-results.js';

const OK: ExecResult = { exitCode: 0, stdout: '', stderr: '' };
const NO_SPEC = { resources: [] };

/** A running pod whose annotations run `pre-<name>` and `post-<name>` (exec answers by the command's first word). */
function pod(name: string, hooks: { pre?: boolean; post?: boolean } = { pre: true, post: true }): KubeObject {
  const annotations: Record<string, string> = {};
  if (hooks.pre) annotations['pre.hook.backup.velero.io/command'] = JSON.stringify([`pre-${name}`]);
  if (hooks.post) annotations['post.hook.backup.velero.io/command'] = JSON.stringify([`post-${name}`]);
  return { apiVersion: 'v1', kind: 'Pod', metadata: { name, namespace: 'ns', annotations }, spec: { containers: [{ name: 'main' }] }, status: { phase: 'Running' } };
}

/** An exec recording each command's first word; `answers` may hold a result or a promise of one (to hold a hook). */
function recordingExec(answers: Record<string, ExecResult | Promise<ExecResult>> = {}) {
  const calls: string[] = [];
  const exec = async (_target: ExecTarget, command: string[]): Promise<ExecResult> => {
    calls.push(command[0]!);
    return answers[command[0]!] ?? OK;
  };
  return { calls, exec };
}

describe('postHooksDue', () => {
  it.each([
    [0, false, false],
    [0, true, true],
    [1, false, true],
    [2, true, true]
  ])('pre hooks started %d, written %s: %s', (started, written, due) => {
    expect(postHooksDue(started, written)).toBe(due);
  });
});

describe('podHooks.around', () => {
  const fresh = () => new AbortController().signal;

  it('runs pre, write, post in order and resolves true', async () => {
    const { calls, exec } = recordingExec();
    const written: string[] = [];
    const result = await podHooks({ exec }, NO_SPEC, new MemoryLogger(), new RunResults()).around(pod('a'), async () => void written.push('a'), fresh());
    expect(result).toBe(true);
    expect(calls).toEqual(['pre-a', 'post-a']);
    expect(written).toEqual(['a']);
  });

  it('runs the post hooks when the write fails after the pre hooks ran, then rethrows the write failure', async () => {
    const { calls, exec } = recordingExec();
    const hooks = podHooks({ exec }, NO_SPEC, new MemoryLogger(), new RunResults());
    await expect(hooks.around(pod('a'), () => Promise.reject(new Error('upload broke')), fresh())).rejects.toThrow('upload broke');
    expect(calls).toEqual(['pre-a', 'post-a']);
  });

  it('runs no post hook when the write of a pod without pre hooks fails: nothing was frozen', async () => {
    const { calls, exec } = recordingExec();
    const hooks = podHooks({ exec }, NO_SPEC, new MemoryLogger(), new RunResults());
    await expect(hooks.around(pod('a', { post: true }), () => Promise.reject(new Error('upload broke')), fresh())).rejects.toThrow('upload broke');
    expect(calls).toEqual([]);
  });

  it('thaws a pod left out because a later pre hook failed after an earlier one ran', async () => {
    const spec = parseBackupHooksSpec('resources: [{name: db, pre: [{exec: {command: [freeze]}}, {exec: {command: [check]}}], post: [{exec: {command: [thaw]}}]}]');
    const { calls, exec } = recordingExec({ check: { exitCode: 1, stdout: '', stderr: 'not ready' } });
    const results = new RunResults();
    let written = false;
    const result = await podHooks({ exec }, spec, new MemoryLogger(), results).around(pod('a', {}), async () => void (written = true), fresh());
    expect(result).toBe(false);
    expect(written).toBe(false);
    expect(calls).toEqual(['freeze', 'check', 'thaw']);
    expect(results.errorTotal).toBe(1);
  });

  it('leaves out, without post hooks, a pod whose only pre hook could not start', async () => {
    const { calls, exec } = recordingExec();
    const notRunning = { ...pod('a'), status: { phase: 'Pending' } };
    const result = await podHooks({ exec }, NO_SPEC, new MemoryLogger(), new RunResults()).around(notRunning, async () => undefined, fresh());
    expect(result).toBe(false);
    expect(calls).toEqual([]);
  });

  it('starts no pre hook once the backup has failed', async () => {
    const { calls, exec } = recordingExec();
    const failed = new AbortController();
    failed.abort(new Error('upload broke'));
    await expect(podHooks({ exec }, NO_SPEC, new MemoryLogger(), new RunResults()).around(pod('a'), async () => undefined, failed.signal)).rejects.toThrow('upload broke');
    expect(calls).toEqual([]);
  });

  it('does not write, and thaws, a pod whose pre hooks ran while the backup failed', async () => {
    const spec = parseBackupHooksSpec('resources: [{name: db, pre: [{exec: {command: [flush]}}, {exec: {command: [freeze]}}], post: [{exec: {command: [thaw]}}]}]');
    const failed = new AbortController();
    let release!: (r: ExecResult) => void;
    const { calls, exec } = recordingExec({ flush: new Promise((resolve) => (release = resolve)) });
    let written = false;
    const around = podHooks({ exec }, spec, new MemoryLogger(), new RunResults()).around(pod('a', {}), async () => void (written = true), failed.signal);
    await new Promise((resolve) => setImmediate(resolve));
    failed.abort(new Error('upload broke'));
    release(OK);
    await expect(around).rejects.toThrow('upload broke');
    // flush ran; freeze, a new pre hook, never started; the thaw ran all the same.
    expect(calls).toEqual(['flush', 'thaw']);
    expect(written).toBe(false);
  });
});

const resource = (name: string, kind: string): ScopedResource => ({
  resource: { group: '', version: 'v1', name, kind, singularName: kind.toLowerCase(), namespaced: true, verbs: [], shortNames: [] },
  groupResource: name,
  otherVersions: []
});

function scope(...namespaced: ScopedResource[]): BackupScope {
  return { namespaced, clusterScoped: [], clusterScopeMode: 'none', includesNamespace: () => true, allNamespaces: true, literalNamespaces: [], warnings: [] };
}

/** A cluster listing fixed objects per resource. */
function listingCluster(objects: Record<string, KubeObject[]>, exec: Cluster['exec']): Cluster {
  return {
    async *list(ref: ResourceRef) {
      for (const object of objects[ref.resource] ?? []) yield object;
    },
    get: async () => undefined,
    exec
  } as unknown as Cluster;
}

/** A sink that refuses the named item (as an archive whose upload broke does) and records the rest. */
class RefusingSink implements ItemSink {
  readonly added: string[] = [];
  refused = false;
  constructor(private readonly refuse: string) {}
  async add({ object }: CollectedItem): Promise<void> {
    if (object.metadata.name === this.refuse) {
      this.refused = true;
      throw new Error('the archive stream was closed: upload broke');
    }
    this.added.push(object.metadata.name!);
  }
}

function collect(cluster: Cluster, sink: ItemSink, walk: BackupScope, concurrency: number, signal?: AbortSignal) {
  const logger = new MemoryLogger();
  const results = new RunResults();
  return collectItems(cluster, sink, { scope: walk, orLabelSelectors: [], allApiVersions: false, pageSize: 100, concurrency, hooks: podHooks(cluster, NO_SPEC, logger, results), signal, logger, results });
}

describe('collectItems when the backup fails', () => {
  it('thaws the pod whose write failed and starts no later pod pre hook', async () => {
    const { calls, exec } = recordingExec();
    const cluster = listingCluster({ pods: [pod('p1'), pod('p2'), pod('p3')] }, exec);
    const sink = new RefusingSink('p2');
    await expect(collect(cluster, sink, scope(resource('pods', 'Pod')), 1)).rejects.toThrow('upload broke');
    expect(calls).toEqual(['pre-p1', 'post-p1', 'pre-p2', 'post-p2']);
    expect(sink.added).toEqual(['p1']);
  });

  it('stops the other walks at their next item, and rejects only once their post hooks have run', async () => {
    let release!: (r: ExecResult) => void;
    const { calls, exec } = recordingExec({ 'pre-p1': new Promise((resolve) => (release = resolve)) });
    const cluster = listingCluster({ configmaps: [{ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'cm', namespace: 'ns' } }], pods: [pod('p1'), pod('p2')] }, exec);
    const sink = new RefusingSink('cm');
    let settled = false;
    const run = collect(cluster, sink, scope(resource('pods', 'Pod'), resource('configmaps', 'ConfigMap')), 2).finally(() => (settled = true));
    run.catch(() => undefined);
    while (!(sink.refused && calls.includes('pre-p1'))) await new Promise((resolve) => setImmediate(resolve));
    for (let i = 0; i < 5; i++) await new Promise((resolve) => setImmediate(resolve));
    // The configmaps walk has failed; p1's pre hook is still running, so the walk is not over.
    expect(settled).toBe(false);
    release(OK);
    await expect(run).rejects.toThrow('upload broke');
    expect(calls).toEqual(['pre-p1', 'post-p1']);
    expect(sink.added).toEqual([]);
  });

  it('takes nothing once the run has failed elsewhere (the upload broke)', async () => {
    const { calls, exec } = recordingExec();
    const failed = new AbortController();
    failed.abort(new Error('upload broke'));
    const sink = new RefusingSink('none');
    await expect(collect(listingCluster({ pods: [pod('p1')] }, exec), sink, scope(resource('pods', 'Pod')), 4, failed.signal)).rejects.toThrow('upload broke');
    expect(calls).toEqual([]);
    expect(sink.added).toEqual([]);
  });
});
