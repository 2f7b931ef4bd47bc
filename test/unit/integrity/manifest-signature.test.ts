import { generateKeyPairSync } from 'node:crypto';
import { describe, expect, it } from '@jest/globals';
import { KeyFormatError, parseSigningKey, parseVerifyKeys, signatureMatches, signManifest } from '../../../src/integrity/manifest-signature.js';

// A throwaway pair made for this test with the commands the README gives: `openssl genpkey -algorithm ed25519`,
// `openssl pkey -pubout`; the fingerprint by `openssl pkey -pubin -outform DER | sha256sum`, and a signature of
// MESSAGE by `openssl pkeyutl -sign -rawin`. It signs nothing else.
const OPENSSL_PRIVATE = '-----BEGIN PRIVATE KEY-----\nMC4CAQAwBQYDK2VwBCIEINfbEaIkW9uOJxCuQok6ezn8ybo7DItFa3RZeBkvOPyQ\n-----END PRIVATE KEY-----\n';
const OPENSSL_PUBLIC = '-----BEGIN PUBLIC KEY-----\nMCowBQYDK2VwAyEAkSSG2aqQcge3CRLRQ8lNlfl0Qg8QcrDfG6pbb17zfWU=\n-----END PUBLIC KEY-----\n';
const OPENSSL_FINGERPRINT = '11b00b753c38be2744cd94345c5d5fa82821b9a5d3f331c0d85fae0b76e0b573';
const MESSAGE = Buffer.from('{"formatVersion":1}\n');
const OPENSSL_SIGNATURE = '3r6/vv/EL65jhYjMiH5XRkt/sfrwZPVBh5uHwILr8BCI7y/ggdKcrbdPV8/FcRYaItGuWazbpsSLyJDKzJU6AQ==';

const manifest = Buffer.from(JSON.stringify({ formatVersion: 1, algorithm: 'sha256', backup: 'b', files: { 'b.tar.gz': { size: 1, sha256: 'a'.repeat(64) } } }, null, 2));

function ed25519Pair(): { privatePem: string; publicPem: string } {
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  return { privatePem: privateKey.export({ type: 'pkcs8', format: 'pem' }) as string, publicPem: publicKey.export({ type: 'spki', format: 'pem' }) as string };
}

function otherPair(type: 'rsa' | 'ec' | 'x25519' | 'ed448'): { privatePem: string; publicPem: string } {
  const options = type === 'rsa' ? { modulusLength: 2048 } : type === 'ec' ? { namedCurve: 'P-256' } : {};
  const { privateKey, publicKey } = generateKeyPairSync(type as 'rsa', options as { modulusLength: number });
  return { privatePem: privateKey.export({ type: 'pkcs8', format: 'pem' }) as string, publicPem: publicKey.export({ type: 'spki', format: 'pem' }) as string };
}

function problemOf(parse: () => unknown): string {
  try {
    parse();
  } catch (err) {
    expect(err).toBeInstanceOf(KeyFormatError);
    return (err as KeyFormatError).problem;
  }
  throw new Error('expected a KeyFormatError');
}

describe('keys as openssl makes them', () => {
  it('read, with the fingerprint openssl computes, and sign as openssl does', () => {
    const signing = parseSigningKey(OPENSSL_PRIVATE);
    const [verifying] = parseVerifyKeys(OPENSSL_PUBLIC);
    expect(signing.fingerprint).toBe(OPENSSL_FINGERPRINT);
    expect(verifying!.fingerprint).toBe(OPENSSL_FINGERPRINT);
    // Ed25519 is deterministic: the same key and bytes give openssl's signature exactly.
    expect(signManifest(MESSAGE, signing)).toEqual({ signature: OPENSSL_SIGNATURE, keyFingerprint: OPENSSL_FINGERPRINT });
    expect(signatureMatches(MESSAGE, OPENSSL_SIGNATURE, verifying!)).toBe(true);
  });

  it('read with CRLF line ends and surrounding whitespace, as a secret pasted on another system may hold them', () => {
    expect(parseSigningKey(`\n  ${OPENSSL_PRIVATE.replace(/\n/g, '\r\n')}  \n`).fingerprint).toBe(OPENSSL_FINGERPRINT);
  });
});

