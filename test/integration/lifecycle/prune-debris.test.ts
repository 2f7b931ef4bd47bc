import { randomBytes } from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import { Readable } from 'node:stream';
import { CreateMultipartUploadCommand, ListMultipartUploadsCommand, UploadPartCommand } from '@aws-sdk/client-s3';
import { afterAll, describe, expect, it } from '@jest/globals';
import { acquireLease, LeaseHeldError } from '../../../src/coordination/lease.js';
import { pruneSummary } from '../../../src/report/prune-report.js';
import { runPrune, type PruneContext } from '../../../src/prune/run-prune.js';
import { createS3Client } from '../../../src/storage/s3-client.js';
import type { ObjectStore, UnfinishedWrite } from '../../../src/storage/object-store.js';
import { MemoryLogger } from '../../../src/util/logger.js';
import { allKeys, localTestStore, s3TestOptions, s3TestStore, type TestStore } from '../../support/stores.js';
import { pruneSettings } from './support.js';

// Prune removes what killed runs leave (unfinished multipart uploads, temporary files) once nobody has written to
// it for unfinished-grace, only under its lease, and reports it; a recent one, or one under another run's lease, stays.
const DAY = 24 * 3_600_000;
const location = { name: 'default', accessMode: 'ReadWrite' as const };
const PART = 64 * 1024;

/** A store, and how a run killed mid-write leaves debris in it: made the way that run would have, beside the port. */
interface DebrisBackend extends TestStore {
  /** An unfinished write of `key` holding PART bytes, as a killed run leaves it. */
  interrupt(key: string): Promise<void>;
  /** The keys of the unfinished writes left, seen without the port. */
  remaining(): Promise<string[]>;
}

const admin = createS3Client(s3TestOptions());
const made: TestStore[] = [];
afterAll(async () => {
  await Promise.all(made.map((s) => s.cleanup()));
  admin.destroy();
});

const backends: [string, () => Promise<DebrisBackend>][] = [
  [
    'S3 (Swift)',
    async () => {
      const prefix = 'cluster-a/';
      const test = await s3TestStore(prefix);
      made.push(test);
      return {
        ...test,
        interrupt: async (key) => {
          const Key = `${prefix}${key}`;
          const { UploadId } = await admin.send(new CreateMultipartUploadCommand({ Bucket: test.bucket, Key }));
          await admin.send(new UploadPartCommand({ Bucket: test.bucket, Key, UploadId, PartNumber: 1, Body: randomBytes(PART) }));
        },
        remaining: async () => {
          const page = await admin.send(new ListMultipartUploadsCommand({ Bucket: test.bucket }));
          return (page.Uploads ?? []).map((u) => u.Key!.slice(prefix.length)).sort();
        }
      };
    }
  ],
  [
    'a local directory',
    async () => {
      const test = localTestStore();
      made.push(test);
      return {
        ...test,
        interrupt: async (key) => {
          const file = path.join(test.directory, ...key.split('/'));
          await fs.mkdir(path.dirname(file), { recursive: true });
          await fs.writeFile(path.join(path.dirname(file), `.${path.basename(file)}.tmp-${randomBytes(6).toString('hex')}`), randomBytes(PART));
        },
        remaining: async () => {
          const entries = await fs.readdir(test.directory, { recursive: true, withFileTypes: true });
          return entries
            .filter((e) => e.isFile() && /\.tmp-[0-9a-f]{12}$/.test(e.name))
            .map((e) => path.relative(test.directory, path.join(e.parentPath, e.name.replace(/^\.(.+)\.tmp-[0-9a-f]{12}$/, '$1'))))
            .sort();
        }
      };
    }
  ]
];

function pruneContext(store: ObjectStore, now: Date, extra: Partial<PruneContext> = {}): PruneContext {
  return { store, logger: new MemoryLogger(), clock: () => now, holder: 'test', lease: { renewEveryMs: 0 }, ...extra };
}

async function unfinished(store: ObjectStore): Promise<UnfinishedWrite[]> {
  const writes: UnfinishedWrite[] = [];
  for await (const write of store.listUnfinished!('')) writes.push(write);
  return writes;
}

