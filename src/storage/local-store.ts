import { randomBytes } from 'node:crypto';
import type { Dirent } from 'node:fs';
import fs, { type FileHandle } from 'node:fs/promises';
import path from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import { pathToFileURL } from 'node:url';
import { AlreadyExistsError, ChangedMeanwhileError, InputError, NotFoundError } from '../util/errors.js';
import { checkPathKey, compareKeys } from './keys.js';
import type { ObjectInfo, ObjectStore, PutOptions, UnfinishedWrite, VersionedText } from './object-store.js';

// A location holds every Secret of the cluster: only the runner's user may read what this store creates. The umask
// can only narrow these modes. Folders that already exist (the location itself, made by the user) are left as they are.
const PRIVATE_FILE = 0o600;
const PRIVATE_DIRECTORY = 0o700;

// Partial writes live next to their target under this name until renamed, and a compare-and-swap holds a lock file
// next to it; listings skip both, listUnfinished finds both (a killed process leaves them).
const TEMP_NAME = /^\.(.+)\.(tmp-[0-9a-f]{12}|cas-lock)$/;
/** A lock older than this was left by a process that died mid-swap (a swap takes milliseconds). */
const STALE_LOCK_MS = 30_000;

/**
 * An object store on a local directory: each key is a file under it, `/` separating directories. Writes go to a
 * temporary file that is renamed (or hard-linked, for a conditional create) into place, so a reader never sees a
 * partial object, and a crash leaves at most a hidden temporary file.
 */
export class LocalObjectStore implements ObjectStore {
  readonly conditionalPut = 'atomic' as const;
  readonly url: string;
  private readonly root: string;

  constructor(
    directory: string,
    url?: string,
    /** Only to judge whether a swap lock was abandoned. */
    private readonly clock: () => Date = () => new Date()
  ) {
    this.root = path.resolve(directory);
    this.url = url ?? pathToFileURL(this.root).href;
  }

  /** Fails fast when the location is not a directory. A missing one is fine: the first put creates it. */
  async verifyAccess(): Promise<void> {
    const notADirectory = (problem: string) =>
      new InputError('location', `${this.root} ${problem}`, 'Point the location at a directory, or at a path where one can be created');
    try {
      if (!(await fs.stat(this.root)).isDirectory()) throw notADirectory('is not a directory');
    } catch (err) {
      if (codeOf(err) === 'ENOTDIR') throw notADirectory('is below a file');
      if (codeOf(err) !== 'ENOENT') throw err;
    }
  }

  async put(key: string, body: Readable | Buffer | string, options: PutOptions = {}): Promise<void> {
    // The stream's errors are ours from this call on: one that fails before the pipeline below attaches (a run
    // cancelled as its upload starts) would otherwise be an unhandled 'error' event. The pipeline still sees it.
    if (body instanceof Readable) body.once('error', () => undefined);
    let file: string | undefined;
    try {
      file = this.fileOf(key);
      const temp = path.join(path.dirname(file), `.${path.basename(file)}.tmp-${randomBytes(6).toString('hex')}`);
      await this.writeThrough(temp, file, key, body, options);
    } catch (err) {
      // Neither the caller's stream nor directories created for this put should outlive it.
      if (body instanceof Readable) body.destroy();
      if (file) await this.removeEmptyParents(path.dirname(file)).catch(() => undefined);
      throw err;
    }
  }

  async get(key: string): Promise<Readable> {
    let handle: FileHandle;
    try {
      handle = await fs.open(this.fileOf(key), 'r');
    } catch (err) {
      if (isMissing(err)) throw new NotFoundError(`object '${key}' not found in ${this.url}`);
      throw err;
    }
    // open() succeeds on a directory; reading it would fail later with EISDIR, so refuse it here as missing.
    if ((await handle.stat()).isDirectory()) {
      await handle.close();
      throw new NotFoundError(`object '${key}' not found in ${this.url}`);
    }
    return handle.createReadStream();
  }

  async readVersioned(key: string): Promise<VersionedText | undefined> {
    let handle: FileHandle;
    try {
      handle = await fs.open(this.fileOf(key), 'r');
    } catch (err) {
      if (isMissing(err)) return undefined;
      throw err;
    }
    try {
      // The version of the very file read: every write renames a new file into place, so a new inode.
      const version = versionOf(await handle.stat({ bigint: true }));
      return { text: await handle.readFile('utf8'), version };
    } finally {
      await handle.close();
    }
  }

  async head(key: string): Promise<ObjectInfo | undefined> {
    try {
      const stat = await fs.stat(this.fileOf(key));
      return stat.isFile() ? { key, size: stat.size, lastModified: stat.mtime } : undefined;
    } catch (err) {
      if (isMissing(err)) return undefined;
      throw err;
    }
  }

  async *list(prefix: string): AsyncIterable<ObjectInfo> {
    const { directory, namePrefix } = splitPrefix(prefix);
    yield* this.walk(directory, namePrefix);
  }

