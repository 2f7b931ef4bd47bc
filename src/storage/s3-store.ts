import { Readable } from 'node:stream';
import {
  AbortMultipartUploadCommand,
  DeleteObjectsCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListMultipartUploadsCommand,
  ListObjectsV2Command,
  ListPartsCommand,
  paginateListObjectsV2,
  PutObjectCommand,
  type ListObjectsV2CommandInput,
  type S3Client
} from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import { inBlocks } from '../util/byte-blocks.js';
import { splitFirstPart } from './upload-blocks.js';
import { AlreadyExistsError, ChangedMeanwhileError, DeleteRefusedError, NotFoundError } from '../util/errors.js';
import { KeyPrefix } from './keys.js';
import type { ObjectInfo, ObjectStore, PutOptions, UnfinishedWrite, VersionedText } from './object-store.js';
import { createS3Client } from './s3-client.js';
import { encryptionInput, encryptionParams, type EncryptionParams } from './s3-encryption.js';
import { errorCodes, httpStatus, translateS3Error, type S3ErrorContext } from './s3-errors.js';
import type { S3Options } from './s3-options.js';

/** A bucket and the prefix within it (`''` or ending in `/`), as `Location` of kind 's3' gives them. */
export interface S3Target {
  bucket: string;
  prefix: string;
  url: string;
}

// Streams of unknown length go up in parts of this size, at most QUEUE_SIZE at a time, gathered from blocks of
// UPLOAD_BLOCK_SIZE (inBlocks): memory stays under ~30 MiB per upload while a 10,000-part upload still allows
// objects of ~80 GB. Two parts in flight keep up with a backup's archive many times over (it grows at a few MB/s).
const PART_SIZE = 8 * 1024 * 1024;
const QUEUE_SIZE = 2;
const UPLOAD_BLOCK_SIZE = 1024 * 1024;
// A stream goes multipart once it has passed one part, and it is read in whole blocks: the first part leaves only
// when this many bytes have gone in.
export const BYTES_BEFORE_FIRST_PART = PART_SIZE + UPLOAD_BLOCK_SIZE;
// The most keys S3 accepts in one DeleteObjects request.
const DELETE_BATCH = 1000;

/** ObjectStore on an S3-compatible bucket, every key below the location's prefix. */
export class S3ObjectStore implements ObjectStore {
  readonly url: string;
  /**
   * AWS honours `If-None-Match: *` on PutObject and CompleteMultipartUpload. Other stores differ: Swift's s3api
   * refuses it on PutObject (501); some ignore it and overwrite. So with a custom endpoint a conditional put checks
   * with HEAD first and sends the header while the store accepts it: best effort, which is why runs that write
   * also hold the location's lease (lease.ts).
   */
  readonly conditionalPut: 'atomic' | 'best-effort';
  private readonly bucket: string;
  private readonly keys: KeyPrefix;
  private readonly where: S3ErrorContext;
  // Spread into every request that writes or reads an object's content, so no request goes without them.
  private readonly encryption: EncryptionParams;
  // Cleared when the store refuses If-None-Match on PutObject (Swift does).
  private conditionalPutObject = true;

  constructor(
    target: S3Target,
    options: S3Options,
    private readonly client: S3Client = createS3Client(options)
  ) {
    this.url = target.url;
    this.bucket = target.bucket;
    this.keys = new KeyPrefix(target.prefix);
    this.conditionalPut = options.endpoint ? 'best-effort' : 'atomic';
    this.encryption = encryptionParams(options.serverSideEncryption);
    this.where = {
      bucket: target.bucket,
      endpoint: options.endpoint ?? `AWS S3${options.region ? ` (${options.region})` : ''}`,
      answered: false,
      encryption: encryptionInput(options.serverSideEncryption)
    };
    // Once the store has answered, a connection it refuses later is the store going away mid-run, not a wrong
    // s3-endpoint: the error says so (see translateS3Error).
    const where = this.where;
    client.middlewareStack.add(
      (next) => async (args) => {
        const result = await next(args);
        where.answered = true;
        return result;
      },
      { step: 'deserialize', name: 'kubeBackupStoreAnswered' }
    );
  }

