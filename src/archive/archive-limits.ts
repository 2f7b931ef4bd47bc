import { GiB, MiB } from '../util/byte-size.js';

/**
 * Caps on what a restore takes from a backup's tarball. Every byte of it comes from a bucket, so from whoever could
 * write there: a few megabytes of gzip can inflate to terabytes, and a tar header can declare an entry of any size.
 * Pure; the messages that name inputs belong to the callers.
 */
export interface ArchiveLimits {
  /** Uncompressed bytes of the whole tar stream, which is what the spool file takes on disk. */
  maxArchiveSize: number;
  /** Bytes of one regular-file entry: the most one read of an item buffers. */
  maxEntrySize: number;
  /** Estimated memory of the index (each entry's path and offsets), so that a flood of tiny entries cannot exhaust the heap. */
  maxIndexMemory: number;
}

/**
 * 20 GiB, far above any real backup, yet small enough that the spool fits a runner's disk. etcd refuses more than
 * 2 GiB by default (8 GiB is its suggested maximum); it stores objects as protobuf or JSON, their JSON in the archive
 * is typically 1.5 to 3 times that, and every item is stored twice: a cluster at etcd's default quota makes at
 * most about 12 GiB of tar. Measured here: 5,000 typical objects make 27 MB. A bigger archive is a gzip bomb,
 * or an etcd run far beyond its defaults, whose owner raises this (the max-archive-size input).
 */
export const DEFAULT_MAX_ARCHIVE_SIZE = 20 * GiB;

/**
 * 16 MiB per entry, with no input to raise it. An item is one object as the API server returned it, and the API
 * server refuses write requests over 3 MiB (its MaxRequestBodyBytes, which kube-apiserver has no flag for; etcd
 * itself takes 1.5 MiB per request by default): an entry over 16 MiB can never be restored, whatever the
 * cluster's settings, so it is damage or abuse. This is also the most one read buffers.
 */
export const MAX_ENTRY_SIZE = 16 * MiB;

/**
 * What the index may hold in memory: 1/40 of max-archive-size (512 MiB by default), at least 64 MiB. An entry costs
 * about INDEX_ENTRY_OVERHEAD bytes and two per character of its path; 512 MiB holds about two million entries of
 * 80 characters, a backup of a million objects. Real archives spend over 1 KiB of tar per entry, so they reach the
 * archive cap long before this one; an archive of empty entries (512 bytes each, compressing to almost nothing)
 * would otherwise fill the heap and crash the run, leaving its spool behind.
 */
const INDEX_MEMORY_SHARE = 40;
const MIN_INDEX_MEMORY = 64 * MiB;
export const INDEX_ENTRY_OVERHEAD = 96;

/** The limits for a given max-archive-size: the index budget follows it, the per-entry cap does not. */
export function archiveLimits(maxArchiveSize: number = DEFAULT_MAX_ARCHIVE_SIZE): ArchiveLimits {
  return {
    maxArchiveSize,
    maxEntrySize: MAX_ENTRY_SIZE,
    maxIndexMemory: Math.max(MIN_INDEX_MEMORY, Math.floor(maxArchiveSize / INDEX_MEMORY_SHARE))
  };
}

export const DEFAULT_ARCHIVE_LIMITS: ArchiveLimits = archiveLimits();

/** Estimated heap bytes of one index entry with this path (two bytes per character: paths need not be ASCII). */
export function indexEntryMemory(path: string): number {
  return INDEX_ENTRY_OVERHEAD + 2 * path.length;
}