  async *listFolders(prefix: string): AsyncIterable<string> {
    const { directory, namePrefix } = splitPrefix(prefix);
    const folders = (await this.readDirectory(directory))
      .filter((entry) => entry.isDirectory() && entry.name.startsWith(namePrefix))
      .map((entry) => `${directory}${entry.name}/`)
      .sort(compareKeys);
    for (const folder of folders) {
      // S3 only knows folders through the objects in them; an empty directory (left by a failed put) is no folder.
      if (await this.containsObject(folder)) yield folder;
    }
  }

  async deleteMany(keys: readonly string[]): Promise<void> {
    const parents = new Set<string>();
    for (const key of keys) {
      const file = this.fileOf(key);
      try {
        await fs.unlink(file);
        parents.add(path.dirname(file));
      } catch (err) {
        // A directory under the key's name is not an object either.
        if (!isMissing(err) && codeOf(err) !== 'EISDIR' && codeOf(err) !== 'EPERM') throw err;
      }
    }
    // Deepest first, so a parent is only tried once its children had their chance to go.
    for (const dir of [...parents].sort((a, b) => b.length - a.length)) await this.removeEmptyParents(dir);
  }

  /** Temporary and lock files under `prefix`, by the key they were for; their mtime says when they were last written. */
  async *listUnfinished(prefix: string): AsyncIterable<UnfinishedWrite> {
    const { directory, namePrefix } = splitPrefix(prefix);
    yield* this.walkUnfinished(directory, namePrefix);
  }

  async abortUnfinished(writes: readonly UnfinishedWrite[]): Promise<void> {
    const parents = new Set<string>();
    for (const write of writes) {
      const file = this.unfinishedFileOf(write);
      try {
        await fs.unlink(file);
        parents.add(path.dirname(file));
      } catch (err) {
        if (!isMissing(err)) throw err;
      }
    }
    for (const dir of [...parents].sort((a, b) => b.length - a.length)) await this.removeEmptyParents(dir);
  }

  private async writeThrough(temp: string, file: string, key: string, body: Readable | Buffer | string, options: PutOptions): Promise<void> {
    const handle = await openExclusive(temp);
    try {
      const source = body instanceof Readable ? body : Readable.from([typeof body === 'string' ? Buffer.from(body) : body]);
      // `flush` fsyncs before close: the rename below must not publish a file whose data is still only in cache.
      await pipeline(source, handle.createWriteStream({ flush: true }));
      if (options.ifNoneMatch) {
        // link(2) fails with EEXIST instead of replacing, which makes "create only if absent" atomic.
        await fs.link(temp, file).catch((err: unknown) => {
          if (codeOf(err) === 'EEXIST') throw new AlreadyExistsError(`object '${key}' already exists in ${this.url}`);
          throw err;
        });
      } else if (options.ifMatch !== undefined) {
        const expected = options.ifMatch;
        await withSwapLock(file, this.clock, async () => {
          const current = await fs.stat(file, { bigint: true }).then(versionOf, (err: unknown) => (isMissing(err) ? undefined : Promise.reject(err)));
          if (current !== expected) throw new ChangedMeanwhileError(`object '${key}' in ${this.url} ${current === undefined ? 'is gone' : 'changed'} since it was read`);
          await fs.rename(temp, file);
        });
      } else {
        await fs.rename(temp, file);
      }
    } finally {
      await handle.close().catch(() => undefined);
      await fs.rm(temp, { force: true });
    }
  }

  /** Objects under `directory` (a key prefix ending in `/`, or ''), in key order, one directory read at a time. */
  private async *walk(directory: string, namePrefix: string): AsyncGenerator<ObjectInfo> {
    const entries = (await this.readDirectory(directory))
      .filter((entry) => entry.name.startsWith(namePrefix) && (entry.isFile() || entry.isDirectory()))
      // A directory sorts by its name plus '/', as its keys do: 'a-b' comes before 'a/x'.
      .map((entry) => ({ key: `${directory}${entry.name}${entry.isDirectory() ? '/' : ''}`, isDirectory: entry.isDirectory() }))
      .sort((a, b) => compareKeys(a.key, b.key));
    for (const entry of entries) {
      if (entry.isDirectory) {
        yield* this.walk(entry.key, '');
        continue;
      }
      const info = await this.head(entry.key);
      if (info) yield info; // else deleted since the directory was read
    }
  }

  private async *walkUnfinished(directory: string, namePrefix: string): AsyncGenerator<UnfinishedWrite> {
    for (const entry of (await this.readDirectory(directory, { withTemporary: true })).sort((a, b) => compareKeys(a.name, b.name))) {
      if (entry.isDirectory()) {
        if (entry.name.startsWith(namePrefix)) yield* this.walkUnfinished(`${directory}${entry.name}/`, '');
        continue;
      }
      const temp = TEMP_NAME.exec(entry.name);
      if (!entry.isFile() || !temp || !temp[1]!.startsWith(namePrefix)) continue;
      const id = `${directory}${entry.name}`;
      const stat = await fs.lstat(path.join(this.root, ...id.split('/'))).catch((err: unknown) => (isMissing(err) ? undefined : Promise.reject(err)));
      if (!stat) continue; // renamed into place or removed since the directory was read
      yield { key: `${directory}${temp[1]}`, id, kind: temp[2] === 'cas-lock' ? 'lock-file' : 'temporary-file', lastModified: stat.mtime, size: stat.size };
    }
  }

