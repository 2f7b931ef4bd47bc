import { LocalObjectStore } from './local-store.js';
import type { ObjectStore } from './object-store.js';
import { S3ObjectStore } from './s3-store.js';
import type { S3Options } from './s3-options.js';
import type { Location } from './location.js';

/** The store for a parsed `location`; S3 options only matter for an s3:// location. Opening does no I/O. */
export function openObjectStore(location: Location, s3: S3Options): ObjectStore {
  switch (location.kind) {
    case 's3':
      return new S3ObjectStore(location, s3);
    case 'local':
      return new LocalObjectStore(location.directory, location.url);
  }
}
