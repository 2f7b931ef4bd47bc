import { Header, type HeaderData } from 'tar';

/** Tarballs built block by block, as an attacker would: what the project's writer never produces. */
export function tarHeader(path: string, size: number, type: HeaderData['type'] = 'File', linkpath?: string): Buffer {
  const h = new Header({ path, size, type, linkpath, mode: 0o755, uid: 0, gid: 0, mtime: new Date(0) });
  h.encode();
  return h.block!;
}

/** Zeros up to the next 512-byte block. */
export const tarPadding = (size: number) => Buffer.alloc((512 - (size % 512)) % 512);

/** One regular-file entry: header, content, padding. */
export function tarFile(path: string, content: string | Buffer): Buffer {
  const bytes = Buffer.from(content);
  return Buffer.concat([tarHeader(path, bytes.length), bytes, tarPadding(bytes.length)]);
}
