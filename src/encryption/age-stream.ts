import { createCipheriv, createDecipheriv, hkdfSync } from 'node:crypto';
import { inBlocks } from '../util/byte-blocks.js';

/**
 * The payload of an age file (age-encryption.org/v1, "STREAM"): the plaintext in 64 KiB chunks, each sealed with
 * ChaCha20-Poly1305 under a key derived from the file key and a 16-byte nonce, the chunk's counter and a flag on
 * the last chunk in the cipher's nonce. OpenSSL's ChaCha20-Poly1305 through node:crypto, a few times faster than
 * the age library's JavaScript one; the library keeps the header (stanzas, MAC), which is small.
 */
export const PAYLOAD_NONCE_BYTES = 16;
const CHUNK = 64 * 1024;
const TAG = 16;
const SEALED_CHUNK = CHUNK + TAG;

/** A payload the keys open but that does not check: a chunk altered, cut, reordered or dropped. */
export class PayloadError extends Error {
  override name = 'PayloadError';
}

export function payloadKey(fileKey: Uint8Array, nonce: Uint8Array): Buffer {
  return Buffer.from(hkdfSync('sha256', fileKey, nonce, 'payload', 32));
}

function chunkNonce(counter: number, last: boolean): Buffer {
  // 11 bytes of big-endian counter, then the last-chunk flag; 2^53 chunks is more than any file reaches.
  const nonce = Buffer.alloc(12);
  nonce.writeUIntBE(counter, 5, 6);
  nonce[11] = last ? 1 : 0;
  return nonce;
}

function seal(key: Buffer, counter: number, last: boolean, plain: Buffer): Buffer {
  const cipher = createCipheriv('chacha20-poly1305', key, chunkNonce(counter, last), { authTagLength: TAG });
  const sealed = Buffer.allocUnsafe(plain.length + TAG);
  const written = cipher.update(plain).copy(sealed);
  cipher.final();
  cipher.getAuthTag().copy(sealed, written);
  return sealed;
}

function open(key: Buffer, counter: number, last: boolean, sealed: Buffer): Buffer | undefined {
  const decipher = createDecipheriv('chacha20-poly1305', key, chunkNonce(counter, last), { authTagLength: TAG });
  decipher.setAuthTag(sealed.subarray(sealed.length - TAG));
  const plain = decipher.update(sealed.subarray(0, sealed.length - TAG));
  try {
    decipher.final();
    return plain;
  } catch {
    return undefined;
  }
}

/** A stream in `size`-byte chunks, one held back so the last (possibly short, empty only if all is) is told apart. */
async function* chunksOf(source: AsyncIterable<Uint8Array>, size: number): AsyncGenerator<{ chunk: Buffer; last: boolean }> {
  let held: Buffer | undefined;
  for await (const block of inBlocks(source, size)) {
    if (held) yield { chunk: held, last: false };
    held = block;
  }
  yield { chunk: held ?? Buffer.alloc(0), last: true };
}

/** Seals a plaintext stream into an age payload (without the header and nonce that precede it). */
export async function* sealPayload(key: Buffer, plain: AsyncIterable<Uint8Array>): AsyncGenerator<Buffer> {
  let counter = 0;
  for await (const { chunk, last } of chunksOf(plain, CHUNK)) yield seal(key, counter++, last, chunk);
}

/** Opens an age payload; every chunk is checked before its bytes are passed on. */
export async function* openPayload(key: Buffer, sealed: AsyncIterable<Uint8Array>): AsyncGenerator<Buffer> {
  let counter = 0;
  for await (const { chunk, last } of chunksOf(sealed, SEALED_CHUNK)) {
    if (chunk.length < TAG) throw new PayloadError(`the payload ends inside chunk ${counter}`);
    const plain = open(key, counter, last, chunk);
    if (!plain) throw new PayloadError(`chunk ${counter} does not authenticate${last ? ' as the last one' : ''}`);
    counter++;
    if (plain.length) yield plain;
  }
}

/** A file key sealed into a stanza's body, as age's scrypt stanza does it: ChaCha20-Poly1305 with a zero nonce. */
export function sealFileKey(key: Buffer, fileKey: Uint8Array): Buffer {
  return seal(key, 0, false, Buffer.from(fileKey));
}
