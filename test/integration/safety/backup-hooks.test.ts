import { gunzipSync } from 'node:zlib';
import type { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { runBackup, type BackupResult } from '../../../src/backup/run.js';
import { runRestoreExecHooks } from '../../../src/hooks/restore-exec-hooks.js';
import type { KubeCluster } from '../../../src/kube/kube-cluster.js';
import { parseBackupSettings, parseLocationPolicy } from '../../../src/settings/backup-settings.js';
import { mapReader } from '../../../src/settings/input-reader.js';
import { backupKeys } from '../../../src/storage/layout.js';
import type { ObjectStore, PutOptions } from '../../../src/storage/object-store.js';
import { DelegatingStore } from '../../support/delegating-store.js';
import { MemoryLogger } from '../../../src/util/logger.js';
import { clusterFor, createNamespace, deleteNamespace, refs, sleeperPod, waitFor, waitForPodRunning } from '../../support/cluster.js';
import { testEnvironment, uniqueName } from '../../support/environment.js';
import { localTestStore, type TestStore } from '../../support/stores.js';

/**
 * Safety of backup hooks against the real cluster: a pre hook that froze something is always followed by the pod's
 * post hooks, whatever happens to the backup after it (item 6 of the Safety issue), and what a hook prints never
 * reaches the log, the stored logs file or the results (part of item 11).
 */
const env = testEnvironment();
const base = uniqueName('sf-hooks');
const nsFail = `${base}-fail`;
const nsPartial = `${base}-part`;
const nsCanary = `${base}-canary`;
const canary = `kbcanary${Math.random().toString(36).slice(2, 10)}`;
let cluster: KubeCluster;
const stores: TestStore[] = [];

beforeAll(async () => {
  cluster = clusterFor(env.kubeconfig);
  await Promise.all([createNamespace(cluster, nsFail), createNamespace(cluster, nsPartial), createNamespace(cluster, nsCanary)]);
  await cluster.create(refs.secrets, { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'hook-secret', namespace: nsCanary }, stringData: { token: canary } });
  const withSecret = sleeperPod(nsCanary, 'talker', env.image, {
    annotations: {
      // Prints the secret on stdout, and on stderr in a credential's shape as its last line; exits 3 (a warning).
      'pre.hook.backup.velero.io/command': JSON.stringify(['/bin/sh', '-c', 'cat /etc/secret/token; echo "login refused" >&2; echo "token=$(cat /etc/secret/token)" >&2; exit 3']),
      'pre.hook.backup.velero.io/on-error': 'Continue',
      'post.hook.backup.velero.io/command': JSON.stringify(['/bin/sh', '-c', 'echo "password: $(cat /etc/secret/token)"; cat /etc/secret/token >&2'])
    }
  });
  const spec = withSecret.spec as { containers: Record<string, unknown>[]; volumes?: unknown[] };
  spec.containers[0]!.volumeMounts = [{ name: 'secret', mountPath: '/etc/secret', readOnly: true }];
  spec.volumes = [{ name: 'secret', secret: { secretName: 'hook-secret' } }];
  const pods = [
    // Listed in name order: a-frozen's pre hook runs first, and takes 3s after freezing.
    sleeperPod(nsFail, 'a-frozen', env.image, {
      annotations: {
        'pre.hook.backup.velero.io/command': '["/bin/sh","-c","echo frozen > /tmp/frozen; sleep 3"]',
        'post.hook.backup.velero.io/command': '["/bin/sh","-c","echo thawed > /tmp/thawed"]'
      }
    }),
    sleeperPod(nsFail, 'b-next', env.image, {
      annotations: {
        'pre.hook.backup.velero.io/command': '["/bin/sh","-c","echo started > /tmp/frozen"]',
        'post.hook.backup.velero.io/command': '["/bin/sh","-c","echo thawed > /tmp/thawed"]'
      }
    }),
    sleeperPod(nsPartial, 'db', env.image, { labels: { app: 'db' } }),
    withSecret
  ];
  await Promise.all(pods.map((pod) => cluster.create(refs.pods, pod)));
  await Promise.all(pods.map((pod) => waitForPodRunning(cluster, pod.metadata.namespace!, pod.metadata.name!)));
}, 180_000);

