import { randomBytes } from 'node:crypto';
import { Readable, Transform, pipeline } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import { AbortMultipartUploadCommand, ListMultipartUploadsCommand, ListObjectsV2Command, ListPartsCommand, type S3Client } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { runBackup, type BackupResult } from '../../../src/backup/run.js';
import { LEASE_KEY } from '../../../src/coordination/lease-record.js';
import type { LeaseOptions } from '../../../src/coordination/lease.js';
import type { Cluster, ListOptions, ListPage } from '../../../src/kube/cluster.js';
import type { KubeCluster } from '../../../src/kube/kube-cluster.js';
import type { KubeObject } from '../../../src/model/kube-object.js';
import type { ResourceRef } from '../../../src/model/resource-ref.js';
import { parseBackupSettings, parseLocationPolicy } from '../../../src/settings/backup-settings.js';
import { mapReader } from '../../../src/settings/input-reader.js';
import { createS3Client } from '../../../src/storage/s3-client.js';
import { backupKeys } from '../../../src/storage/layout.js';
import type { ObjectStore, PutOptions } from '../../../src/storage/object-store.js';
import { BYTES_BEFORE_FIRST_PART, S3ObjectStore } from '../../../src/storage/s3-store.js';
import { MemoryLogger } from '../../../src/util/logger.js';
import { InputError } from '../../../src/util/errors.js';
import type { ResultBucket } from '../../../src/util/run-results.js';
import { itemKey, readGzJson, readJson, readStoredArchive } from '../../support/backups.js';
import { clusterFor, refs } from '../../support/cluster.js';
import { DelegatingCluster } from '../../support/delegating-cluster.js';
import { DelegatingStore } from '../../support/delegating-store.js';
import { testEnvironment, uniqueName } from '../../support/environment.js';
import { PrivateApiServer, whyNoPrivateApiServer } from '../../support/private-apiserver.js';
import { localTestStore, s3TestOptions, s3TestStore, type TestStore } from '../../support/stores.js';
import { TcpProxy } from '../../support/tcp-proxy.js';

// Faults no other suite may see. Integration suites run in parallel against one shared environment, so nothing here
// stops or cuts a shared server: the API server that restarts is a kube-apiserver process of this suite's own (its
// own port and etcd prefix on the shared etcd, removed at the end; test/support/private-apiserver.ts), and the S3
// store "goes away" behind a TCP proxy only this suite's store talks through (test/support/tcp-proxy.ts). Both need
// the local environment's binaries and keys, so against external servers (KUBE_BACKUP_TEST_EXTERNAL=1) they skip.
const unavailable = whyNoPrivateApiServer();
const describeWithPrivateServer = unavailable ? describe.skip : describe;

let server: PrivateApiServer;
let admin: KubeCluster;

beforeAll(async () => {
  if (unavailable) return;
  server = await PrivateApiServer.launch();
  admin = clusterFor(server.kubeconfig);
}, 120_000);

afterAll(async () => {
  admin?.close();
  await server?.dispose();
});

const roles: ResourceRef = { group: 'rbac.authorization.k8s.io', version: 'v1', resource: 'roles', namespaced: true };

async function backup(cluster: Cluster, store: ObjectStore, inputs: Record<string, string>, lease?: Partial<LeaseOptions>): Promise<BackupResult & { log: MemoryLogger }> {
  const reader = mapReader({ 'backup-name': uniqueName('fault'), ...inputs });
  const log = new MemoryLogger();
  const result = await runBackup({ cluster, store, logger: log, holder: 'faults-test', lease }, { settings: parseBackupSettings(reader), location: parseLocationPolicy(reader) });
  return { ...result, log };
}

async function createAll(objects: { ref: ResourceRef; object: KubeObject }[]): Promise<void> {
  for (let i = 0; i < objects.length; i += 25) await Promise.all(objects.slice(i, i + 25).map(({ ref, object }) => admin.create(ref, object)));
}

/** Which page of which list a call reads. */
interface PageCall {
  ref: ResourceRef;
  options: ListOptions;
  continueToken?: string;
}

/**
 * The engine's view of the private server, with a hook around every page read (where a test injects its fault), and
 * a way to hold every call for a while (so the fault lands between requests, none of them cut half-way).
 */
class FaultingCluster extends DelegatingCluster {
  private inFlight = 0;
  private drained: (() => void) | undefined;
  private holding: Promise<void> | undefined;

  constructor(
    real: Cluster,
    private readonly aroundPage: (call: PageCall, read: () => Promise<ListPage>) => Promise<ListPage>
  ) {
    super(real);
  }

