import { gzipSync } from 'node:zlib';

/** The small gzipped side files of a backup (results, resource list, logs) are built whole: they hold names, not objects. */
export function gzipJson(value: unknown): Buffer {
  return gzipSync(JSON.stringify(value));
}

export function gzipText(text: string): Buffer {
  return gzipSync(text);
}