  /** The temporary file a write names, refused unless it is one: abortUnfinished must never delete an object. */
  private unfinishedFileOf(write: UnfinishedWrite): string {
    checkPathKey(write.id);
    const slash = write.id.lastIndexOf('/');
    const temp = TEMP_NAME.exec(write.id.slice(slash + 1));
    if (!temp || `${write.id.slice(0, slash + 1)}${temp[1]}` !== write.key) throw new Error(`'${write.id}' is no unfinished write of '${write.key}' in ${this.url}`);
    const file = path.join(this.root, ...write.id.split('/'));
    if (!file.startsWith(this.root + path.sep)) throw new Error(`invalid unfinished write '${write.id}': outside ${this.root}`);
    return file;
  }

  private async containsObject(directory: string): Promise<boolean> {
    for await (const _ of this.walk(directory, '')) return true;
    return false;
  }

  /** A directory's entries, without temporary files unless asked; none when it does not exist. */
  private async readDirectory(directory: string, { withTemporary = false } = {}): Promise<Dirent[]> {
    try {
      const entries = await fs.readdir(path.join(this.root, directory), { withFileTypes: true });
      return withTemporary ? entries : entries.filter((entry) => !TEMP_NAME.test(entry.name));
    } catch (err) {
      if (isMissing(err)) return [];
      throw err;
    }
  }

  /** Removes `dir` and its parents while they are empty, never the root itself. */
  private async removeEmptyParents(dir: string): Promise<void> {
    for (let current = dir; current.startsWith(this.root + path.sep); current = path.dirname(current)) {
      try {
        await fs.rmdir(current);
      } catch (err) {
        if (isMissing(err)) continue;
        return; // ENOTEMPTY or EEXIST: something else lives there
      }
    }
  }

  private fileOf(key: string): string {
    checkPathKey(key);
    if (TEMP_NAME.test(path.posix.basename(key))) throw new Error(`invalid object key '${key}': looks like a temporary file`);
    const file = path.join(this.root, ...key.split('/'));
    // checkPathKey already refuses '..'; this guards the invariant itself.
    if (!file.startsWith(this.root + path.sep)) throw new Error(`invalid object key '${key}': outside ${this.root}`);
    return file;
  }
}

/**
 * Creates the temporary file and its directories. Retried because a concurrent deleteMany may remove a directory
 * that has just become empty between our mkdir and open.
 */
async function openExclusive(file: string): Promise<FileHandle> {
  for (let attempt = 1; ; attempt++) {
    await fs.mkdir(path.dirname(file), { recursive: true, mode: PRIVATE_DIRECTORY });
    try {
      return await fs.open(file, 'wx', PRIVATE_FILE);
    } catch (err) {
      if (codeOf(err) !== 'ENOENT' || attempt >= 5) throw err;
    }
  }
}

function versionOf(stat: { ino: bigint; size: bigint; mtimeNs: bigint }): string {
  return `${stat.ino}-${stat.size}-${stat.mtimeNs}`;
}

/**
 * Runs a compare-and-swap of `file` under an exclusive lock file beside it, so two swaps never interleave. A lock
 * left by a process that died holding it is taken over once it is older than STALE_LOCK_MS.
 */
async function withSwapLock(file: string, clock: () => Date, swap: () => Promise<void>): Promise<void> {
  const lock = path.join(path.dirname(file), `.${path.basename(file)}.cas-lock`);
  for (let attempt = 0; ; attempt++) {
    try {
      await (await fs.open(lock, 'wx', PRIVATE_FILE)).close();
      break;
    } catch (err) {
      if (codeOf(err) !== 'EEXIST') throw err;
      const age = await fs.stat(lock).then((s) => clock().getTime() - s.mtimeMs, () => 0);
      if (age > STALE_LOCK_MS) await fs.rm(lock, { force: true });
      else if (attempt > 500) throw new Error(`the lock ${lock} is held for too long`);
      else await sleep(10);
    }
  }
  try {
    await swap();
  } finally {
    await fs.rm(lock, { force: true });
  }
}

function splitPrefix(prefix: string): { directory: string; namePrefix: string } {
  checkPathKey(prefix, 'prefix');
  const slash = prefix.lastIndexOf('/');
  return { directory: prefix.slice(0, slash + 1), namePrefix: prefix.slice(slash + 1) };
}

function codeOf(err: unknown): string | undefined {
  return (err as NodeJS.ErrnoException | undefined)?.code;
}

/** ENOTDIR: a path component is a file, so nothing below it exists either. */
function isMissing(err: unknown): boolean {
  const code = codeOf(err);
  return code === 'ENOENT' || code === 'ENOTDIR';
}