  /** Waits for the calls in flight to return, runs `work` while every new call waits, then lets them go. */
  async hold(work: () => Promise<void>): Promise<void> {
    this.holding = (async () => {
      if (this.inFlight > 0) await new Promise<void>((resolve) => (this.drained = resolve));
      await work();
    })();
    try {
      await this.holding;
    } finally {
      this.holding = undefined;
    }
  }

  override listPage(ref: ResourceRef, options: ListOptions, continueToken?: string): Promise<ListPage> {
    return this.aroundPage({ ref, options, continueToken }, () => this.call(() => super.listPage(ref, options, continueToken)));
  }

  override get(ref: ResourceRef, name: string, namespace?: string): Promise<KubeObject | undefined> {
    return this.call(() => super.get(ref, name, namespace));
  }

  override discover() {
    return this.call(() => super.discover());
  }

  private async call<T>(request: () => Promise<T>): Promise<T> {
    while (this.holding) await this.holding.catch(() => undefined);
    this.inFlight++;
    try {
      return await request();
    } finally {
      if (--this.inFlight === 0) this.drained?.();
    }
  }
}

/** A matcher for the first continued page (page 2) of one list: the fault lands in the middle of that walk. */
function secondPageOf(resource: string, namespace: string): (call: PageCall) => boolean {
  let seen = false;
  return (call) => {
    if (seen || call.ref.resource !== resource || call.options.namespace !== namespace || !call.continueToken) return false;
    seen = true;
    return true;
  };
}