describe.each(backends)('prune of debris on %s', (_, make) => {
  it('removes an abandoned unfinished write and reports it, in a dry run only reports it, and leaves a recent one alone', async () => {
    const backend = await make();
    const { store } = backend;
    const stale = 'backups/killed/killed.tar.gz';
    const recent = 'restores/running/restore-running-logs.gz';
    await backend.interrupt(stale);
    // The store dates writes to the second (Swift): the recent one must be written in a later second.
    await new Promise((resolve) => setTimeout(resolve, 2_100));
    await backend.interrupt(recent);
    const dates = new Map((await unfinished(store)).map((w) => [w.key, w.lastModified.getTime()]));
    expect([...dates.keys()].sort()).toEqual([stale, recent].sort());
    const staleAt = dates.get(stale)!;
    const recentAt = dates.get(recent)!;
    expect(recentAt).toBeGreaterThan(staleAt);
    // Between the two: the stale write is older than unfinished-grace (24h), the recent one younger.
    const now = new Date(staleAt + DAY + (recentAt - staleAt) / 2);

    const dry = await runPrune(pruneContext(store, now), { settings: pruneSettings({ dryRun: true }), location });
    expect(dry.debris.removed.map((d) => d.key)).toEqual([stale]);
    expect(dry.debris.leftAlone.map((d) => d.key)).toEqual([recent]);
    expect(pruneSummary(dry)).toContain('### Debris of interrupted runs that would be removed');
    expect(await backend.remaining()).toEqual([stale, recent].sort());

    const result = await runPrune(pruneContext(store, now), { settings: pruneSettings(), location });
    expect(result.failures).toEqual([]);
    expect(result.warnings).toEqual([]);
    expect(result.debris.minAgeMs).toBe(DAY);
    expect(result.debris.removed).toEqual([
      { key: stale, kind: expect.stringMatching(/^(multipart-upload|temporary-file)$/), lastModified: new Date(staleAt), ageMs: now.getTime() - staleAt, size: PART }
    ]);
    expect(result.debris.removed[0]!.ageMs).toBeGreaterThanOrEqual(DAY);
    expect(result.debris.leftAlone.map((d) => [d.key, d.ageMs < DAY])).toEqual([[recent, true]]);
    expect(result.freedBytes).toBe(PART);
    expect(await backend.remaining()).toEqual([recent]);
    const summary = pruneSummary(result);
    expect(summary).toContain('0 backups deleted and 1 unfinished writes of interrupted runs removed, 64.0 KiB freed');
    expect(summary).toMatch(new RegExp(`\\| ${stale} \\| (unfinished upload|temporary file) \\| 24h0m\\d+s ago \\| 64.0 KiB \\|`));
    expect(summary).toContain(`| ${recent} |`);
    expect(await allKeys(store)).toEqual([]); // the lease is released, and nothing became an object

    // Once it too is abandoned, the next prune takes it.
    const later = await runPrune(pruneContext(store, new Date(recentAt + DAY)), { settings: pruneSettings(), location });
    expect(later.debris.removed.map((d) => d.key)).toEqual([recent]);
    expect(await backend.remaining()).toEqual([]);
  });

  it('never touches an upload a backup holding the lease is writing, however old it looks', async () => {
    const backend = await make();
    const { store } = backend;
    await backend.interrupt('backups/killed/killed.tar.gz');
    // A month on, by the clock both runs share: every write looks abandoned by its age, the lease says otherwise.
    const monthLater = new Date(Date.now() + 30 * DAY);
    const lease = await acquireLease(store, { operation: 'backup', target: 'nightly', holder: 'a running backup', renewEveryMs: 0, clock: () => monthLater });
    let fail!: (err: Error) => void;
    const stalled = new Promise<never>((_, reject) => (fail = reject));
    // A backup's archive upload in progress: more than one S3 part sent, the rest still coming.
    const writing = store.put(
      'backups/nightly/nightly.tar.gz',
      Readable.from(
        (async function* () {
          for (let i = 0; i < 9; i++) yield randomBytes(1024 * 1024);
          await stalled;
        })()
      )
    );
    writing.catch(() => undefined);
    try {
      for (let i = 0; i < 100 && !(await backend.remaining()).includes('backups/nightly/nightly.tar.gz'); i++) await new Promise((r) => setTimeout(r, 100));
      expect(await backend.remaining()).toEqual(['backups/killed/killed.tar.gz', 'backups/nightly/nightly.tar.gz']);

      const err = await runPrune(pruneContext(store, monthLater, { lease: { renewEveryMs: 0, pollMs: 100 } }), {
        settings: pruneSettings({ lease: { ttlMs: 600_000, waitMs: 500 } }),
        location
      }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(LeaseHeldError);
      expect(await backend.remaining()).toEqual(['backups/killed/killed.tar.gz', 'backups/nightly/nightly.tar.gz']);
    } finally {
      fail(new Error('backup cancelled'));
      await writing.catch(() => undefined);
      await lease.release();
    }
    // The backup's own cleanup aborted its upload; the killed run's debris is the next prune's.
    expect(await backend.remaining()).toEqual(['backups/killed/killed.tar.gz']);
    const result = await runPrune(pruneContext(store, monthLater), { settings: pruneSettings(), location });
    expect(result.debris.removed.map((d) => d.key)).toEqual(['backups/killed/killed.tar.gz']);
    expect(await backend.remaining()).toEqual([]);
  });
});
