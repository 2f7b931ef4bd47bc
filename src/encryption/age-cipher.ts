import { randomBytes, scrypt, type ScryptOptions } from 'node:crypto';
import { promisify } from 'node:util';
import { Decrypter, Encrypter, Stanza, type Recipient } from 'age-encryption';
import { recipientFingerprint } from './age-keys.js';
import { openPayload, PAYLOAD_NONCE_BYTES, PayloadError, payloadKey, sealFileKey, sealPayload } from './age-stream.js';

/** The keys a backup encrypts to: public recipients (the backup job never holds a key that decrypts), or a passphrase. */
export type EncryptionKeys = { kind: 'recipients'; recipients: readonly string[] } | { kind: 'passphrase'; passphrase: string };

/** What opens an encrypted backup: identities (private keys), a passphrase, or both (each is tried). */
export interface DecryptionKeys {
  identities: readonly string[];
  passphrase?: string;
}

/** A stage of `stream.pipeline`: bytes in, bytes out, errors and back-pressure carried by the pipeline. */
export type StreamStage = (source: AsyncIterable<Uint8Array>) => AsyncGenerator<Uint8Array>;

/** A file that does not open with the keys given, or is not what age wrote; the message never holds a key. */
export class DecryptionError extends Error {
  override name = 'DecryptionError';
}

/** How a backup's encrypted files are described in its record (velero-backup.json): no key, only fingerprints. */
export function keysDescription(keys: EncryptionKeys): string[] {
  return keys.kind === 'passphrase' ? ['passphrase'] : keys.recipients.map(recipientFingerprint);
}

/**
 * Encrypts files in the age format (age-encryption.org/v1: X25519 or scrypt stanzas, ChaCha20-Poly1305 in 64 KiB
 * chunks), so any age implementation opens them. Streams are encrypted as they flow (memory flat); each file gets
 * its own random file key, as age does. The age library writes the header; the payload is sealed natively
 * (age-stream.ts), with the file key the library hands to the recipients.
 */
export class AgeEncryptor {
  readonly #scryptWorkFactor: number;

  /** `scryptWorkFactor` only for tests: age's default (2^18) costs about two seconds a file, on purpose. */
  constructor(
    readonly keys: EncryptionKeys,
    options: { scryptWorkFactor?: number } = {}
  ) {
    if (keys.kind === 'recipients' && keys.recipients.length === 0) throw new Error('encryption needs at least one recipient');
    this.#scryptWorkFactor = options.scryptWorkFactor ?? DEFAULT_SCRYPT_WORK_FACTOR;
    // Checked here, not at the first file: a key that does not decode fails the run before it starts.
    if (keys.kind === 'recipients') for (const recipient of keys.recipients) new Encrypter().addRecipient(recipient);
  }

  async encryptBuffer(plain: Buffer): Promise<Buffer> {
    return collected(this.stage()(asStream(plain)));
  }

  /** A pipeline stage that encrypts what flows through it. */
  stage(): (source: AsyncIterable<Uint8Array>) => AsyncGenerator<Buffer> {
    const start = () => this.#start();
    return async function* encrypt(source) {
      const { prefix, key } = await start();
      yield prefix;
      yield* sealPayload(key, source);
    };
  }

  /** What a new file starts with (its header, then its payload nonce), and the key its payload is sealed with. */
  async #start(): Promise<{ prefix: Buffer; key: Buffer }> {
    let fileKey: Uint8Array | undefined;
    const encrypter = new Encrypter();
    if (this.keys.kind === 'passphrase') {
      encrypter.addRecipient(new ScryptRecipient(this.keys.passphrase, this.#scryptWorkFactor, (key) => (fileKey = key)));
    } else {
      for (const recipient of this.keys.recipients) encrypter.addRecipient(recipient);
      encrypter.addRecipient({ wrapFileKey: (key) => ((fileKey = key), []) });
    }
    // An empty file: its header, its payload nonce, and the one empty chunk (a tag) that is all of its payload.
    const empty = Buffer.from(await encrypter.encrypt(new Uint8Array(0)));
    const prefix = empty.subarray(0, empty.length - EMPTY_PAYLOAD_BYTES);
    return { prefix, key: payloadKey(fileKey!, prefix.subarray(prefix.length - PAYLOAD_NONCE_BYTES)) };
  }
}

const DEFAULT_SCRYPT_WORK_FACTOR = 18;
const EMPTY_PAYLOAD_BYTES = 16;

/**
 * age's passphrase stanza (what the library writes for setPassphrase), with scrypt in OpenSSL on the thread pool
 * rather than two seconds of JavaScript on the main thread; it also hands over the file key it wraps.
 */
class ScryptRecipient implements Recipient {
  constructor(
    private readonly passphrase: string,
    private readonly logN: number,
    private readonly onFileKey: (fileKey: Uint8Array) => void
  ) {}