  /**
   * Fails fast, with a message naming the input to fix, when the bucket is missing or the credentials are refused.
   * A one-key listing rather than HeadBucket: HEAD answers have no body, so a wrong secret, a forbidden bucket and
   * an unknown key all look alike (403), while a listing says which; and backups need to list anyway.
   */
  async verifyAccess(): Promise<void> {
    try {
      await this.client.send(new ListObjectsV2Command({ Bucket: this.bucket, Prefix: this.keys.prefix, MaxKeys: 1 }));
    } catch (err) {
      throw this.translate(err, 'ListObjectsV2');
    }
  }

  async put(key: string, body: Readable | Buffer | string, options: PutOptions = {}): Promise<void> {
    let sourceError: unknown;
    if (body instanceof Readable) body.once('error', (err) => (sourceError = err));
    try {
      if (options.ifNoneMatch && this.conditionalPut === 'best-effort' && (await this.head(key))) throw this.alreadyExists(key);
      if (options.ifMatch !== undefined && !(body instanceof Readable)) {
        await this.replaceIfUnchanged(key, typeof body === 'string' ? Buffer.from(body) : body, options);
        return;
      }
      // A stream that fits in one part is read whole and put like a buffer, as Upload would do anyway; only a
      // buffer can be sent again when a store refuses the conditional header.
      const content =
        body instanceof Readable ? await splitFirstPart(inBlocks(body, UPLOAD_BLOCK_SIZE), PART_SIZE) : { whole: typeof body === 'string' ? Buffer.from(body) : body };
      if (content.whole) await this.putWhole(key, content.whole, options);
      else await this.putInParts(key, content.stream, options);
    } catch (err) {
      if (body instanceof Readable) body.destroy();
      // The caller's stream failing is the caller's error, not the store's: pass it on unchanged.
      if (sourceError !== undefined && err === sourceError) throw err;
      if (err instanceof ChangedMeanwhileError) throw err;
      if (isConditionFailed(err)) throw options.ifMatch !== undefined ? this.changedMeanwhile(key) : this.alreadyExists(key);
      throw this.translate(err, `PutObject of '${key}'`);
    }
  }

  /** One PutObject of a buffer, with the location's encryption and the condition given. */
  private putObject(key: string, data: Buffer, options: PutOptions, condition: { IfNoneMatch?: string; IfMatch?: string }) {
    return this.client.send(
      new PutObjectCommand({ Bucket: this.bucket, Key: this.keys.full(key), ContentType: options.contentType, Body: data, ContentLength: data.length, ...condition, ...this.encryption.write })
    );
  }

  private async putWhole(key: string, data: Buffer, options: PutOptions): Promise<void> {
    const put = (ifNoneMatch: boolean) => this.putObject(key, data, options, { IfNoneMatch: ifNoneMatch ? '*' : undefined });
    if (!options.ifNoneMatch) {
      await put(false);
      return;
    }
    if (this.conditionalPutObject) {
      try {
        await put(true);
        return;
      } catch (err) {
        // Swift's s3api answers 501 NotImplemented to any conditional PutObject, even for a new key.
        if (this.conditionalPut !== 'best-effort' || !isNotImplemented(err)) throw err;
        this.conditionalPutObject = false;
      }
    }
    // Only the HEAD in put() guards the key here. Swift honours If-None-Match on CompleteMultipartUpload, but not
    // atomically, and the segmented object it makes was seen to read back broken ("BrokenMPU") under a concurrent
    // delete: a plain object is safer, and the location's lease is what keeps writers apart.
    await put(false);
  }