afterAll(async () => {
  await Promise.all([nsFail, nsPartial, nsCanary].map((ns) => deleteNamespace(cluster, ns)));
  await Promise.all(stores.map((s) => s.cleanup()));
  cluster.close();
});

/** The file's content in the pod, or undefined when there is none. */
async function readMarker(namespace: string, pod: string, file: string): Promise<string | undefined> {
  const result = await cluster.exec({ namespace, pod, container: 'main' }, ['cat', file], { timeoutMs: 20_000 });
  return result.exitCode === 0 ? result.stdout.trim() : undefined;
}

function localStore(): ObjectStore {
  const s = localTestStore();
  stores.push(s);
  return s.store;
}

async function backup(store: ObjectStore, logger: MemoryLogger, inputs: Record<string, string>): Promise<BackupResult> {
  const reader = mapReader({ 'backup-name': uniqueName('hooks'), ...inputs });
  return runBackup({ cluster, store, logger, holder: 'test', lease: { renewEveryMs: 0 } }, { settings: parseBackupSettings(reader), location: parseLocationPolicy(reader) });
}

async function gunzipText(store: ObjectStore, key: string): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of await store.get(key)) chunks.push(chunk as Buffer);
  return gunzipSync(Buffer.concat(chunks)).toString('utf8');
}

/**
 * The real local store, except that the backup's tarball upload breaks part way, as a dropped connection does: it
 * takes the archive's bytes until `cue` resolves, then fails. Every other object goes to the real store.
 */
class TarballUploadBreaksOnCue extends DelegatingStore {
  consumed = 0;
  broke = false;
  constructor(
    real: ObjectStore,
    private readonly cue: Promise<void>
  ) {
    super(real);
  }
  override async put(key: string, body: Readable | Buffer | string, options?: PutOptions): Promise<void> {
    if (!key.endsWith('.tar.gz') || typeof body === 'string' || Buffer.isBuffer(body)) return this.real.put(key, body, options);
    const cued = this.cue.then(() => 'cue' as const);
    const reader = body[Symbol.asyncIterator]();
    for (;;) {
      const next = await Promise.race([reader.next(), cued]);
      if (next === 'cue') break;
      if (next.done) throw new Error('the test double expected to break before the archive ended');
      this.consumed += (next.value as Buffer).length;
    }
    this.broke = true;
    // Stop reading, as a dropped connection does; the archive's stream is the backup's to close.
    throw new Error(`upload of ${key} failed after ${this.consumed} bytes: connection reset by peer`);
  }
}

describe('backup hooks when the backup fails', () => {
  it('thaws a frozen pod whose backup failed after its pre hook, and starts no pre hook after the failure', async () => {
    // The cue: a-frozen's pre hook has frozen it (and still sleeps for 3s), seen from outside through exec.
    const frozen = waitFor(async () => (await readMarker(nsFail, 'a-frozen', '/tmp/frozen')) === 'frozen', 'the pre hook of a-frozen', 60_000);
    const store = new TarballUploadBreaksOnCue(localStore(), frozen);
    const logger = new MemoryLogger();
    const result = await backup(store, logger, { 'include-namespaces': nsFail, 'include-resources': 'pods', concurrency: '1' });

    expect(store.broke).toBe(true);
    expect(result.phase).toBe('Failed');
    expect(result.failure).toMatch(/connection reset by peer/);
    // The post hook ran although the pod never reached the archive.
    expect(await readMarker(nsFail, 'a-frozen', '/tmp/thawed')).toBe('thawed');
    // The next pod's pre hook never started: nothing of its was frozen, so nothing needs a thaw.
    expect(await readMarker(nsFail, 'b-next', '/tmp/frozen')).toBeUndefined();
    expect(await readMarker(nsFail, 'b-next', '/tmp/thawed')).toBeUndefined();
    expect(logger.lines.map((l) => l.message)).toContainEqual(expect.stringMatching(new RegExp(`post hook from annotations on pod ${nsFail}/a-frozen .*succeeded`)));
  });

  it('thaws a pod whose pre hooks froze it and then failed, though the pod is left out', async () => {
    const hooks = JSON.stringify({
      resources: [
        {
          name: 'freeze',
          includedNamespaces: [nsPartial],
          pre: [{ exec: { command: ['/bin/sh', '-c', 'echo frozen > /tmp/frozen'] } }, { exec: { command: ['/bin/sh', '-c', 'exit 1'] } }],
          post: [{ exec: { command: ['/bin/sh', '-c', 'echo thawed > /tmp/thawed'] } }]
        }
      ]
    });
    const result = await backup(localStore(), new MemoryLogger(), { 'include-namespaces': nsPartial, 'include-resources': 'pods', hooks });

    // Its one pod left out, the backup holds nothing: Failed, not PartiallyFailed (README, Decisions).
    expect(result.phase).toBe('Failed');
    expect(result.results.errors.namespaces?.[nsPartial]).toContainEqual(expect.stringMatching(/^pre hook 'freeze'\[1\] on pod .*\/db \(container main\) failed: exited with code 1/));
    expect(await readMarker(nsPartial, 'db', '/tmp/frozen')).toBe('frozen');
    expect(await readMarker(nsPartial, 'db', '/tmp/thawed')).toBe('thawed');
  });
});