describe('signManifest and signatureMatches', () => {
  const { privatePem, publicPem } = ed25519Pair();
  const signing = parseSigningKey(privatePem);
  const [verifying] = parseVerifyKeys(publicPem);

  it('a signature verifies with the public key of its signing key', () => {
    const { signature, keyFingerprint } = signManifest(manifest, signing);
    expect(keyFingerprint).toBe(verifying!.fingerprint);
    expect(signature).toMatch(/^[A-Za-z0-9+/]{86}==$/);
    expect(signatureMatches(manifest, signature, verifying!)).toBe(true);
  });

  it('not with another key', () => {
    const [other] = parseVerifyKeys(ed25519Pair().publicPem);
    expect(signatureMatches(manifest, signManifest(manifest, signing).signature, other!)).toBe(false);
  });

  it('not over a manifest with any byte changed', () => {
    const { signature } = signManifest(manifest, signing);
    for (const at of [0, Math.floor(manifest.length / 2), manifest.length - 1]) {
      const tampered = Buffer.from(manifest);
      tampered[at] = tampered[at]! ^ 0x01;
      expect(signatureMatches(tampered, signature, verifying!)).toBe(false);
    }
    expect(signatureMatches(Buffer.concat([manifest, Buffer.from('\n')]), signature, verifying!)).toBe(false);
  });

  it('not a signature with a byte changed, nor one that is not a signature at all', () => {
    const raw = Buffer.from(signManifest(manifest, signing).signature, 'base64');
    raw[10] = raw[10]! ^ 0x80;
    expect(signatureMatches(manifest, raw.toString('base64'), verifying!)).toBe(false);
    expect(signatureMatches(manifest, 'not base64 at all', verifying!)).toBe(false);
    expect(signatureMatches(manifest, Buffer.alloc(32).toString('base64'), verifying!)).toBe(false);
  });
});

describe('parseVerifyKeys', () => {
  it('reads several keys one after the other (rotation), any of which verifies; a repeated key counts once', () => {
    const old = ed25519Pair();
    const current = ed25519Pair();
    const keys = parseVerifyKeys(`${old.publicPem}\n${current.publicPem}${old.publicPem}`);
    expect(keys).toHaveLength(2);
    const { signature } = signManifest(manifest, parseSigningKey(old.privatePem));
    expect(keys.map((key) => signatureMatches(manifest, signature, key))).toEqual([true, false]);
  });

  it.each(['rsa', 'ec', 'x25519', 'ed448'] as const)('refuses a %s public key', (type) => {
    expect(problemOf(() => parseVerifyKeys(otherPair(type).publicPem))).toBe(`is a key of type ${type}, not Ed25519`);
  });

  it('names the key at fault among several', () => {
    expect(problemOf(() => parseVerifyKeys(`${ed25519Pair().publicPem}${otherPair('ec').publicPem}`))).toBe('key 2 of 2 is a key of type ec, not Ed25519');
  });

  it('refuses a private key rather than taking its public half (verify-key is not masked as a secret)', () => {
    expect(problemOf(() => parseVerifyKeys(OPENSSL_PRIVATE))).toBe('is a private key; verifying takes public keys only');
  });

  it.each<[string, string, RegExp]>([
    ['garbage', 'hunter2', /^is not PEM/],
    ['an empty PEM block', '-----BEGIN PUBLIC KEY-----\n-----END PUBLIC KEY-----', /^is not a readable SPKI public key$/],
    ['a mangled body', OPENSSL_PUBLIC.replace('MCow', 'MCox'), /^is not a readable SPKI public key$/],
    ['a truncated block', OPENSSL_PUBLIC.slice(0, 60), /^is not PEM/],
    ['text outside the blocks', `${OPENSSL_PUBLIC}ssh-ed25519 AAAA...\n`, /^holds text outside its PEM blocks$/],
    ['a certificate', '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n', /^is a PEM 'CERTIFICATE' block, not a 'PUBLIC KEY'$/]
  ])('refuses %s', (_label, text, problem) => {
    expect(problemOf(() => parseVerifyKeys(text))).toMatch(problem);
  });
});

describe('parseSigningKey', () => {
  it.each(['rsa', 'ec', 'x25519', 'ed448'] as const)('refuses a %s private key', (type) => {
    expect(problemOf(() => parseSigningKey(otherPair(type).privatePem))).toBe(`is a key of type ${type}, not Ed25519`);
  });

  it.each<[string, string, string]>([
    ['a public key', OPENSSL_PUBLIC, 'is a public key, but signing takes the private key'],
    ['two keys', `${OPENSSL_PRIVATE}${OPENSSL_PRIVATE}`, 'holds 2 PEM blocks, but a signing key is one private key'],
    ['an encrypted key', '-----BEGIN ENCRYPTED PRIVATE KEY-----\nMIGb\n-----END ENCRYPTED PRIVATE KEY-----\n', 'is an encrypted private key, which cannot be read without its passphrase'],
    ['an OpenSSH key', '-----BEGIN OPENSSH PRIVATE KEY-----\nb3Blbn\n-----END OPENSSH PRIVATE KEY-----\n', "is a PEM 'OPENSSH PRIVATE KEY' block, not a PKCS#8 'PRIVATE KEY'"],
    ['a mangled body', OPENSSL_PRIVATE.replace('MC4C', 'MC5C'), 'is not a readable PKCS#8 private key']
  ])('refuses %s', (_label, text, problem) => {
    expect(problemOf(() => parseSigningKey(text))).toBe(problem);
  });

  it('never quotes the key in its problem', () => {
    const body = OPENSSL_PRIVATE.split('\n')[1]!;
    for (const text of [`${OPENSSL_PRIVATE}junk`, OPENSSL_PRIVATE.replace('MC4C', 'MC5C'), `${OPENSSL_PRIVATE}${OPENSSL_PRIVATE}`]) {
      expect(problemOf(() => parseSigningKey(text))).not.toContain(body.slice(8, 40));
    }
  });
});