  /**
   * `If-Match` on PutObject: atomic on AWS S3. Swift's s3api refuses any conditional PutObject (501); there, and on
   * stores learned to do so, the version is compared first and the write follows, so a writer racing inside that
   * gap is not caught (README, Decisions).
   */
  private async replaceIfUnchanged(key: string, data: Buffer, options: PutOptions): Promise<void> {
    const put = (ifMatch: string | undefined) => this.putObject(key, data, options, { IfMatch: ifMatch });
    if (this.conditionalPutObject) {
      try {
        await put(options.ifMatch);
        return;
      } catch (err) {
        if (isMissingObject(err)) throw this.changedMeanwhile(key);
        if (this.conditionalPut !== 'best-effort' || !isNotImplemented(err)) throw err;
        this.conditionalPutObject = false;
      }
    }
    const current = await this.readVersioned(key);
    if (current?.version !== options.ifMatch) throw this.changedMeanwhile(key);
    await put(undefined);
  }

  /** More than one part: on any failure Upload aborts the multipart upload, so no part stays visible or billed. */
  private async putInParts(key: string, stream: Readable, options: PutOptions): Promise<void> {
    const params = {
      Bucket: this.bucket,
      Key: this.keys.full(key),
      ContentType: options.contentType,
      Body: stream,
      // Upload passes this on to CompleteMultipartUpload, which AWS and Swift both honour (412 on an existing key).
      IfNoneMatch: options.ifNoneMatch ? '*' : undefined,
      // Upload sends ServerSideEncryption and SSEKMSKeyId with CreateMultipartUpload, and the SSE-C key with every
      // UploadPart and CompleteMultipartUpload too: each command takes from these params what it knows.
      ...this.encryption.write
    };
    await new Upload({ client: this.client, params, partSize: PART_SIZE, queueSize: QUEUE_SIZE }).done();
  }

  async get(key: string): Promise<Readable> {
    try {
      const out = await this.client.send(new GetObjectCommand({ Bucket: this.bucket, Key: this.keys.full(key), ...this.encryption.read }));
      return toReadable(out.Body);
    } catch (err) {
      if (isMissingObject(err)) throw new NotFoundError(`object '${key}' not found in ${this.url}`);
      throw this.translate(err, `GetObject of '${key}'`);
    }
  }

  async readVersioned(key: string): Promise<VersionedText | undefined> {
    try {
      const out = await this.client.send(new GetObjectCommand({ Bucket: this.bucket, Key: this.keys.full(key), ...this.encryption.read }));
      const chunks: Buffer[] = [];
      for await (const chunk of toReadable(out.Body)) chunks.push(chunk as Buffer);
      return { text: Buffer.concat(chunks).toString('utf8'), version: out.ETag ?? '' };
    } catch (err) {
      if (isMissingObject(err)) return undefined;
      throw this.translate(err, `GetObject of '${key}'`);
    }
  }

  async head(key: string): Promise<ObjectInfo | undefined> {
    try {
      const out = await this.client.send(new HeadObjectCommand({ Bucket: this.bucket, Key: this.keys.full(key), ...this.encryption.read }));
      return { key, size: out.ContentLength ?? 0, lastModified: out.LastModified ?? new Date(0) };
    } catch (err) {
      if (isMissingObject(err)) return undefined;
      throw this.translate(err, `HeadObject of '${key}'`);
    }
  }

  /**
   * What protects an object a delete was refused for: its Object Lock retention or legal hold (HeadObject shows them
   * to whoever may read them), or the store's own words when they say so (MinIO: "WORM protected"). Undefined for
   * a refusal that is only a missing permission, which is a failure to report, not a retention to wait out.
   */
  private async retentionOf(key: string, message: string): Promise<string | undefined> {
    const out = await this.client.send(new HeadObjectCommand({ Bucket: this.bucket, Key: this.keys.full(key), ...this.encryption.read })).catch(() => undefined);
    const held = [
      out?.ObjectLockRetainUntilDate ? `${out.ObjectLockMode ?? 'Object Lock'} retention until ${out.ObjectLockRetainUntilDate.toISOString()}` : undefined,
      out?.ObjectLockLegalHoldStatus === 'ON' ? 'a legal hold' : undefined
    ].filter(Boolean);
    if (held.length) return held.join(' and ');
    return /lock|retention|WORM|legal hold/i.test(message) ? message : undefined;
  }

