import { existsSync } from 'node:fs';
import { mkdtemp, readdir, rm, stat } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { pipeline, Readable, Transform } from 'node:stream';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { Header, type HeaderData } from 'tar';
import { tarFile, tarHeader, tarPadding } from '../../support/tar-blocks.js';
import type { KubeCluster } from '../../../src/kube/kube-cluster.js';
import { runRestore, type RestoreResult } from '../../../src/restore/run.js';
import { parseLocationPolicy } from '../../../src/settings/backup-settings.js';
import { mapReader } from '../../../src/settings/input-reader.js';
import { parseRestoreSettings } from '../../../src/settings/restore-settings.js';
import { backupKeys } from '../../../src/storage/layout.js';
import type { ObjectStore } from '../../../src/storage/object-store.js';
import { MemoryLogger } from '../../../src/util/logger.js';
import { clusterFor, createNamespace, deleteNamespace, refs } from '../../support/cluster.js';
import { testEnvironment, uniqueName } from '../../support/environment.js';
import { localTestStore } from '../../support/stores.js';

// A restore spools the whole backup before its first write, so a hostile tarball meets that code first: a gzip bomb,
// an entry too big to hold in memory, paths that climb out of a folder, links and device files, cut or garbled
// bytes. Each must fail before the cluster is touched (or be left out, with a warning naming it), stop reading at
// once, and leave nothing in the temp directory. The tarballs are built here block by block.
const env = testEnvironment();
const ns = uniqueName('hostile');
const testStore = localTestStore();
let cluster: KubeCluster;
let base: string;

const MiB = 1024 * 1024;
const itemPath = (name: string) => `resources/configmaps/namespaces/${ns}/${name}.json`;
const configMap = (name: string) => JSON.stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, namespace: ns }, data: { from: 'hostile-archives' } });

// --- tar blocks -------------------------------------------------------------------------------------------------

const header = tarHeader;
const pad = tarPadding;
const file = tarFile;

/** metadata/version and one ConfigMap of the test namespace: the item that must not be created when the run fails. */
const prelude = (item: string) => Buffer.concat([file('metadata/version', '1.1.0\n'), file(itemPath(item), configMap(item))]);
const END = Buffer.alloc(1024);

/**
 * gzip members may follow each other (RFC 1952) and gunzip reads them as one stream: a member of 1 MiB of zeros is
 * about 1 KiB, so gigabytes of zeros cost a few megabytes here, generated as they are stored.
 */
const zeroMember = gzipSync(Buffer.alloc(MiB), { level: 9 });
function* zeros(bytes: number): Generator<Buffer> {
  for (let left = bytes; left > 0; left -= MiB) yield left >= MiB ? zeroMember : gzipSync(Buffer.alloc(left));
}

// --- the store, the backup, the restore -------------------------------------------------------------------------

/** The local store, counting how many bytes of the tarball the restore pulled. */
function countingStore(inner: ObjectStore): ObjectStore & { pulled: number } {
  const store = Object.create(inner) as ObjectStore & { pulled: number };
  store.pulled = 0;
  store.get = async (key) => {
    const counter = new Transform({
      transform(chunk: Buffer, _encoding, done) {
        store.pulled += chunk.length;
        done(null, chunk);
      }
    });
    return pipeline(await inner.get(key), counter, () => {});
  };
  return store;
}

async function storeBackup(name: string, tarball: Buffer | Iterable<Buffer>): Promise<number> {
  const keys = backupKeys(name);
  await testStore.store.put(keys.tarball, Buffer.isBuffer(tarball) ? tarball : Readable.from(tarball));
  const backup = { apiVersion: 'velero.io/v1', kind: 'Backup', metadata: { name, namespace: 'velero' }, spec: {}, status: { phase: 'Completed', formatVersion: '1.1.0', startTimestamp: '2025-01-01T00:00:00Z' } };
  await testStore.store.put(keys.metadata, JSON.stringify(backup));
  return (await stat(path.join(testStore.directory, keys.tarball))).size;
}

interface Outcome {
  result: RestoreResult;
  logger: MemoryLogger;
  pulled: number;
  tempDirectory: string;
}

/** Restores `backup` into the test namespace, spooling into a temp directory of its own under `base`. */
async function restore(backup: string, inputs: Record<string, string> = {}): Promise<Outcome> {
  const tempDirectory = await mkdtemp(path.join(base, 'temp-'));
  const store = countingStore(testStore.store);
  const logger = new MemoryLogger();
  const reader = mapReader({ 'from-backup': backup, 'restore-name': uniqueName('r'), 'include-namespaces': ns, ...inputs });
  const result = await runRestore({ cluster, store, logger, tempDirectory }, { settings: parseRestoreSettings(reader), location: parseLocationPolicy(reader) });
  return { result, logger, pulled: store.pulled, tempDirectory };
}

