import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { KubeCluster } from '../../../src/kube/kube-cluster.js';
import { restoreExecHooksFor, runRestoreExecHooks } from '../../../src/hooks/restore-exec-hooks.js';
import { withRestoreInitContainers } from '../../../src/hooks/restore-init-containers.js';
import { parseRestoreHooksSpec } from '../../../src/settings/restore-hook-specs.js';
import { MemoryLogger } from '../../../src/util/logger.js';
import { clusterFor, createNamespace, deleteNamespace, refs, sleeperPod, waitFor, waitForPodRunning } from '../../support/cluster.js';
import { testEnvironment, uniqueName } from '../../support/environment.js';
import type { KubeObject } from '../../../src/model/kube-object.js';
import { type RestoreHooksSpec } from '../../../src/hooks/hook-types.js';

const env = testEnvironment();
const INIT = 'init.hook.restore.velero.io';
const POST = 'post.hook.restore.velero.io';
const NO_SPEC: RestoreHooksSpec = { resources: [] };
const POLL = { pollIntervalMs: 250 };
let cluster: KubeCluster;
const namespaces: string[] = [];

beforeAll(() => {
  cluster = clusterFor(env.kubeconfig);
});

afterAll(async () => {
  await Promise.all(namespaces.map((ns) => deleteNamespace(cluster, ns).catch(() => undefined)));
});

/** A fresh namespace for one test, deleted after the file. */
async function namespace(prefix: string): Promise<string> {
  const ns = uniqueName(prefix);
  namespaces.push(ns);
  await createNamespace(cluster, ns);
  return ns;
}

/** The file's content in the pod's main container, or undefined when cat fails. */
async function readFile(ns: string, pod: string, file: string): Promise<string | undefined> {
  const result = await cluster.exec({ namespace: ns, pod, container: 'main' }, ['cat', file], { timeoutMs: 20_000 });
  return result.exitCode === 0 ? result.stdout.trim() : undefined;
}

function withWorkVolume(pod: KubeObject): KubeObject {
  const spec = pod.spec as { containers: Record<string, unknown>[]; volumes?: unknown[] };
  spec.containers[0]!.volumeMounts = [{ name: 'work', mountPath: '/work' }];
  spec.volumes = [{ name: 'work', emptyDir: {} }];
  return pod;
}

describe('restore init container hooks on a real cluster', () => {
  it('runs the init container from annotations first, before the pod’s own', async () => {
    const ns = await namespace('rhook-init-ann');
    const backedUp = sleeperPod(ns, 'annotated', env.image, {
      annotations: {
        [`${INIT}/container-image`]: env.image,
        [`${INIT}/container-name`]: 'restore-hook',
        // Velero gives an annotation init container no volume mounts, so it reports through its termination message.
        [`${INIT}/command`]: '["/bin/sh", "-c", "echo init-ran > /dev/termination-log"]'
      }
    });
    (backedUp.spec as Record<string, unknown>).initContainers = [{ name: 'own-init', image: env.image, imagePullPolicy: 'Never', command: ['true'] }];
    const { pod, added, problems } = withRestoreInitContainers(backedUp, NO_SPEC);
    expect({ added, problems }).toEqual({ added: ['restore-hook'], problems: [] });

    await cluster.create(refs.pods, pod);
    await waitForPodRunning(cluster, ns, 'annotated');
    const live = await cluster.get(refs.pods, 'annotated', ns);
    const statuses = (live!.status as { initContainerStatuses: { name: string; state: { terminated?: { exitCode: number; message?: string } } }[] }).initContainerStatuses;
    expect(statuses.map((s) => s.name)).toEqual(['restore-hook', 'own-init']);
    expect(statuses[0]!.state.terminated).toMatchObject({ exitCode: 0, message: 'init-ran\n' });
  });

  it('lets a spec init container prepare a shared volume the main container then sees', async () => {
    const ns = await namespace('rhook-init-spec');
    const spec = parseRestoreHooksSpec(`
resources:
  - name: prepare
    includedNamespaces: [${ns}]
    postHooks:
      - init:
          initContainers:
            - name: write-marker
              image: ${env.image}
              imagePullPolicy: Never
              command: [/bin/sh, -c, "echo init > /work/marker"]
              volumeMounts: [{name: work, mountPath: /work}]
`);
    const { pod, added } = withRestoreInitContainers(withWorkVolume(sleeperPod(ns, 'prepared', env.image)), spec);
    expect(added).toEqual(['write-marker']);
    await cluster.create(refs.pods, pod);
    await waitForPodRunning(cluster, ns, 'prepared');
    expect(await readFile(ns, 'prepared', '/work/marker')).toBe('init');
  });
});