  async *list(prefix: string): AsyncIterable<ObjectInfo> {
    for await (const page of this.pages({ Prefix: this.keys.full(prefix) })) {
      for (const object of page.Contents ?? []) {
        if (object.Key === undefined) continue;
        yield { key: this.keys.relative(object.Key), size: object.Size ?? 0, lastModified: object.LastModified ?? new Date(0) };
      }
    }
  }

  async *listFolders(prefix: string): AsyncIterable<string> {
    for await (const page of this.pages({ Prefix: this.keys.full(prefix), Delimiter: '/' })) {
      for (const common of page.CommonPrefixes ?? []) {
        if (common.Prefix !== undefined) yield this.keys.relative(common.Prefix);
      }
    }
  }

  async deleteMany(keys: readonly string[]): Promise<void> {
    for (let start = 0; start < keys.length; start += DELETE_BATCH) {
      const batch = keys.slice(start, start + DELETE_BATCH);
      let errors;
      try {
        const out = await this.client.send(
          new DeleteObjectsCommand({
            Bucket: this.bucket,
            // Quiet: the answer lists only failures, which keeps 1,000-key responses small.
            Delete: { Objects: batch.map((key) => ({ Key: this.keys.full(key) })), Quiet: true }
          })
        );
        errors = out.Errors ?? [];
      } catch (err) {
        throw this.translate(err, `DeleteObjects of ${batch.length} keys`);
      }
      // S3 reports a missing key as deleted, but some compatible stores list it as NoSuchKey.
      const failures = errors.filter((e) => e.Code !== 'NoSuchKey');
      if (failures.length > 0) {
        const first = failures[0]!;
        const key = first.Key !== undefined && first.Key.startsWith(this.keys.prefix) ? this.keys.relative(first.Key) : first.Key;
        const retention = key !== undefined && first.Code === 'AccessDenied' ? await this.retentionOf(key, first.Message ?? '') : undefined;
        if (retention) throw new DeleteRefusedError(key!, retention);
        throw new Error(
          `could not delete '${key}' from ${this.url}: ${first.Code ?? 'error'}: ${first.Message ?? ''}` +
            (failures.length > 1 ? ` (and ${failures.length - 1} more keys)` : '')
        );
      }
    }
  }

  /**
   * Unfinished multipart uploads, each with its parts' total size and the time of its newest part (ListParts), so
   * an upload still receiving parts looks recent however long ago it started.
   */
  async *listUnfinished(prefix: string): AsyncIterable<UnfinishedWrite> {
    let keyMarker: string | undefined;
    let uploadIdMarker: string | undefined;
    for (;;) {
      let page;
      try {
        page = await this.client.send(
          new ListMultipartUploadsCommand({ Bucket: this.bucket, Prefix: this.keys.full(prefix), KeyMarker: keyMarker, UploadIdMarker: uploadIdMarker })
        );
      } catch (err) {
        throw this.translate(err, 'ListMultipartUploads');
      }
      const uploads = page.Uploads ?? [];
      for (const upload of uploads) {
        if (upload.Key === undefined || upload.UploadId === undefined) continue;
        const parts = await this.partsOf(upload.Key, upload.UploadId);
        if (!parts) continue; // completed or aborted since it was listed
        const started = upload.Initiated ?? new Date(0);
        yield {
          key: this.keys.relative(upload.Key),
          id: upload.UploadId,
          kind: 'multipart-upload',
          lastModified: parts.newest && parts.newest > started ? parts.newest : started,
          size: parts.size
        };
      }
      if (!page.IsTruncated) return;
      // Swift's s3api leaves both markers empty on some truncated pages; the last upload listed is the same marker.
      const last = uploads.at(-1);
      const nextKey = page.NextKeyMarker || last?.Key;
      const nextUploadId = page.NextUploadIdMarker || last?.UploadId;
      if (!nextKey || (nextKey === keyMarker && nextUploadId === uploadIdMarker)) {
        throw new Error(`ListMultipartUploads in ${this.url} says there is more but gives no marker to continue from`);
      }
      keyMarker = nextKey;
      uploadIdMarker = nextUploadId;
    }
  }