const configMapExists = async (name: string) => (await cluster.get(refs.configmaps, name, ns)) !== undefined;

/** The run failed before its first write, and left no file behind. */
async function expectFailedBeforeWriting(outcome: Outcome, item: string): Promise<string> {
  const { result, tempDirectory } = outcome;
  expect(result.phase).toBe('Failed');
  expect(result.counts.created).toBe(0);
  expect(await configMapExists(item)).toBe(false);
  expect(await readdir(tempDirectory)).toEqual([]);
  return result.failure!;
}

beforeAll(async () => {
  cluster = clusterFor(env.kubeconfig);
  await createNamespace(cluster, ns);
  base = await mkdtemp(path.join(os.tmpdir(), 'kb-hostile-'));
}, 120_000);

afterAll(async () => {
  await deleteNamespace(cluster, ns);
  await testStore.cleanup();
  await rm(base, { recursive: true, force: true });
  cluster.close();
});

describe('a gzip bomb', () => {
  it('stops at max-archive-size, naming the entry it stopped in, the cap and the input that raises it', async () => {
    // 2 GiB of zeros in 1 MiB entries, about 2 MB stored.
    const tarball = function* () {
      yield gzipSync(prelude('before-bomb'));
      for (let i = 0; i < 2048; i++) {
        yield gzipSync(header(`bomb/zeros-${String(i).padStart(4, '0')}`, MiB));
        yield zeroMember;
      }
      yield gzipSync(END);
    };
    const stored = await storeBackup('gzip-bomb', tarball());
    const outcome = await restore('gzip-bomb', { 'max-archive-size': '8Mi' });
    const failure = await expectFailedBeforeWriting(outcome, 'before-bomb');
    // version + item take 2 KiB, each zeros entry 1 MiB + its header: the 8 MiB mark falls in the eighth.
    expect(failure).toMatch(/more than 8 MiB uncompressed.*inside entry 'bomb\/zeros-0007'/);
    expect(failure).toMatch(/max-archive-size/);
    expect(failure).toMatch(/50Gi/);
    // Reading stopped there: a fraction of the stored bytes was pulled.
    expect(outcome.pulled).toBeLessThan(Math.min(MiB, stored / 2));
  }, 120_000);

  it('is refused by default long before it fills a disk: the default cap is 20 GiB', () => {
    const settings = parseRestoreSettings(mapReader({ 'from-backup': 'x' }));
    expect(settings.archiveLimits.maxArchiveSize).toBe(20 * 1024 * MiB);
    expect(parseRestoreSettings(mapReader({ 'from-backup': 'x', 'max-archive-size': '50Gi' })).archiveLimits.maxArchiveSize).toBe(50 * 1024 * MiB);
  });

  it.each(['lots', '-5Gi', '0', '1.5.0Gi', '20 gigs'])('rejects max-archive-size: %s with an error naming the input', (value) => {
    expect(() => parseRestoreSettings(mapReader({ 'from-backup': 'x', 'max-archive-size': value }))).toThrow(/^Input 'max-archive-size': /);
  });
});

describe('an entry too big for any Kubernetes object', () => {
  it.each([
    ['300 MB', 300_000_000, /is 286\.1 MiB \(300,000,000 bytes\)/],
    ['2 GiB', 2 * 1024 * MiB + 1, /is 2 GiB \(2,147,483,649 bytes\)/]
  ])('fails at its header (%s), naming it and the 16 MiB cap, without inflating its data', async (label, size, sizeText) => {
    const name = `huge-${label.replace(/\W/g, '').toLowerCase()}`;
    const tarball = function* () {
      yield gzipSync(Buffer.concat([prelude(`before-${name}`), header(itemPath(name), size)]));
      yield* zeros(size);
      yield gzipSync(Buffer.concat([pad(size), END]));
    };
    const stored = await storeBackup(name, tarball());
    const outcome = await restore(name);
    const failure = await expectFailedBeforeWriting(outcome, `before-${name}`);
    expect(failure).toContain(`entry '${itemPath(name)}'`);
    expect(failure).toMatch(sizeText);
    expect(failure).toMatch(/over the limit of 16 MiB for one entry/);
    expect(failure).toMatch(/3 MiB/); // why it has no input: the API server takes no bigger write
    if (stored > 2 * MiB) expect(outcome.pulled).toBeLessThan(MiB);
  }, 120_000);
});