async function waitUntil(check: () => boolean, what: string, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs / 1000}s waiting for ${what}`);
    await sleep(10);
  }
}

describeWithPrivateServer('the API server restarts in the middle of a backup', () => {
  const ns = uniqueName('restart');
  const configMaps = 300;
  // Page size 50: the ConfigMaps take six pages, so the restart can land between two of them.
  const pageSize = '50';
  /** Every item the backup must hold or name as a gap: what this suite created, and the namespace itself. */
  const expected = new Set<string>([itemKey('namespaces', undefined, ns)]);
  const stores: TestStore[] = [];

  beforeAll(async () => {
    await admin.create(refs.namespaces, { apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns } });
    const objects: { ref: ResourceRef; object: KubeObject }[] = [];
    for (let i = 0; i < configMaps; i++) objects.push({ ref: refs.configmaps, object: { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: `cm-${i}`, namespace: ns }, data: { i: String(i) } } });
    for (let i = 0; i < 20; i++) objects.push({ ref: refs.secrets, object: { apiVersion: 'v1', kind: 'Secret', metadata: { name: `secret-${i}`, namespace: ns }, stringData: { i: String(i) } } });
    for (let i = 0; i < 5; i++) objects.push({ ref: refs.serviceaccounts, object: { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: `robot-${i}`, namespace: ns } } });
    for (let i = 0; i < 5; i++) {
      objects.push({ ref: roles, object: { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'Role', metadata: { name: `role-${i}`, namespace: ns }, rules: [{ apiGroups: [''], resources: ['configmaps'], verbs: ['get'] }] } });
    }
    await createAll(objects);
    for (const { ref, object } of objects) expected.add(itemKey(ref.group ? `${ref.resource}.${ref.group}` : ref.resource, ns, object.metadata.name!));
  }, 60_000);

  afterAll(async () => {
    await Promise.all(stores.map((s) => s.cleanup()));
  });

  function local(): ObjectStore {
    const s = localTestStore();
    stores.push(s);
    return s.store;
  }

  /** The items of this suite's namespace (and the namespace) a stored backup holds. */
  async function storedItems(store: ObjectStore, name: string): Promise<string[]> {
    const archive = await readStoredArchive(store, name);
    return [...archive.items].filter((key) => key.split('|')[1] === ns || key === itemKey('namespaces', undefined, ns)).sort();
  }

  it('retries through a restart that is back within the retry budget: Completed, every item stored', async () => {
    // A restart takes this server seconds (it listens a second or two after it starts and answers seconds later;
    // requests sent meanwhile wait), about as long as http.ts's retry budget (KUBE_RETRY) covers if connections
    // were refused all along. So the engine reaches it through a proxy, and the part of the restart
    // in which it is turned away is kept short: the proxy resets connections while the server stops and starts, and
    // forwards again as soon as the engine's first attempt has been turned away.
    const proxy = await TcpProxy.start({ host: '127.0.0.1', port: server.port });
    const engineView = clusterFor(server.kubeconfigVia(proxy.port));
    const trigger = secondPageOf('configmaps', ns);
    let resetsBeforeRestore = 0;
    const cluster = new FaultingCluster(engineView, async (call, read) => {
      if (!trigger(call)) return read();
      await cluster.hold(async () => {
        await proxy.cut('reset');
        await server.stop();
        await server.start('listening');
      });
      const resets = proxy.resets;
      const restored = waitUntil(() => proxy.resets > resets, 'the engine to try while the server is away').then(async () => {
        resetsBeforeRestore = proxy.resets;
        await proxy.restore();
      });
      try {
        return await read();
      } finally {
        await restored;
      }
    });
    const store = local();
    const startsBefore = server.starts;
    try {
      const result = await backup(cluster, store, { 'include-namespaces': ns, 'page-size': pageSize });

      expect(server.starts).toBe(startsBefore + 1);
      expect(resetsBeforeRestore).toBeGreaterThan(0);
      expect(result.results.toJSON().errors).toEqual({});
      expect(result.phase).toBe('Completed');
      expect(await storedItems(store, result.name)).toEqual([...expected].sort());
    } finally {
      engineView.close();
      await proxy.close();
      await server.whenReady();
    }
  }, 60_000);

  it('names every list the server stayed down for: PartiallyFailed, and nothing missing that the results do not name', async () => {
    const engineView = clusterFor(server.kubeconfig);
    const trigger = secondPageOf('configmaps', ns);
    let restarted: Promise<void> | undefined;
    const cluster = new FaultingCluster(engineView, async (call, read) => {
      if (!trigger(call)) return read();
      // Crashed, and back only once this read has spent its whole retry budget: whatever else the walk asks for
      // meanwhile meets the same dead server.
      await server.stop('SIGKILL');
      try {
        return await read();
      } finally {
        restarted = server.start();
      }
    });
    const store = local();
    try {
      const result = await backup(cluster, store, { 'include-namespaces': ns, 'page-size': pageSize });
      expect(restarted).toBeDefined();
      await restarted;

      expect(result.phase).toBe('PartiallyFailed');
      const { errors } = await readGzJson<{ errors: ResultBucket }>(store, backupKeys(result.name).results);
      const nsErrors = errors.namespaces?.[ns] ?? [];
      const unreachable = `cannot reach the Kubernetes API server at ${server.url}`;
      expect(nsErrors).toContainEqual(expect.stringContaining(`cannot list configmaps in namespace ${ns}: ${unreachable}`));
      expect(errors.velero).toBeUndefined();
      expect(result.errors).toBe(nsErrors.length + (errors.cluster?.length ?? 0));

      const stored = await storedItems(store, result.name);
      // The page read before the crash is kept: a gap, named, rather than the whole list dropped.
      expect(stored.filter((key) => key.startsWith('configmaps|')).length).toBeGreaterThanOrEqual(Number(pageSize));
      // No silent hole: every item the archive lacks belongs to a list the results say could not be read.
      const unnamed = [...expected].filter((key) => !stored.includes(key)).filter((key) => {
        const [groupResource] = key.split('|');
        return !nsErrors.some((message) => message.startsWith(`cannot list ${groupResource} in namespace ${ns}: `));
      });
      expect(unnamed).toEqual([]);
      // And nothing is stored that was not there.
      expect(stored.filter((key) => !expected.has(key))).toEqual([]);
      // The Backup says what its results say.
      const backupObject = await readJson<{ status: { phase: string; errors: number } }>(store, backupKeys(result.name).metadata);
      expect(backupObject.status).toMatchObject({ phase: 'PartiallyFailed', errors: result.errors });
    } finally {
      engineView.close();
      if (restarted) await restarted;
      else if (!server.running) await server.start();
    }
  }, 60_000);
});

/**
 * Holds the upload of one key once more than `bytes` have gone into it, until release(); `onUploadFailed` runs when
 * that upload fails, before the engine hears of it.
 */
class HoldingUploadStore extends DelegatingStore {
  readonly held: Promise<void>;
  private markHeld!: () => void;
  private readonly gate: Promise<void>;
  private open!: () => void;

  constructor(
    real: ObjectStore,
    private readonly key: string,
    private readonly bytes: number,
    private readonly onUploadFailed: () => Promise<void> = async () => {}
  ) {
    super(real);
    this.held = new Promise((resolve) => (this.markHeld = resolve));
    this.gate = new Promise((resolve) => (this.open = resolve));
  }

  release(): void {
    this.open();
  }

  override async put(key: string, body: Readable | Buffer | string, options?: PutOptions): Promise<void> {
    if (key !== this.key || !(body instanceof Readable)) return super.put(key, body, options);
    let passed = 0;
    const { bytes, gate } = this;
    const markHeld = () => this.markHeld();
    const holding = new Transform({
      transform(chunk: Buffer, _encoding, done) {
        const before = passed;
        passed += chunk.length;
        this.push(chunk);
        if (before <= bytes && passed > bytes) {
          markHeld();
          void gate.then(() => done());
        } else {
          done();
        }
      }
    });
    // Errors pass both ways: the archive failing fails the upload, the upload failing stops the archive.
    pipeline(body, holding, () => {});
    try {
      await super.put(key, holding, options);
    } catch (err) {
      await this.onUploadFailed();
      throw err;
    }
  }
}

describeWithPrivateServer('the S3 store goes away in the middle of an upload', () => {
  const ns = uniqueName('s3cut');
  // About 900 KB of random text each, stored twice in the archive (Velero's preferred-version copy) and barely
  // compressible: some 19 MB of tarball, more than two parts.
  const configMaps = 14;
  const s3 = testEnvironment().s3;
  const endpoint = new URL(s3.endpoint);
  const s3Admin: S3Client = createS3Client(s3TestOptions());
  let proxy: TcpProxy;
  const buckets: (TestStore & { bucket: string })[] = [];

  beforeAll(async () => {
    await admin.create(refs.namespaces, { apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns } });
    const objects = Array.from({ length: configMaps }, (_, i) => ({
      ref: refs.configmaps,
      object: { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: `blob-${i}`, namespace: ns }, data: { blob: randomBytes(675_000).toString('base64') } } as KubeObject
    }));
    await createAll(objects);
    proxy = await TcpProxy.start({ host: endpoint.hostname, port: Number(endpoint.port || (endpoint.protocol === 'https:' ? 443 : 80)) });
  }, 60_000);

  afterAll(async () => {
    await proxy?.close();
    for (const b of buckets) {
      // What the engine could not abort while the store was away (see below) would keep the bucket from going.
      const { Uploads } = await s3Admin.send(new ListMultipartUploadsCommand({ Bucket: b.bucket }));
      for (const u of Uploads ?? []) await s3Admin.send(new AbortMultipartUploadCommand({ Bucket: b.bucket, Key: u.Key!, UploadId: u.UploadId! }));
      await b.cleanup();
    }
    s3Admin.destroy();
  });

  const PREFIX = 'cluster-a/';

  /** A fresh bucket: `direct` reads it on the real endpoint, `viaProxy()` is what the engine writes through. */
  async function freshBucket() {
    const direct = await s3TestStore(PREFIX);
    buckets.push(direct);
    const viaProxy = () => new S3ObjectStore({ bucket: direct.bucket, prefix: PREFIX, url: `s3://${direct.bucket}/${PREFIX}` }, s3TestOptions({ endpoint: proxy.url(endpoint.protocol.replace(':', '')) }));
    return { bucket: direct.bucket, direct: direct.store, viaProxy };
  }

  async function keysIn(bucket: string): Promise<string[]> {
    const page = await s3Admin.send(new ListObjectsV2Command({ Bucket: bucket }));
    return (page.Contents ?? []).map((o) => o.Key!).sort();
  }

  async function unfinishedUploads(bucket: string, key: string): Promise<{ Key?: string; UploadId?: string }[]> {
    const { Uploads } = await s3Admin.send(new ListMultipartUploadsCommand({ Bucket: bucket, Prefix: key }));
    return (Uploads ?? []).filter((u) => u.Key === key);
  }

  /** Waits until the store holds a part of the upload of `key`: the store goes away with the upload half done. */
  async function firstPartStored(bucket: string, key: string): Promise<void> {
    const deadline = Date.now() + 20_000;
    for (;;) {
      const [upload] = await unfinishedUploads(bucket, key);
      if (upload) {
        const { Parts } = await s3Admin.send(new ListPartsCommand({ Bucket: bucket, Key: key, UploadId: upload.UploadId }));
        if ((Parts ?? []).length > 0) return;
      }
      if (Date.now() > deadline) throw new Error(`no part of ${key} was stored within 20s of ${BYTES_BEFORE_FIRST_PART + 1} bytes going in`);
      await sleep(100);
    }
  }

  /** Starts a backup through the proxy, cuts the proxy once one part is stored, and lets the upload go on. */
  async function backupCutAfterFirstPart(bucket: string, store: ObjectStore, name: string, onUploadFailed: () => Promise<void>, lease?: Partial<LeaseOptions>) {
    const tarballKey = backupKeys(name).tarball;
    // Held just past what the engine needs before it sends its first part: exactly one part is stored when the store goes away.
    const holding = new HoldingUploadStore(store, tarballKey, BYTES_BEFORE_FIRST_PART, onUploadFailed);
    const run = backup(admin, holding, { 'backup-name': name, 'include-namespaces': ns }, lease).catch((err: unknown) => err as Error);
    await holding.held;
    await firstPartStored(bucket, `${PREFIX}${tarballKey}`);
    await proxy.cut('refuse');
    holding.release();
    return run;
  }

  it('comes back after the upload failed: the run fails naming the store, commits nothing, releases its lease; a re-run completes', async () => {
    const { bucket, direct, viaProxy } = await freshBucket();
    const name = uniqueName('cut');
    const keys = backupKeys(name);
    const first = viaProxy();
    let outcome;
    try {
      outcome = await backupCutAfterFirstPart(bucket, first, name, () => proxy.restore());
    } finally {
      first.destroy();
      await proxy.restore();
    }
    if (outcome instanceof Error) throw outcome;
    expect(outcome.phase).toBe('Failed');
    expect(outcome.failure).toContain(`${proxy.url()} stopped answering during the run (ECONNREFUSED`);

    const left = await keysIn(bucket);
    expect(left).not.toContain(`${PREFIX}${keys.metadata}`);
    expect(left).not.toContain(`${PREFIX}${keys.tarball}`);
    expect(left).not.toContain(`${PREFIX}${LEASE_KEY}`);
    // The run's own record of why it failed is there for whoever looks.
    const { errors } = await readGzJson<{ errors: ResultBucket }>(direct, keys.results);
    expect(errors.velero).toContainEqual(expect.stringContaining(`${proxy.url()} stopped answering during the run`));
    // Swift's abort could not be reached while the store was away, so the stored part may outlive the run; what must
    // hold is that it is no object (above), one upload at most, and that it can be aborted (what prune is for).
    const unfinished = await unfinishedUploads(bucket, `${PREFIX}${keys.tarball}`);
    expect(unfinished.length).toBeLessThanOrEqual(1);

    // The same backup again, with the store back: the lease is free at once (waitMs 0 fails on a held one).
    const second = viaProxy();
    try {
      const rerun = await backup(admin, second, { 'backup-name': name, 'include-namespaces': ns }, { waitMs: 0 });
      expect(rerun.phase).toBe('Completed');
      const archive = await readStoredArchive(direct, name);
      expect([...archive.items].filter((key) => key.startsWith('configmaps|')).length).toBe(configMaps);
      expect(await keysIn(bucket)).toContain(`${PREFIX}${keys.metadata}`);
    } finally {
      second.destroy();
    }
    for (const u of unfinished) await s3Admin.send(new AbortMultipartUploadCommand({ Bucket: bucket, Key: u.Key!, UploadId: u.UploadId! }));
    expect(await unfinishedUploads(bucket, `${PREFIX}${keys.tarball}`)).toEqual([]);
  }, 60_000);

  it('is still away when the run ends: the run throws naming the store; its lease holds a re-run off only until it expires', async () => {
    const { bucket, direct, viaProxy } = await freshBucket();
    const name = uniqueName('cut');
    const keys = backupKeys(name);
    const first = viaProxy();
    const ttlMs = 5_000;
    let outcome;
    try {
      outcome = await backupCutAfterFirstPart(bucket, first, name, async () => {}, { ttlMs });
    } finally {
      first.destroy();
      await proxy.restore();
    }
    expect(outcome).toBeInstanceOf(Error);
    expect((outcome as Error).message).toContain(`${proxy.url()} stopped answering during the run (ECONNREFUSED`);
    expect(outcome).not.toBeInstanceOf(InputError);

    const left = await keysIn(bucket);
    expect(left).not.toContain(`${PREFIX}${keys.metadata}`);
    expect(left).not.toContain(`${PREFIX}${keys.tarball}`);
    // Nothing could delete the lease while the store was away: it stays until its TTL runs out.
    expect(left).toContain(`${PREFIX}${LEASE_KEY}`);
    expect((await unfinishedUploads(bucket, `${PREFIX}${keys.tarball}`)).length).toBeLessThanOrEqual(1);

    const second = viaProxy();
    try {
      const rerun = await backup(admin, second, { 'backup-name': name, 'include-namespaces': ns }, { waitMs: 30_000, pollMs: 250 });
      expect(rerun.phase).toBe('Completed');
      expect(rerun.log.lines).toContainEqual(expect.objectContaining({ level: 'warn', message: expect.stringContaining('Took over a stale lease of faults-test') }));
      const archive = await readStoredArchive(direct, name);
      expect([...archive.items].filter((key) => key.startsWith('configmaps|')).length).toBe(configMaps);
    } finally {
      second.destroy();
    }
  }, 60_000);
});
