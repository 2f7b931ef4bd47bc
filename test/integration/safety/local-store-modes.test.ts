import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { afterAll, describe, expect, it } from '@jest/globals';
import { LocalObjectStore } from '../../../src/storage/local-store.js';

// A local-directory location holds every Secret of a cluster: nobody but the runner's user may read it, whatever
// the process umask (a permissive one is set here so the store, not the environment, has to get it right).
describe('local-directory store permissions', () => {
  const created: string[] = [];
  afterAll(() => Promise.all(created.map((dir) => fs.rm(dir, { recursive: true, force: true }))));

  it('writes files 0600 and folders 0700, for streamed, small and exclusive writes', async () => {
    const parent = await fs.mkdtemp(path.join(os.tmpdir(), 'kube-backup-modes-'));
    created.push(parent);
    const root = path.join(parent, 'location');
    const store = new LocalObjectStore(root);
    const previous = process.umask(0o000);
    try {
      await store.put('backups/b1/b1.tar.gz', Readable.from([Buffer.alloc(70_000, 1)]));
      await store.put('backups/b1/velero-backup.json', '{}');
      await store.put('metadata/lease.json', '{}', { ifNoneMatch: true });
    } finally {
      process.umask(previous);
    }
    const modeOf = async (relative: string) => (await fs.stat(path.join(root, relative))).mode & 0o777;
    for (const dir of ['', 'backups', 'backups/b1', 'metadata']) expect([dir, (await modeOf(dir)).toString(8)]).toEqual([dir, '700']);
    for (const file of ['backups/b1/b1.tar.gz', 'backups/b1/velero-backup.json', 'metadata/lease.json']) expect([file, (await modeOf(file)).toString(8)]).toEqual([file, '600']);
  });
});
