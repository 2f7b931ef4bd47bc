import { randomBytes } from 'node:crypto';
import { NotFoundError } from '../util/errors.js';
import { METADATA_FOLDER } from '../storage/layout.js';
import type { ObjectStore } from '../storage/object-store.js';
import { readText } from '../storage/object-store.js';

/**
 * The lease as stored: one JSON object under `metadata/`, the one top-level folder besides backups/ and restores/
 * that Velero tolerates, saying who holds the location until when. A stale lease is taken over through a claim key
 * next to it, named after the stale lease's token.
 */
export const LEASE_KEY = `${METADATA_FOLDER}kube-backup-lease.json`;
export const CLAIM_PREFIX = `${METADATA_FOLDER}kube-backup-lease.takeover-`;

/** What the lease object holds (JSON). */
export interface LeaseRecord {
  /** Who holds it, for people: a workflow run or user@host. */
  holder: string;
  operation: string;
  /** The backup a backup run writes, so a duplicate scheduled run can recognise its twin. */
  target?: string;
  /** The source cluster's identity (kube-system uid) of a backup run. */
  clusterUid?: string;
  /** Random, unique to one acquisition: the holder's proof that the lease is still its own. */
  token: string;
  acquiredAt: string;
  renewedAt: string;
  expiresAt: string;
  /** The claim this lease was taken over with, removed on release. */
  claimKey?: string;
}

/** What a lease that cannot be read is shown as, to a run that has to wait for it. */
export const UNREADABLE: LeaseRecord = { holder: 'an unknown run (the lease is unreadable)', operation: 'unknown', token: '', acquiredAt: '?', renewedAt: '?', expiresAt: '?' };

/** Who asks for a lease, and for what: the fields of a record that are not about time or token. */
export interface LeaseClaimant {
  holder: string;
  operation: string;
  target?: string;
  clusterUid?: string;
}

/** A new random token: proof of one acquisition (or one claim). */
export function newToken(): string {
  return randomBytes(12).toString('hex');
}

/** A record for a new acquisition at `now`, expiring `ttlMs` later, with a fresh token. */
export function newLeaseRecord(claimant: LeaseClaimant, now: Date, ttlMs: number, claimKey?: string): LeaseRecord {
  const record: LeaseRecord = {
    holder: claimant.holder,
    operation: claimant.operation,
    token: newToken(),
    acquiredAt: now.toISOString(),
    renewedAt: now.toISOString(),
    expiresAt: new Date(now.getTime() + ttlMs).toISOString()
  };
  if (claimant.target) record.target = claimant.target;
  if (claimant.clusterUid) record.clusterUid = claimant.clusterUid;
  if (claimKey) record.claimKey = claimKey;
  return record;
}

/** The same record renewed at `now`: a later expiry, the rest unchanged. */
export function renewedLeaseRecord(record: LeaseRecord, now: Date, ttlMs: number): LeaseRecord {
  return { ...record, renewedAt: now.toISOString(), expiresAt: new Date(now.getTime() + ttlMs).toISOString() };
}

/** Whether the lease may be taken over at `now`: unreadable, or not renewed before its expiry. */
export function isStale(record: LeaseRecord | 'corrupt', now: Date): boolean {
  return record === 'corrupt' || Date.parse(record.expiresAt) <= now.getTime();
}

/** The claim key for taking over `stale`: one per stale lease, so only one run can win it. */
export function claimKeyFor(stale: LeaseRecord | 'corrupt'): string {
  return `${CLAIM_PREFIX}${stale === 'corrupt' ? 'corrupt' : stale.token.replace(/[^A-Za-z0-9_-]/g, '_')}`;
}

/** Whether `key` is a claim key (and so ours to delete). */
export function isClaimKey(key: string): boolean {
  return key.startsWith(CLAIM_PREFIX);
}

export function serialiseLease(record: LeaseRecord): string {
  return `${JSON.stringify(record, null, 2)}\n`;
}

/** The lease as stored now, or undefined. A lease that is not valid JSON comes back as `corrupt`. */
export async function readLease(store: ObjectStore): Promise<LeaseRecord | 'corrupt' | undefined> {
  let text: string;
  try {
    text = await readText(store, LEASE_KEY);
  } catch (err) {
    if (err instanceof NotFoundError) return undefined;
    throw err;
  }
  return parseLease(text);
}

/**
 * The lease with the version it was read at, for a conditional renewal; the version is undefined on a store that
 * cannot read one (then the renewal is a plain write after the check).
 */
export async function readVersionedLease(store: ObjectStore): Promise<{ lease: LeaseRecord | 'corrupt' | undefined; version?: string }> {
  if (!store.readVersioned) return { lease: await readLease(store) };
  const read = await store.readVersioned(LEASE_KEY);
  return read ? { lease: parseLease(read.text), version: read.version } : { lease: undefined };
}

/** A stored lease's text as a record, or `corrupt` when it is not JSON or lacks a token or a valid expiry. */
export function parseLease(text: string): LeaseRecord | 'corrupt' {
  try {
    const record = JSON.parse(text) as LeaseRecord;
    if (typeof record?.token !== 'string' || typeof record.expiresAt !== 'string' || Number.isNaN(Date.parse(record.expiresAt))) return 'corrupt';
    return record;
  } catch {
    return 'corrupt';
  }
}
