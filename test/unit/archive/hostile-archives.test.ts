import { describe, expect, it } from '@jest/globals';
import { access, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { gzipSync } from 'node:zlib';
import { tarFile, tarHeader, tarPadding } from '../../support/tar-blocks.js';
import { ArchiveCorruptError, ArchiveLimitError } from '../../../src/archive/archive-errors.js';
import { indexArchive } from '../../../src/archive/archive-index.js';
import { archiveLimits, DEFAULT_ARCHIVE_LIMITS, indexEntryMemory, type ArchiveLimits } from '../../../src/archive/archive-limits.js';
import { formatBytes, formatExactBytes, GiB, KiB, MiB, parseByteSize } from '../../../src/util/byte-size.js';
import { entryPathProblem, MAX_ENTRY_PATH_LENGTH, parseItemPath } from '../../../src/archive/item-path.js';
import { MAX_IGNORED_LISTED, TarScanner } from '../../../src/archive/tar-scanner.js';
import { SpooledBackup } from '../../../src/restore/steps/spooled-backup.js';
import { parseRestoreSettings } from '../../../src/settings/restore-settings.js';
import { mapReader } from '../../../src/settings/input-reader.js';
import type { ObjectStore } from '../../../src/storage/object-store.js';
import { countingReadable, withTempDir } from './support.js';

const header = tarHeader;
const pad = tarPadding;
const file = tarFile;
const END = Buffer.alloc(1024);
const tar = (...parts: Buffer[]) => Buffer.concat([...parts, END]);

/** One PAX record, `<length> key=value\n`, its length counting itself. */
function paxRecord(key: string, value: string): string {
  const rest = ` ${key}=${value}\n`;
  let length = rest.length + 1;
  while (`${length}${rest}`.length !== length) length++;
  return `${length}${rest}`;
}

/** A header block with any type flag, checksum fixed. */
function rawHeader(path: string, size: number, flag: string): Buffer {
  const block = header(path, size);
  block.write(flag, 156, 1, 'latin1');
  block.fill(' ', 148, 156);
  let sum = 0;
  for (const byte of block) sum += byte;
  block.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148, 8, 'latin1');
  return block;
}

function scan(bytes: Buffer, limits?: Partial<ArchiveLimits>): TarScanner {
  const scanner = new TarScanner({ ...DEFAULT_ARCHIVE_LIMITS, ...limits });
  scanner.push(bytes);
  scanner.end();
  return scanner;
}

const exists = (path: string) =>
  access(path).then(
    () => true,
    () => false
  );

describe('parseByteSize and formatBytes', () => {
  it.each([
    ['1073741824', GiB],
    ['50Gi', 50 * GiB],
    ['50GiB', 50 * GiB],
    ['50gi', 50 * GiB],
    ['500Mi', 500 * MiB],
    ['1.5Ti', 1.5 * 1024 * GiB],
    ['50G', 50_000_000_000],
    ['50 GB', 50_000_000_000],
    ['8Ki', 8 * KiB],
    ['1k', 1000]
  ])('%s is %d bytes', (text, bytes) => expect(parseByteSize(text)).toBe(bytes));

  it.each(['', 'lots', '-1Gi', '0', '0Gi', '1.5.0Gi', '20 gigs', '1e9', 'Gi', '99999999999Ti'])('%j is not a size', (text) => {
    expect(parseByteSize(text)).toBeUndefined();
  });

  it.each([
    [512, '512 bytes'],
    [1, '1 byte'],
    [16 * MiB, '16 MiB'],
    [300_000_000, '286.1 MiB'],
    [20 * GiB, '20 GiB'],
    [2 * GiB + 1, '2 GiB']
  ])('%d bytes read as %s', (bytes, text) => expect(formatBytes(bytes)).toBe(text));

  it('gives exact counts beside rounded ones', () => {
    expect(formatExactBytes(300_000_000)).toBe('286.1 MiB (300,000,000 bytes)');
    expect(formatExactBytes(100)).toBe('100 bytes');
  });
});