describe('hostile entries', () => {
  let outcome: Outcome;
  const escapes = ['../../escape.json', `/etc/kube-backup-escape-${ns}.json`, `${itemPath('x').replace('/x.json', '')}/../../../../../../escape-deep.json`];
  const specials: [string, HeaderData['type'], string?][] = [
    [itemPath('symlink'), 'SymbolicLink', '/etc/passwd'],
    [itemPath('hardlink'), 'Link', itemPath('legit')],
    [itemPath('chardev'), 'CharacterDevice'],
    [itemPath('blockdev'), 'BlockDevice'],
    [itemPath('fifo'), 'FIFO']
  ];

  beforeAll(async () => {
    const tar = Buffer.concat([
      prelude('legit'),
      header(`resources/configmaps/namespaces/${ns}/`, 0, 'Directory'),
      ...specials.map(([p, type, link]) => header(p, 0, type, link)),
      ...escapes.map((p, i) => file(p, configMap(`escaped-${i}`))),
      END
    ]);
    await storeBackup('hostile-entries', gzipSync(tar));
    outcome = await restore('hostile-entries');
  }, 120_000);

  it('restores the regular items and nothing else', async () => {
    expect(outcome.result.phase).toBe('Completed');
    expect(outcome.result.counts.created).toBe(1);
    expect(await configMapExists('legit')).toBe(true);
    for (const i of escapes.keys()) expect(await configMapExists(`escaped-${i}`)).toBe(false);
  });

  it('warns about each entry it leaves out, by path', () => {
    const warnings = JSON.stringify(outcome.result.results.toJSON().warnings);
    for (const [p] of specials) expect(warnings).toContain(p);
    for (const p of escapes) expect(warnings).toContain(p);
    expect(warnings).toMatch(/symbolic link to '\/etc\/passwd'/);
    expect(outcome.logger.lines.filter((l) => l.level === 'warn').map((l) => l.message).join('\n')).toContain('../../escape.json');
  });

  it('writes nothing outside its temp directory, and leaves that empty', async () => {
    expect(await readdir(outcome.tempDirectory)).toEqual([]);
    expect((await readdir(base)).filter((f) => !f.startsWith('temp-'))).toEqual([]);
    expect(existsSync(`/etc/kube-backup-escape-${ns}.json`)).toBe(false);
    expect(existsSync(path.join(os.tmpdir(), 'escape-deep.json'))).toBe(false);
  });
});

describe('unreadable archives', () => {
  // Items of incompressible text, so that a cut in the gzip stream lands inside one of them.
  const noise = (i: number) => JSON.stringify({ ...JSON.parse(configMap(`noise-${i}`)), data: { n: Buffer.from(Array.from({ length: 6000 }, (_, j) => (i * 7919 + j * j * 31) % 251)).toString('base64') } });
  const tar = (item: string) => Buffer.concat([prelude(item), ...Array.from({ length: 30 }, (_, i) => file(itemPath(`noise-${String(i).padStart(2, '0')}`), noise(i))), END]);

  it.each([
    ['a truncated gzip stream', (t: Buffer) => gzipSync(t).subarray(0, Math.floor(gzipSync(t).length / 2)), /unexpected end of file.*inside entry '.*\/noise-\d\d\.json'/],
    ['a tar cut inside an entry', (t: Buffer) => gzipSync(t.subarray(0, Math.floor(t.length / 2) + 100)), /ends inside entry '.*\/noise-\d\d\.json'/],
    ['a garbled tar header', (t: Buffer) => gzipSync(garbleHeader(t, 10)), /bad tar header checksum at byte \d+, after entry '.*\/noise-09\.json'/],
    ['bytes that are not gzip', (t: Buffer) => Buffer.concat([Buffer.from('PK\x03\x04'), t]), /incorrect header check.*at the start of the archive/]
  ])('fail on %s before the first write, naming where reading stopped', async (label, damage, message) => {
    const name = `unreadable-${label.replace(/\W+/g, '-')}`;
    await storeBackup(name, damage(tar(`before-${name}`)));
    const failure = await expectFailedBeforeWriting(await restore(name), `before-${name}`);
    expect(failure).toMatch(/^the archive is corrupt or truncated: /);
    expect(failure).toMatch(message);
  }, 60_000);
});

/** Changes a byte of the path of the `index`-th entry after the prelude, so its checksum no longer matches. */
function garbleHeader(tar: Buffer, index: number): Buffer {
  const copy = Buffer.from(tar);
  let offset = 0;
  for (let entry = 0; ; entry++) {
    const size = new Header(copy, offset).size!;
    if (entry === index + 2) {
      copy[offset + 10] ^= 0x20;
      return copy;
    }
    offset += 512 + size + pad(size).length;
  }
}

describe('a well-formed archive built the same way', () => {
  it('restores, and leaves its temp directory empty too', async () => {
    await storeBackup('good', gzipSync(Buffer.concat([prelude('good-item'), END])));
    const outcome = await restore('good');
    expect(outcome.result.phase).toBe('Completed');
    expect(await configMapExists('good-item')).toBe(true);
    expect(await readdir(outcome.tempDirectory)).toEqual([]);
  }, 60_000);
});