  async abortUnfinished(writes: readonly UnfinishedWrite[]): Promise<void> {
    for (const write of writes) {
      if (write.kind !== 'multipart-upload') throw new Error(`${this.url} holds no ${write.kind} ('${write.key}')`);
      try {
        await this.client.send(new AbortMultipartUploadCommand({ Bucket: this.bucket, Key: this.keys.full(write.key), UploadId: write.id }));
      } catch (err) {
        if (isMissingUpload(err)) continue;
        throw this.translate(err, `AbortMultipartUpload of '${write.key}'`);
      }
    }
  }

  /** The parts' total size and newest time; undefined when the upload is gone. */
  private async partsOf(fullKey: string, uploadId: string): Promise<{ size: number; newest?: Date } | undefined> {
    let size = 0;
    let newest: Date | undefined;
    let marker: string | undefined;
    for (;;) {
      let page;
      try {
        page = await this.client.send(new ListPartsCommand({ Bucket: this.bucket, Key: fullKey, UploadId: uploadId, PartNumberMarker: marker }));
      } catch (err) {
        if (isMissingUpload(err)) return undefined;
        throw this.translate(err, `ListParts of '${this.keys.relative(fullKey)}'`);
      }
      const parts = page.Parts ?? [];
      for (const part of parts) {
        size += part.Size ?? 0;
        if (part.LastModified && (!newest || part.LastModified > newest)) newest = part.LastModified;
      }
      if (!page.IsTruncated) return { size, newest };
      // Parts left unread could hold a newer one: guessing would make a live upload look abandoned.
      const lastPart = parts.at(-1)?.PartNumber;
      const next = page.NextPartNumberMarker || (lastPart !== undefined ? String(lastPart) : undefined);
      if (!next || next === marker) throw new Error(`ListParts of '${this.keys.relative(fullKey)}' in ${this.url} says there is more but gives no marker to continue from`);
      marker = next;
    }
  }

  /** Closes the client's idle connections; the store is unusable afterwards. */
  destroy(): void {
    this.client.destroy();
  }

  private async *pages(input: Omit<ListObjectsV2CommandInput, 'Bucket'>) {
    try {
      yield* paginateListObjectsV2({ client: this.client, pageSize: 1000 }, { ...input, Bucket: this.bucket });
    } catch (err) {
      throw this.translate(err, 'ListObjectsV2');
    }
  }

  private alreadyExists(key: string): AlreadyExistsError {
    return new AlreadyExistsError(`object '${key}' already exists in ${this.url}`);
  }

  private changedMeanwhile(key: string): ChangedMeanwhileError {
    return new ChangedMeanwhileError(`object '${key}' in ${this.url} changed or is gone since it was read`);
  }

  private translate(err: unknown, operation: string): Error {
    return translateS3Error(err, this.where, operation);
  }
}

/** 412 answers an If-None-Match that found the key; 409 a concurrent conditional write to it that won the race. */
function isConditionFailed(err: unknown): boolean {
  const codes = errorCodes(err);
  return codes.includes('PreconditionFailed') || codes.includes('ConditionalRequestConflict') || httpStatus(err) === 412;
}

function isNotImplemented(err: unknown): boolean {
  return errorCodes(err).includes('NotImplemented') || httpStatus(err) === 501;
}

function isMissingUpload(err: unknown): boolean {
  const codes = errorCodes(err);
  return codes.includes('NoSuchUpload') || (httpStatus(err) === 404 && !codes.includes('NoSuchBucket'));
}

function isMissingObject(err: unknown): boolean {
  const codes = errorCodes(err);
  if (codes.includes('NoSuchBucket')) return false;
  return codes.includes('NoSuchKey') || codes.includes('NotFound') || httpStatus(err) === 404;
}

function toReadable(body: unknown): Readable {
  if (body instanceof Readable) return body;
  if (body instanceof ReadableStream) return Readable.fromWeb(body as import('node:stream/web').ReadableStream);
  throw new Error('S3 GetObject returned no readable body');
}
