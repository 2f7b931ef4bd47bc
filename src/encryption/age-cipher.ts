import { ReadableStream } from 'node:stream/web';
import { Decrypter, Encrypter } from 'age-encryption';
import { recipientFingerprint } from './age-keys.js';

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

// The library's web streams and Node's are the same classes at run time; only their type declarations differ.
type LibraryStream = Parameters<Encrypter['encrypt']>[0] & object;
const asLibraryStream = (source: AsyncIterable<Uint8Array>) => ReadableStream.from(source) as unknown as ReadableStream<Uint8Array> & LibraryStream;

/**
 * Encrypts files in the age format (age-encryption.org/v1: X25519 or scrypt stanzas, ChaCha20-Poly1305 in 64 KiB
 * chunks), so any age implementation opens them. Streams are encrypted as they flow (memory flat); each file gets
 * its own random file key, as age does.
 */
export class AgeEncryptor {
  readonly #encrypter = new Encrypter();

  /** `scryptWorkFactor` only for tests: age's default (2^18) costs about two seconds a file, on purpose. */
  constructor(
    readonly keys: EncryptionKeys,
    options: { scryptWorkFactor?: number } = {}
  ) {
    if (keys.kind === 'passphrase') {
      this.#encrypter.setPassphrase(keys.passphrase);
      if (options.scryptWorkFactor) this.#encrypter.setScryptWorkFactor(options.scryptWorkFactor);
    } else {
      if (keys.recipients.length === 0) throw new Error('encryption needs at least one recipient');
      for (const recipient of keys.recipients) this.#encrypter.addRecipient(recipient);
    }
  }

  async encryptBuffer(plain: Buffer): Promise<Buffer> {
    return Buffer.from(await this.#encrypter.encrypt(new Uint8Array(plain.buffer, plain.byteOffset, plain.length)));
  }

  /** A pipeline stage that encrypts what flows through it. */
  stage(): StreamStage {
    const encrypter = this.#encrypter;
    return async function* encrypt(source) {
      const encrypted = await encrypter.encrypt(asLibraryStream(source));
      for await (const chunk of encrypted as unknown as AsyncIterable<Uint8Array>) yield chunk;
    };
  }
}

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
    try {
      return Buffer.from(await this.#decrypter.decrypt(new Uint8Array(encrypted.buffer, encrypted.byteOffset, encrypted.length)));
    } catch (err) {
      throw decryptionError(err, file);
    }
  }

  /**
   * A pipeline stage that decrypts what flows through it. The header is read before the first byte comes out, so
   * a wrong key fails at once; a chunk that was altered or cut fails when it is reached, before its bytes are passed on.
   */
  stage(file: string): StreamStage {
    const decrypter = this.#decrypter;
    return async function* decrypt(source) {
      try {
        const decrypted = await decrypter.decrypt(asLibraryStream(source));
        for await (const chunk of decrypted as unknown as AsyncIterable<Uint8Array>) yield chunk;
      } catch (err) {
        throw decryptionError(err, file);
      }
    };
  }
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
  if (/invalid tag|final chunk|ciphertext/.test(message)) {
    return new DecryptionError(`${file} does not decrypt: its ciphertext was altered or cut (${message})`);
  }
  return err;
}
