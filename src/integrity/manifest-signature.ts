import { createHash, createPrivateKey, createPublicKey, sign, verify, type KeyObject } from 'node:crypto';

/**
 * Ed25519 signatures over a checksum manifest's bytes, as stored. Pure: parsing PEM keys, fingerprints, signing and
 * checking. Which key and signature a backup records, and what a missing one means, is backup-signature.ts's.
 */

/** A private key that signs manifests, with the fingerprint of its public half (what a backup records). */
export interface SigningKey {
  readonly privateKey: KeyObject;
  readonly fingerprint: string;
}

/** A public key a signature may be checked against. */
export interface VerifyKey {
  readonly publicKey: KeyObject;
  readonly fingerprint: string;
}

/** What a backup records of its manifest's signature: the signature (base64) and the signing key's fingerprint. */
export interface ManifestSignature {
  signature: string;
  keyFingerprint: string;
}

/** Key text that is not what was asked for; `problem` never quotes the text (it may be a secret). */
export class KeyFormatError extends Error {
  constructor(readonly problem: string) {
    super(problem);
    this.name = 'KeyFormatError';
  }
}

const PEM_BLOCK = /-----BEGIN ([A-Z0-9 ]+)-----[\s\S]*?-----END \1-----/g;
/** 64 bytes of Ed25519 signature in base64. */
const SIGNATURE = /^[A-Za-z0-9+/]{86}==$/;
/** The sha256 of a public key's DER (SPKI), as `openssl pkey -pubin -outform DER | sha256sum` prints it. */
const FINGERPRINT = /^[0-9a-f]{64}$/;

/**
 * One unencrypted PKCS#8 Ed25519 private key in PEM (`openssl genpkey -algorithm ed25519`). Other key types, an
 * encrypted or OpenSSH key, a public key, several keys or anything else are refused.
 */
export function parseSigningKey(text: string): SigningKey {
  const blocks = pemBlocks(text);
  if (blocks.length !== 1) throw new KeyFormatError(`holds ${blocks.length} PEM blocks, but a signing key is one private key`);
  const { label, pem } = blocks[0]!;
  if (label === 'ENCRYPTED PRIVATE KEY') throw new KeyFormatError('is an encrypted private key, which cannot be read without its passphrase');
  if (label === 'PUBLIC KEY') throw new KeyFormatError('is a public key, but signing takes the private key');
  if (label !== 'PRIVATE KEY') throw new KeyFormatError(`is a PEM '${label}' block, not a PKCS#8 'PRIVATE KEY'`);
  let privateKey: KeyObject;
  try {
    privateKey = createPrivateKey({ key: pem, format: 'pem' });
  } catch {
    throw new KeyFormatError('is not a readable PKCS#8 private key');
  }
  requireEd25519(privateKey);
  return { privateKey, fingerprint: fingerprintOf(createPublicKey(privateKey)) };
}

/**
 * One or more SPKI Ed25519 public keys in PEM (`openssl pkey -pubout`), concatenated: several keys let a signing
 * key be rotated while older backups still verify. Private keys are refused rather than reduced to their public
 * half: this input is not masked like one.
 */
export function parseVerifyKeys(text: string): VerifyKey[] {
  const blocks = pemBlocks(text);
  if (!blocks.length) throw new KeyFormatError('holds no PEM public key');
  const keys: VerifyKey[] = [];
  for (const [index, { label, pem }] of blocks.entries()) {
    const which = blocks.length > 1 ? `key ${index + 1} of ${blocks.length} ` : '';
    if (label.includes('PRIVATE KEY')) throw new KeyFormatError(`${which}is a private key; verifying takes public keys only`);
    if (label !== 'PUBLIC KEY') throw new KeyFormatError(`${which}is a PEM '${label}' block, not a 'PUBLIC KEY'`);
    let publicKey: KeyObject;
    try {
      publicKey = createPublicKey({ key: pem, format: 'pem' });
    } catch {
      throw new KeyFormatError(`${which}is not a readable SPKI public key`);
    }
    requireEd25519(publicKey, which);
    const fingerprint = fingerprintOf(publicKey);
    if (!keys.some((k) => k.fingerprint === fingerprint)) keys.push({ publicKey, fingerprint });
  }
  return keys;
}

/** The signature of `manifest` (its exact bytes) by `key`. */
export function signManifest(manifest: Buffer, key: SigningKey): ManifestSignature {
  return { signature: sign(null, manifest, key.privateKey).toString('base64'), keyFingerprint: key.fingerprint };
}

/** Whether `signature` (base64, as recorded) is `key`'s over exactly `manifest`. */
export function signatureMatches(manifest: Buffer, signature: string, key: VerifyKey): boolean {
  return isSignature(signature) && verify(null, manifest, key.publicKey, Buffer.from(signature, 'base64'));
}

export function isSignature(value: string): boolean {
  return SIGNATURE.test(value);
}

export function isFingerprint(value: string): boolean {
  return FINGERPRINT.test(value);
}

function fingerprintOf(publicKey: KeyObject): string {
  return createHash('sha256').update(publicKey.export({ type: 'spki', format: 'der' })).digest('hex');
}

/** `which` prefixes the problem when the input holds several keys: `key 2 of 3 `. */
function requireEd25519(key: KeyObject, which = ''): void {
  const type = key.asymmetricKeyType;
  if (type !== 'ed25519') throw new KeyFormatError(`${which}is a key of type ${type ?? 'unknown'}, not Ed25519`);
}

/** The PEM blocks of `text`; anything but whitespace outside them is refused (a truncated or mangled paste). */
function pemBlocks(text: string): { label: string; pem: string }[] {
  const blocks = [...text.matchAll(PEM_BLOCK)].map((m) => ({ label: m[1]!, pem: m[0] }));
  if (text.replace(PEM_BLOCK, '').trim()) throw new KeyFormatError(blocks.length ? 'holds text outside its PEM blocks' : 'is not PEM (no -----BEGIN …----- / -----END …----- block)');
  return blocks;
}
