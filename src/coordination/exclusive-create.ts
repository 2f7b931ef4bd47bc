import { setTimeout as sleep } from 'node:timers/promises';
import { AlreadyExistsError, NotFoundError } from '../util/errors.js';
import type { ObjectStore } from '../storage/object-store.js';
import { readText } from '../storage/object-store.js';

/**
 * Exclusive create on any store. Where the store makes a conditional create atomic (a local directory: link(2); AWS
 * S3: If-None-Match on PutObject) two runs can never both create a key. Other S3-compatible stores only check before
 * they write: a HEAD then a PUT, and Swift's If-None-Match on CompleteMultipartUpload is no better (measured on the
 * test Swift: 1 to 4 of 10 simultaneous one-part uploads to a new key succeeded; of 2 racing HEAD+upload writers,
 * both succeeded in 10 of 10 rounds). So several runs may "create" the key at once, the last write winning. There a
 * creator waits `settleMs` (1s) and reads the key back: only the run whose token it holds goes on. That is safe as
 * long as no racing PUT takes longer than settleMs to land after its HEAD; a slower one is the residual risk (two
 * winners), which only arises when two runs start within that window.
 */
const DEFAULT_SETTLE_MS = 1_000;

/** How long a creator waits before reading back what it created: 1s where a create is not atomic, else 0. */
export function defaultSettleMs(store: ObjectStore): number {
  return store.conditionalPut === 'atomic' ? 0 : DEFAULT_SETTLE_MS;
}

/**
 * Creates `key` (a JSON object with a `token` field) only if absent; true when this run's write is the one that
 * stands. On a store whose conditional create is not atomic: a check, a plain write, then after `settleMs` a
 * read-back, where a racing run's later write means we lost. The write is then a plain PUT on purpose: a conditional
 * create may reach Swift as a one-part multipart upload, which is no more atomic there, and whose deletion
 * (segments, then manifest) can show a concurrent reader a broken object ("BrokenMPU"), as a released lease once
 * did to a waiting run's read.
 */
export async function createExclusive(store: ObjectStore, key: string, body: string, token: string, settleMs: number): Promise<boolean> {
  const atomic = store.conditionalPut === 'atomic';
  try {
    if (!atomic && (await store.head(key))) return false;
    await store.put(key, body, { contentType: 'application/json', ifNoneMatch: atomic });
  } catch (err) {
    if (err instanceof AlreadyExistsError) return false;
    throw err;
  }
  if (atomic && settleMs <= 0) return true;
  await sleep(settleMs);
  return (await readToken(store, key)) === token;
}

/** The `token` of the JSON object at `key`; undefined when it is gone or not JSON. */
async function readToken(store: ObjectStore, key: string): Promise<string | undefined> {
  try {
    return (JSON.parse(await readText(store, key)) as { token?: string } | undefined)?.token;
  } catch (err) {
    if (err instanceof NotFoundError || err instanceof SyntaxError) return undefined;
    throw err;
  }
}