describe('archive limits', () => {
  it('default to 20 GiB uncompressed, 16 MiB per entry and a 512 MiB index', () => {
    expect(DEFAULT_ARCHIVE_LIMITS).toEqual({ maxArchiveSize: 20 * GiB, maxEntrySize: 16 * MiB, maxIndexMemory: 512 * MiB });
  });

  it('let the index budget follow max-archive-size, never below 64 MiB; the entry cap stays', () => {
    expect(archiveLimits(100 * GiB)).toEqual({ maxArchiveSize: 100 * GiB, maxEntrySize: 16 * MiB, maxIndexMemory: 2560 * MiB });
    expect(archiveLimits(8 * MiB).maxIndexMemory).toBe(64 * MiB);
  });

  it('come from the max-archive-size input, whose errors name it', () => {
    expect(parseRestoreSettings(mapReader({ 'from-backup': 'b' })).archiveLimits).toEqual(DEFAULT_ARCHIVE_LIMITS);
    expect(parseRestoreSettings(mapReader({ 'from-backup': 'b', 'max-archive-size': '50Gi' })).archiveLimits.maxArchiveSize).toBe(50 * GiB);
    const parse = (value: string) => () => parseRestoreSettings(mapReader({ 'from-backup': 'b', 'max-archive-size': value }));
    expect(parse('50 gigs')).toThrow(/^Input 'max-archive-size': '50 gigs' is not a size\. Write a size with a unit: 50Gi/);
    // A number without a unit is bytes: 50 bytes is a unit forgotten, not a cap.
    expect(parse('50')).toThrow(/^Input 'max-archive-size': '50' is only 50 bytes, below the smallest cap accepted \(1 MiB\)\. Write a size with a unit/);
  });
});

describe('entry names', () => {
  it.each([
    ['../../etc/passwd', /climbs out/],
    ['resources/pods/namespaces/ns/../../../../x.json', /climbs out/],
    ['..', /climbs out/],
    ['/etc/passwd', /absolute/],
    ['resources/./pods/namespaces/ns/p.json', /'\.' segment/],
    ['resources/pods/namespaces/ns/p\0.json', /NUL/]
  ])('refuses %j', (path, problem) => expect(entryPathProblem(path)).toMatch(problem));

  it('refuses names longer than any item path', () => {
    expect(entryPathProblem('x'.repeat(MAX_ENTRY_PATH_LENGTH + 1))).toBe(`its path is ${MAX_ENTRY_PATH_LENGTH + 1} characters long, longer than any item's`);
    expect(entryPathProblem(`resources/${'x'.repeat(800)}.json`)).toBeUndefined();
  });

  it.each(['metadata/version', 'resources/pods/namespaces/ns/p.json', 'resources/configmaps/namespaces/ns/..json', 'a..b/c..'])('%j is fine', (path) => {
    expect(entryPathProblem(path)).toBeUndefined();
  });

  it("never reads '.' or '..' as a name or namespace: a request for them would address the collection", () => {
    expect(parseItemPath('resources/configmaps/namespaces/ns/..json')).toBeUndefined();
    expect(parseItemPath('resources/configmaps/namespaces/ns/...json')).toBeUndefined();
    expect(parseItemPath('resources/configmaps/namespaces/../x.json')).toBeUndefined();
    expect(parseItemPath('resources/../cluster/x.json')).toBeUndefined();
    expect(parseItemPath('resources/configmaps/namespaces/ns/.x.json')?.name).toBe('.x');
  });
});