describe('restore exec hooks on a real cluster', () => {
  it('waits for the container to be Ready, then runs the hook from annotations', async () => {
    const ns = await namespace('rhook-exec-ready');
    const backedUp = sleeperPod(ns, 'slow-ready', env.image, {
      annotations: {
        [`${POST}/command`]: '["/bin/sh", "-c", "test -f /tmp/ready && echo hooked > /tmp/hook-marker"]',
        [`${POST}/wait-for-ready`]: 'true',
        [`${POST}/wait-timeout`]: '90s'
      }
    });
    // Ready only some seconds after it starts running: a hook run as soon as it runs would fail its test -f.
    const main = (backedUp.spec as { containers: Record<string, unknown>[] }).containers[0]!;
    main.command = ['sh', '-c', 'trap "exit 0" TERM; sleep 4; touch /tmp/ready; sleep 3600 & wait'];
    main.readinessProbe = { exec: { command: ['test', '-f', '/tmp/ready'] }, periodSeconds: 1 };
    await cluster.create(refs.pods, backedUp);

    const hooks = restoreExecHooksFor(backedUp, NO_SPEC);
    expect(hooks).toHaveLength(1);
    const logger = new MemoryLogger();
    expect(await runRestoreExecHooks(cluster, backedUp, hooks, logger, POLL)).toEqual({ ran: 1, errors: [], warnings: [] });
    expect(await readFile(ns, 'slow-ready', '/tmp/hook-marker')).toBe('hooked');
    expect(logger.lines).toContainEqual({ level: 'info', message: `post-restore hook from annotations on pod ${ns}/slow-ready (container main) succeeded` });
    expect(logger.lines.some((l) => l.message.includes('hook-marker'))).toBe(false);
  });

  it('reports a failing hook as an error under on-error Fail and a warning under Continue', async () => {
    const ns = await namespace('rhook-exec-fail');
    const failing = (onError: string) => ({ [`${POST}/command`]: '["/bin/sh", "-c", "echo broken >&2; exit 3"]', [`${POST}/on-error`]: onError });
    const fail = sleeperPod(ns, 'fail', env.image, { annotations: failing('Fail') });
    const goOn = sleeperPod(ns, 'go-on', env.image, { annotations: failing('Continue') });
    await Promise.all([cluster.create(refs.pods, fail), cluster.create(refs.pods, goOn)]);

    const logger = new MemoryLogger();
    const [failed, continued] = await Promise.all([
      runRestoreExecHooks(cluster, fail, restoreExecHooksFor(fail, NO_SPEC), logger, POLL),
      runRestoreExecHooks(cluster, goOn, restoreExecHooksFor(goOn, NO_SPEC), logger, POLL)
    ]);
    expect(failed).toEqual({ ran: 1, errors: [`post-restore hook from annotations on pod ${ns}/fail (container main) failed: exited with code 3 (last line of stderr: "broken")`], warnings: [] });
    expect(continued).toEqual({ ran: 1, errors: [], warnings: [`post-restore hook from annotations on pod ${ns}/go-on (container main) failed (on-error Continue): exited with code 3 (last line of stderr: "broken")`] });
    expect(logger.lines).toContainEqual({ level: 'info', message: `[${ns}/fail post-restore from annotations] exited with code 3 (stdout 0 bytes, stderr 7 bytes)` });
  });

  it('fails with a clear message when the container never runs within the wait-timeout', async () => {
    const ns = await namespace('rhook-exec-wait');
    const neverRuns = sleeperPod(ns, 'no-image', 'does-not-exist:local', { annotations: { [`${POST}/command`]: 'true', [`${POST}/wait-timeout`]: '8s' } });
    await cluster.create(refs.pods, neverRuns);
    // Let the kubelet report why it cannot start, so the message can say it.
    await waitFor(async () => {
      const live = await cluster.get(refs.pods, 'no-image', ns);
      return ((live?.status as { containerStatuses?: unknown[] } | undefined)?.containerStatuses?.length ?? 0) > 0;
    }, 'a container status of no-image');

    const started = Date.now();
    const result = await runRestoreExecHooks(cluster, neverRuns, restoreExecHooksFor(neverRuns, NO_SPEC), new MemoryLogger(), POLL);
    expect(Date.now() - started).toBeGreaterThanOrEqual(8_000);
    expect(Date.now() - started).toBeLessThan(15_000);
    expect(result.ran).toBe(0);
    expect(result.errors).toEqual([
      `post-restore hook from annotations on pod ${ns}/no-image (container main) failed: timed out waiting for the container to be running: still waiting (ErrImageNeverPull) after the wait-timeout of 8s`
    ]);
  });

  it('fails a hook that outlives its exec-timeout', async () => {
    const ns = await namespace('rhook-exec-timeout');
    const slow = sleeperPod(ns, 'slow', env.image, { annotations: { [`${POST}/command`]: '["sleep", "3600"]', [`${POST}/exec-timeout`]: '1s' } });
    await cluster.create(refs.pods, slow);
    await waitForPodRunning(cluster, ns, 'slow');

    // The command would outlast the test's own timeout: the hook returns only if its exec-timeout cut it short.
    const result = await runRestoreExecHooks(cluster, slow, restoreExecHooksFor(slow, NO_SPEC), new MemoryLogger(), POLL);
    expect(result).toEqual({ ran: 1, errors: [`post-restore hook from annotations on pod ${ns}/slow (container main) failed: timed out after 1s (the command may still be running in the container)`], warnings: [] });
  });

  it('runs spec exec hooks only on the pods their rule selects', async () => {
    const ns = await namespace('rhook-exec-spec');
    const spec = parseRestoreHooksSpec(
      JSON.stringify({
        resources: [{ name: 'db-only', includedNamespaces: [ns], labelSelector: { matchLabels: { app: 'db' } }, postHooks: [{ exec: { command: ['/bin/sh', '-c', 'echo selected > /tmp/spec-marker'], waitTimeout: '60s' } }] }]
      })
    );
    const db = sleeperPod(ns, 'db', env.image, { labels: { app: 'db' } });
    const web = sleeperPod(ns, 'web', env.image, { labels: { app: 'web' } });
    await Promise.all([cluster.create(refs.pods, db), cluster.create(refs.pods, web)]);
    expect(restoreExecHooksFor(web, spec)).toEqual([]);
    expect(await runRestoreExecHooks(cluster, db, restoreExecHooksFor(db, spec), new MemoryLogger(), POLL)).toEqual({ ran: 1, errors: [], warnings: [] });
    expect(await readFile(ns, 'db', '/tmp/spec-marker')).toBe('selected');
  });
});
