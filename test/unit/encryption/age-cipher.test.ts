import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { describe, expect, it } from '@jest/globals';
import { Decrypter, Encrypter, generateX25519Identity, identityToRecipient } from 'age-encryption';
import { AgeDecryptor, AgeEncryptor, DecryptionError, keysDescription } from '../../../src/encryption/age-cipher.js';
import { identityProblem, keysIn, recipientFingerprint, recipientProblem } from '../../../src/encryption/age-keys.js';

async function keyPair(): Promise<{ identity: string; recipient: string }> {
  const identity = await generateX25519Identity();
  return { identity, recipient: await identityToRecipient(identity) };
}

async function collect(stream: AsyncIterable<Uint8Array>): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(Buffer.from(chunk));
  return Buffer.concat(chunks);
}

/** Bytes through a pipeline stage, as a run streams them (chunks of 100 KiB, not the 64 KiB age chunks). */
async function throughStage(stage: (source: AsyncIterable<Uint8Array>) => AsyncIterable<Uint8Array>, bytes: Buffer): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for (let i = 0; i < bytes.length; i += 100 * 1024) chunks.push(bytes.subarray(i, i + 100 * 1024));
  return collect(stage(Readable.from(chunks)));
}

describe('age keys', () => {
  it('reads keys as age files hold them: lines, commas, comments', () => {
    expect(keysIn('# created: 2026\n# public key: age1aaa\nAGE-SECRET-KEY-1XYZ\n')).toEqual(['AGE-SECRET-KEY-1XYZ']);
    expect(keysIn(' age1a, age1b\nage1c  age1d\n\n')).toEqual(['age1a', 'age1b', 'age1c', 'age1d']);
  });

  it('tells a recipient from an identity without echoing a private key', async () => {
    const { identity, recipient } = await keyPair();
    expect(recipientProblem(recipient)).toBeUndefined();
    expect(identityProblem(identity)).toBeUndefined();
    expect(recipientProblem(identity)).toMatch(/private key/);
    expect(recipientProblem(identity)).not.toContain(identity.slice(16));
    expect(identityProblem(recipient)).toMatch(/public recipient/);
    expect(identityProblem(`${identity}X`)).not.toContain(identity.slice(16));
    expect(recipientProblem('age1pq1abcdefgh')).toMatch(/post-quantum/);
    expect(recipientProblem('ssh-ed25519')).toMatch(/not an X25519 age recipient/);
  });

  it('fingerprints a recipient stably and shortly', async () => {
    const { recipient } = await keyPair();
    expect(recipientFingerprint(recipient)).toMatch(/^[0-9a-f]{16}$/);
    expect(recipientFingerprint(recipient)).toBe(recipientFingerprint(recipient));
    expect(keysDescription({ kind: 'recipients', recipients: [recipient] })).toEqual([recipientFingerprint(recipient)]);
    expect(keysDescription({ kind: 'passphrase', passphrase: 'x'.repeat(12) })).toEqual(['passphrase']);
  });
});