  async wrapFileKey(fileKey: Uint8Array): Promise<Stanza[]> {
    this.onFileKey(fileKey);
    const salt = randomBytes(16);
    const N = 2 ** this.logN;
    const key = await scryptAsync(this.passphrase, Buffer.concat([Buffer.from('age-encryption.org/v1/scrypt'), salt]), 32, { N, r: 8, p: 1, maxmem: 256 * N * 8 });
    return [new Stanza(['scrypt', salt.toString('base64').replace(/=+$/, ''), String(this.logN)], sealFileKey(key, fileKey))];
  }
}

const scryptAsync = promisify(scrypt) as (password: string, salt: Buffer, length: number, options: ScryptOptions) => Promise<Buffer>;

/** Decrypts age files with identities and/or a passphrase; every failure is a DecryptionError naming the file. */
export class AgeDecryptor {
  readonly #decrypter = new Decrypter();

  constructor(keys: DecryptionKeys) {
    if (keys.identities.length === 0 && keys.passphrase === undefined) throw new Error('decryption needs an identity or a passphrase');
    for (const identity of keys.identities) {
      try {
        this.#decrypter.addIdentity(identity);
      } catch {
        // The library's message quotes the key.
        throw new Error('an age identity does not decode (mistyped or cut)');
      }
    }
    if (keys.passphrase !== undefined) this.#decrypter.addPassphrase(keys.passphrase);
  }

  async decryptBuffer(encrypted: Buffer, file: string): Promise<Buffer> {
    return collected(this.stage(file)(asStream(encrypted)));
  }

  /**
   * A pipeline stage that decrypts what flows through it. The header is read before the first byte comes out, so
   * a wrong key fails at once; a chunk that was altered or cut fails when it is reached, before its bytes are passed on.
   */
  stage(file: string): (source: AsyncIterable<Uint8Array>) => AsyncGenerator<Buffer> {
    const decrypter = this.#decrypter;
    return async function* decrypt(source) {
      try {
        const { header, nonce, payload } = await splitHeader(source);
        const fileKey = await decrypter.decryptHeader(header);
        yield* openPayload(payloadKey(fileKey, nonce), payload);
      } catch (err) {
        throw decryptionError(err, file);
      }
    };
  }
}

const VERSION_LINE = Buffer.from('age-encryption.org/v1\n');
// Far more than any header this tool writes or reads (a stanza a recipient, ~150 bytes each).
const MOST_HEADER_BYTES = 1024 * 1024;

/** An age file's header (up to its MAC line), the payload nonce after it, and the rest of the stream: the payload. */
async function splitHeader(source: AsyncIterable<Uint8Array>): Promise<{ header: Buffer; nonce: Buffer; payload: AsyncIterable<Uint8Array> }> {
  // One iterator for both parts: breaking out of a for-await would end the source.
  const reader = source[Symbol.asyncIterator]();
  let read = Buffer.alloc(0);
  let headerEnd = -1;
  while (headerEnd < 0 || read.length < headerEnd + PAYLOAD_NONCE_BYTES) {
    if (read.length >= VERSION_LINE.length && !read.subarray(0, VERSION_LINE.length).equals(VERSION_LINE)) throw new Error('invalid version line');
    if (read.length > MOST_HEADER_BYTES) throw new Error('header longer than any age header');
    const next = await reader.next();
    if (next.done) throw new Error('stream ended before the header and payload nonce');
    read = Buffer.concat([read, next.value]);
    if (headerEnd < 0) {
      const macLine = read.indexOf('\n--- ');
      const lineEnd = macLine < 0 ? -1 : read.indexOf('\n', macLine + 1);
      if (lineEnd >= 0) headerEnd = lineEnd + 1;
    }
  }
  const rest = read.subarray(headerEnd + PAYLOAD_NONCE_BYTES);
  async function* payload(): AsyncGenerator<Uint8Array> {
    if (rest.length) yield rest;
    for (let next = await reader.next(); !next.done; next = await reader.next()) yield next.value;
  }
  return { header: read.subarray(0, headerEnd), nonce: read.subarray(headerEnd, headerEnd + PAYLOAD_NONCE_BYTES), payload: payload() };
}

async function* asStream(bytes: Buffer): AsyncGenerator<Buffer> {
  yield bytes;
}

async function collected(stream: AsyncIterable<Buffer>): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk);
  return Buffer.concat(chunks);
}

/** The library's messages, in words that say what to do; anything else (a read error of the source) passes as it is. */
function decryptionError(err: unknown, file: string): unknown {
  const message = err instanceof Error ? err.message : String(err);
  if (/no identity matched/.test(message)) {
    return new DecryptionError(`${file} is encrypted to other keys: none of the encryption-identity keys (or the passphrase) given opens it`);
  }
  if (/invalid version|header|stanza|non-ASCII|stream ended before|scrypt work factor/.test(message)) {
    return new DecryptionError(`${file} is not an age-encrypted file as this backup's record says (${message})`);
  }
  if (err instanceof PayloadError) {
    return new DecryptionError(`${file} does not decrypt: its ciphertext was altered or cut (${message})`);
  }
  return err;
}