describe('TarScanner on hostile tar', () => {
  it('leaves out links, devices, FIFOs, unknown types and unsafe names, saying why', () => {
    const scanner = scan(
      tar(
        file('metadata/version', '1.1.0\n'),
        header('dir/', 0, 'Directory'),
        header('link.json', 0, 'SymbolicLink', '/etc/passwd'),
        header('hard.json', 0, 'Link', 'metadata/version'),
        header('char', 0, 'CharacterDevice'),
        header('block', 0, 'BlockDevice'),
        header('fifo', 0, 'FIFO'),
        rawHeader('odd', 0, 'Z'),
        header('../climb/', 0, 'Directory'),
        file('../../escape.json', '{}'),
        file('/abs.json', '{}'),
        file('./ok.json', '{}')
      )
    );
    expect(scanner.entries.map((e) => e.path)).toEqual(['metadata/version', 'ok.json']);
    expect(scanner.ignored).toEqual([
      { path: 'link.json', reason: "it is a symbolic link to '/etc/passwd', not a regular file" },
      { path: 'hard.json', reason: "it is a hard link to 'metadata/version', not a regular file" },
      { path: 'char', reason: 'it is a character device, not a regular file' },
      { path: 'block', reason: 'it is a block device, not a regular file' },
      { path: 'fifo', reason: 'it is a FIFO, not a regular file' },
      { path: 'odd', reason: 'it is a tar entry of type "Z", not a regular file' },
      { path: '../climb/', reason: "its path climbs out of its folder with '..'" },
      { path: '../../escape.json', reason: "its path climbs out of its folder with '..'" },
      { path: '/abs.json', reason: 'its path is absolute' }
    ]);
    expect(scanner.ignoredCount).toBe(9);
  });

  it('names a flood of ignored entries only up to a bound, and counts them all', () => {
    const links = Array.from({ length: 500 }, (_, i) => header(`l${i}`, 0, 'SymbolicLink', 'x'));
    const scanner = scan(tar(...links));
    expect(scanner.ignored).toHaveLength(MAX_IGNORED_LISTED);
    expect(scanner.ignoredCount).toBe(500);
  });

  it("reads links and devices as header only, whatever size they declare, as Go's archive/tar (so Velero) does", () => {
    // A symlink claiming 1024 bytes of data, followed by a real entry: a reader honouring the size would skip it.
    const follower = file('resources/configmaps/namespaces/ns/follower.json', '{"kind":"ConfigMap"}');
    const scanner = scan(tar(header('sized-link', 1024, 'SymbolicLink', 'x'), follower, header('sized-fifo', 4096, 'FIFO'), file('last', 'z')));
    expect(scanner.entries).toEqual([
      { path: 'resources/configmaps/namespaces/ns/follower.json', offset: 1024, size: 20 },
      { path: 'last', offset: 2560, size: 1 }
    ]);
  });

  it('stops at the header of an entry over the per-entry cap, before any of its data', () => {
    const scanner = new TarScanner({ maxEntrySize: 1000, maxIndexMemory: MiB });
    scanner.push(file('small', 'x'.repeat(1000)));
    let error: unknown;
    try {
      scanner.push(header('resources/pods/namespaces/ns/huge.json', 300_000_000));
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(ArchiveLimitError);
    expect(error).toMatchObject({ kind: 'entry', limit: 1000, entry: 'resources/pods/namespaces/ns/huge.json' });
    expect((error as Error).message).toBe("entry 'resources/pods/namespaces/ns/huge.json' is 286.1 MiB (300,000,000 bytes), over the limit of 1000 bytes for one entry");
  });

  it('caps sizes given in base-256 (GNU) and PAX too, and refuses sizes that are no byte count', () => {
    const huge = header('huge', 2 ** 40); // over 8 GiB: base-256
    expect(() => scan(huge)).toThrow(/entry 'huge' is 1 TiB/);
    const pax = (size: string) => {
      const body = Buffer.from(paxRecord('size', size));
      return Buffer.concat([header('PaxHeader/p', body.length, 'ExtendedHeader'), body, pad(body.length), header('p', 0)]);
    };
    expect(() => scan(tar(pax('99999999999')))).toThrow(ArchiveLimitError);
    expect(() => scan(tar(pax('1.5')))).toThrow(/tar header without a valid size at byte 1024, the first header/);
  });

  it('stops when the index would outgrow its memory budget: a flood of empty entries', () => {
    const empties = Array.from({ length: 2000 }, (_, i) => header(`e${String(i).padStart(5, '0')}`, 0));
    const budget = 100 * indexEntryMemory('e00000');
    let error: unknown;
    try {
      scan(tar(...empties), { maxIndexMemory: budget });
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(ArchiveLimitError);
    expect(error).toMatchObject({ kind: 'index', entry: 'e00100', message: expect.stringContaining('reached after 100 entries') });
  });

  it('says where it stopped in each kind of damage', () => {
    const item = file('resources/pods/namespaces/ns/p.json', 'x'.repeat(2000));
    const cut = (bytes: Buffer, length: number) => () => scan(bytes.subarray(0, length));
    expect(cut(item, 1000)).toThrow("the tar stream ends inside entry 'resources/pods/namespaces/ns/p.json' (byte 1000 of the tar stream)");
    expect(cut(tar(item, item), item.length + 100)).toThrow("the tar stream ends inside the header after entry 'resources/pods/namespaces/ns/p.json'");
    const garbled = Buffer.concat([item, item]);
    garbled[item.length + 3] ^= 1;
    expect(() => scan(garbled)).toThrow("bad tar header checksum at byte 2560, after entry 'resources/pods/namespaces/ns/p.json'");
    expect(() => scan(Buffer.alloc(0))).toThrow(ArchiveCorruptError);
    expect(new TarScanner().location).toBe('at the start of the archive');
  });
});

describe('indexArchive with limits', () => {
  const limits = (maxArchiveSize: number, maxEntrySize = 16 * MiB): ArchiveLimits => ({ maxArchiveSize, maxEntrySize, maxIndexMemory: 64 * MiB });
  /** 64 entries of 64 KiB of zeros: 4 MiB of tar in a few KiB of gzip. */
  const bomb = gzipSync(tar(...Array.from({ length: 64 }, (_, i) => file(`zeros-${i}`, Buffer.alloc(64 * KiB))), Buffer.alloc(0)));

  it('stops reading the input at max-archive-size, names the entry, and removes the spool', async () => {
    const zeros = gzipSync(Buffer.alloc(MiB));
    const input = countingReadable(Buffer.concat([bomb, ...Array.from({ length: 2000 }, () => zeros)]), 16 * KiB);
    await withTempDir(async (dir) => {
      const spool = join(dir, 'spool');
      const indexing = indexArchive(input, spool, limits(MiB));
      await expect(indexing).rejects.toThrow(ArchiveLimitError);
      await expect(indexing).rejects.toThrow(/^the archive holds more than 1 MiB uncompressed, the limit; reading stopped inside entry 'zeros-15' \(byte 1048576 of the tar stream\)$/);
      expect(await exists(spool)).toBe(false);
      expect(await readdir(dir)).toEqual([]);
      // Some 2 GiB of zeros followed; a few chunks were read.
      expect(input.pulled).toBeLessThan(256 * KiB);
      expect(input.destroyed).toBe(true);
    });
  });

  it('takes an archive of exactly max-archive-size', async () => {
    const tarBytes = tar(file('a', 'a'));
    await withTempDir(async (dir) => {
      const index = await indexArchive(Readable.from([gzipSync(tarBytes)]), join(dir, 'spool'), limits(tarBytes.length));
      expect(index.entries.map((e) => e.path)).toEqual(['a']);
      await index.close();
    });
  });

  it('never reads more than the per-entry cap, whatever entry it is handed', async () => {
    await withTempDir(async (dir) => {
      const index = await indexArchive(Readable.from([gzipSync(tar(file('a', 'abc')))]), join(dir, 'spool'), limits(MiB, 2 * KiB));
      await expect(index.read({ path: 'forged', offset: 0, size: 2 * GiB })).rejects.toThrow("entry 'forged' is 2 GiB (2,147,483,648 bytes), over the limit of 2 KiB for one entry");
      expect((await index.read(index.entries[0]!)).toString()).toBe('abc');
      await index.close();
    });
  });

  it('lists what it left out', async () => {
    await withTempDir(async (dir) => {
      const index = await indexArchive(Readable.from([gzipSync(tar(file('a', 'a'), header('l', 0, 'SymbolicLink', '/etc/shadow')))]), join(dir, 'spool'));
      expect(index.ignored).toEqual([{ path: 'l', reason: "it is a symbolic link to '/etc/shadow', not a regular file" }]);
      expect(index.ignoredCount).toBe(1);
      await index.close();
    });
  });

  it('names the entry a truncated gzip stream stopped in', async () => {
    const big = gzipSync(tar(...Array.from({ length: 20 }, (_, i) => file(`r${i}`, Buffer.from(Array.from({ length: 20_000 }, (_, j) => (j * j + i) % 251))))));
    await withTempDir(async (dir) => {
      await expect(indexArchive(Readable.from([big.subarray(0, big.length / 2)]), join(dir, 'spool'))).rejects.toThrow(/^the archive is corrupt or truncated: unexpected end of file, inside entry 'r\d+' \(byte \d+ of the tar stream\)$/);
      expect(await readdir(dir)).toEqual([]);
    });
  });
});

describe('SpooledBackup with limits', () => {
  const storeServing = (tarball: Buffer): ObjectStore => ({ get: async () => Readable.from([tarball]) }) as unknown as ObjectStore;

  it('fails naming the input that raises the archive cap, and leaves its temp directory empty', async () => {
    const tarball = gzipSync(tar(file('metadata/version', '1.1.0\n'), file('zeros', Buffer.alloc(2 * MiB))));
    await withTempDir(async (temp) => {
      const opening = SpooledBackup.open(storeServing(tarball), 'nightly', temp, { limits: archiveLimits(MiB) });
      await expect(opening).rejects.toThrow(
        "backup 'nightly' was not restored: the archive holds more than 1 MiB uncompressed, the limit; reading stopped inside entry 'zeros' (byte 1048576 of the tar stream). If backup 'nightly' is genuine, raise the input max-archive-size (now 1 MiB), for example to 50Gi. Nothing was written to the cluster"
      );
      expect(await readdir(temp)).toEqual([]);
    });
  });

  it('says why the per-entry cap has no input', async () => {
    // Only the header: reading stops there.
    const tarball = gzipSync(header('resources/configmaps/namespaces/ns/big.json', 17 * MiB));
    await withTempDir(async (temp) => {
      await expect(SpooledBackup.open(storeServing(tarball), 'nightly', temp)).rejects.toThrow(/is 17 MiB \(17,825,792 bytes\), over the limit of 16 MiB for one entry\. No Kubernetes object comes near that size \(the API server refuses writes over 3 MiB\)/);
      expect(await readdir(temp)).toEqual([]);
    });
  });

  it('warns about each entry left out, then counts the rest', async () => {
    const links = Array.from({ length: MAX_IGNORED_LISTED + 3 }, (_, i) => header(`resources/l${i}.json`, 0, 'SymbolicLink', '/etc/passwd'));
    const warnings: string[] = [];
    await withTempDir(async (temp) => {
      const spooled = await SpooledBackup.open(storeServing(gzipSync(tar(file('metadata/version', '1.1.0\n'), file('../x.json', '{}'), ...links))), 'nightly', temp, { warn: (m) => warnings.push(m) });
      await spooled.close();
      expect(await readdir(temp)).toEqual([]);
    });
    expect(warnings[0]).toBe("archive entry '../x.json' left out: its path climbs out of its folder with '..'");
    expect(warnings[1]).toBe("archive entry 'resources/l0.json' left out: it is a symbolic link to '/etc/passwd', not a regular file");
    expect(warnings).toHaveLength(MAX_IGNORED_LISTED + 1);
    expect(warnings.at(-1)).toBe('4 more archive entries left out (links, special files or unsafe names)');
  });
});