describe('age encryption of backup files', () => {
  const plain = Buffer.concat(Array.from({ length: 40 }, (_, i) => Buffer.alloc(10_000, i))); // 400 KB: several age chunks

  it('round-trips buffers and streams to any of several recipients', async () => {
    const [a, b] = [await keyPair(), await keyPair()];
    const encryptor = new AgeEncryptor({ kind: 'recipients', recipients: [a.recipient, b.recipient] });
    const sealed = await encryptor.encryptBuffer(plain);
    expect(sealed.subarray(0, 21).toString()).toBe('age-encryption.org/v1');
    expect(sealed.includes(plain.subarray(0, 64))).toBe(false);
    for (const { identity } of [a, b]) expect((await new AgeDecryptor({ identities: [identity] }).decryptBuffer(sealed, 'f')).equals(plain)).toBe(true);

    const streamed = await throughStage(encryptor.stage(), plain);
    const opened = await throughStage(new AgeDecryptor({ identities: [b.identity] }).stage('f'), streamed);
    expect(opened.equals(plain)).toBe(true);
  });

  it('round-trips with a passphrase', async () => {
    const keys = { kind: 'passphrase' as const, passphrase: 'correct horse battery' };
    const sealed = await new AgeEncryptor(keys, { scryptWorkFactor: 10 }).encryptBuffer(plain);
    expect((await new AgeDecryptor({ identities: [], passphrase: keys.passphrase }).decryptBuffer(sealed, 'f')).equals(plain)).toBe(true);
    await expect(new AgeDecryptor({ identities: [], passphrase: 'wrong horse battery' }).decryptBuffer(sealed, 'f')).rejects.toThrow(DecryptionError);
  });

  it('refuses another key, an altered byte, a cut file and plain bytes, naming the file and never a key', async () => {
    const [owner, stranger] = [await keyPair(), await keyPair()];
    const sealed = await throughStage(new AgeEncryptor({ kind: 'recipients', recipients: [owner.recipient] }).stage(), plain);
    const opener = new AgeDecryptor({ identities: [owner.identity] });

    const wrongKey = throughStage(new AgeDecryptor({ identities: [stranger.identity] }).stage('b/b.tar.gz'), sealed);
    await expect(wrongKey).rejects.toThrow(/b\/b\.tar\.gz is encrypted to other keys/);
    await wrongKey.catch((err: Error) => expect(err.message).not.toContain(stranger.identity));

    const altered = Buffer.from(sealed);
    altered[altered.length - 1000]! ^= 1;
    await expect(throughStage(opener.stage('f'), altered)).rejects.toThrow(/f does not decrypt: its ciphertext was altered or cut/);
    await expect(throughStage(opener.stage('f'), sealed.subarray(0, sealed.length - 70_000))).rejects.toThrow(/altered or cut/);
    await expect(opener.decryptBuffer(plain, 'f')).rejects.toThrow(/f is not an age-encrypted file/);
  });

  // The payload is sealed with node:crypto, not by the age library: the library is the reference it must match,
  // both ways, at every chunk boundary (age's chunks are 64 KiB; the last one is flagged, and empty only when the
  // whole file is).
  const boundarySizes = [0, 1, 64 * 1024 - 1, 64 * 1024, 64 * 1024 + 1, 128 * 1024, 200_000];
  const bytesOf = (size: number) => Buffer.from(Array.from({ length: size }, (_, i) => (i * 7) % 251));

  it("writes what the age library opens, and opens what it writes, at every chunk boundary", async () => {
    const { identity, recipient } = await keyPair();
    const ours = { encryptor: new AgeEncryptor({ kind: 'recipients', recipients: [recipient] }), decryptor: new AgeDecryptor({ identities: [identity] }) };
    const library = { encrypter: new Encrypter(), decrypter: new Decrypter() };
    library.encrypter.addRecipient(recipient);
    library.decrypter.addIdentity(identity);
    for (const size of boundarySizes) {
      const bytes = bytesOf(size);
      const sealed = await throughStage(ours.encryptor.stage(), bytes);
      expect(Buffer.from(await library.decrypter.decrypt(sealed)).equals(bytes)).toBe(true);
      const theirs = Buffer.from(await library.encrypter.encrypt(bytes));
      expect(sealed.length).toBe(theirs.length);
      expect((await throughStage(ours.decryptor.stage(`${size}`), theirs)).equals(bytes)).toBe(true);
    }
  });

  it("writes a passphrase stanza the age library opens", async () => {
    const passphrase = 'correct horse battery';
    const sealed = await new AgeEncryptor({ kind: 'passphrase', passphrase }, { scryptWorkFactor: 10 }).encryptBuffer(plain);
    const decrypter = new Decrypter();
    decrypter.addPassphrase(passphrase);
    expect(Buffer.from(await decrypter.decrypt(sealed)).equals(plain)).toBe(true);
  });

  it('refuses a payload cut at a chunk boundary, with a chunk dropped or moved, or with bytes after its end', async () => {
    const { identity, recipient } = await keyPair();
    const opener = new AgeDecryptor({ identities: [identity] });
    const payloadStart = (file: Buffer) => file.indexOf('\n--- ') + file.subarray(file.indexOf('\n--- ') + 1).indexOf('\n') + 2 + 16;
    const sealedChunk = 64 * 1024 + 16;
    const sealed = await new AgeEncryptor({ kind: 'recipients', recipients: [recipient] }).encryptBuffer(bytesOf(3 * 64 * 1024));
    const start = payloadStart(sealed);
    const chunk = (n: number) => sealed.subarray(start + n * sealedChunk, start + (n + 1) * sealedChunk);
    const head = sealed.subarray(0, start);
    expect(sealed.length).toBe(start + 3 * sealedChunk);
    const damaged = {
      'cut after a whole chunk': Buffer.concat([head, chunk(0), chunk(1)]),
      'a chunk dropped': Buffer.concat([head, chunk(0), chunk(2)]),
      'two chunks swapped': Buffer.concat([head, chunk(1), chunk(0), chunk(2)]),
      'bytes after the end': Buffer.concat([sealed, Buffer.alloc(16)]),
      'cut inside a tag': sealed.subarray(0, start + 2 * sealedChunk + 10),
      'no payload at all': head
    };
    for (const [what, file] of Object.entries(damaged)) {
      await expect(throughStage(opener.stage(what), file)).rejects.toThrow(new RegExp(`${what} does not decrypt: its ciphertext was altered or cut`));
    }
  });

  it('passes a failing source on as that failure', async () => {
    const encryptor = new AgeEncryptor({ kind: 'recipients', recipients: [(await keyPair()).recipient] });
    const failing = Readable.from(
      (async function* () {
        yield Buffer.alloc(10);
        throw new Error('archive aborted');
      })()
    );
    await expect(pipeline(failing, encryptor.stage(), async (source: AsyncIterable<Uint8Array>) => collect(source))).rejects.toThrow('archive aborted');
  });
});
