import { describe, expect, it } from '@jest/globals';
import { chooseBackup } from '../../../src/persistence/choose-backup.js';
import { backupKeys } from '../../../src/storage/layout.js';
import { MemoryStore } from '../lease/memory-store.js';

describe('chooseBackup by name', () => {
  it('says a backup is unfinished only when its folder holds something', async () => {
    const store = new MemoryStore();
    await expect(chooseBackup(store, { kind: 'name', name: 'nope' })).rejects.toThrow(/^Input 'from-backup': no backup named 'nope' in [^(]*\. The location holds no complete backup$/);
    await store.put(backupKeys('half').tarball, 'partial');
    await expect(chooseBackup(store, { kind: 'name', name: 'half' })).rejects.toThrow("no backup named 'half' in memory://test (its folder holds an unfinished backup)");
  });
});