describe('hook output', () => {
  it('keeps what a backup hook prints out of the log, the stored logs file and the results', async () => {
    const store = localStore();
    const logger = new MemoryLogger();
    const result = await backup(store, logger, { 'include-namespaces': nsCanary, 'include-resources': 'pods' });
    expect(result.phase).toBe('Completed');
    const keys = backupKeys(result.name);
    const storedLogs = await gunzipText(store, keys.logs);
    const storedResults = await gunzipText(store, keys.results);
    expect(logger.lines.filter((l) => l.message.includes(canary))).toEqual([]);
    expect(JSON.stringify(result.results.toJSON())).not.toContain(canary);
    expect(storedLogs).not.toContain(canary);
    expect(storedResults).not.toContain(canary);

    // The hooks ran, and the log says how they ended, with the output's size; the results keep a masked last line.
    const messages = logger.lines.map((l) => l.message);
    expect(messages).toContainEqual(expect.stringMatching(/pre from annotations\] exited with code 3 \(stdout \d+ bytes, stderr \d+ bytes\)/));
    expect(messages).toContainEqual(expect.stringMatching(/post from annotations\] exited with code 0 \(stdout \d+ bytes, stderr \d+ bytes\)/));
    expect(storedLogs).toContain('exited with code 3');
    const warnings = result.results.warnings.namespaces?.[nsCanary] ?? [];
    expect(warnings).toEqual([expect.stringMatching(/^pre hook from annotations on pod .*\/talker \(container main\) failed \(on-error Continue\): exited with code 3 \(last line of stderr: "token=\*\*\*"\)$/)]);
  });

  it('keeps what a restore exec hook prints out of the log and the result', async () => {
    const logger = new MemoryLogger();
    const hook = { command: ['/bin/sh', '-c', 'cat /etc/secret/token; echo "password: $(cat /etc/secret/token)" >&2; exit 2'], onError: 'Continue' as const, execTimeoutMs: 20_000, waitForReady: false };
    const result = await runRestoreExecHooks(cluster, { namespace: nsCanary, name: 'talker' }, [{ source: 'test', label: "'canary'[0]", hook, container: 'main' }], logger, { pollIntervalMs: 200 });
    expect(result.ran).toBe(1);
    expect(logger.lines.filter((l) => l.message.includes(canary))).toEqual([]);
    expect(JSON.stringify(result)).not.toContain(canary);
    expect(result.warnings).toEqual([expect.stringMatching(/failed \(on-error Continue\): exited with code 2 \(last line of stderr: "password: \*\*\*"\)$/)]);
    expect(logger.lines.map((l) => l.message)).toContainEqual(expect.stringMatching(/exited with code 2 \(stdout \d+ bytes, stderr \d+ bytes\)/));
  });
});
