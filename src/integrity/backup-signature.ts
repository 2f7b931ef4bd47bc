import type { KubeObject } from '../model/kube-object.js';
import { backupKeys } from '../storage/layout.js';
import { ANNOTATIONS } from '../velero/vocabulary.js';
import { isFingerprint, isSignature, signatureMatches, type ManifestSignature, type VerifyKey } from './manifest-signature.js';

/**
 * What a backup's signature shows. `unsigned`: no signature, and none was asked for. `unchecked`: signed, but no
 * verify-key was given (the fingerprint is only what velero-backup.json claims). `verified`: the manifest's bytes
 * are signed by one of the verify keys. `failed`: `file` and `problem` say why.
 */
export type SignatureCheck =
  | { state: 'unsigned' }
  | { state: 'unchecked'; keyFingerprint: string }
  | { state: 'verified'; keyFingerprint: string }
  | { state: 'failed'; file: string; problem: string };

/** The annotations that record `signature` on velero-backup.json. */
export function signatureAnnotations(signature: ManifestSignature): Record<string, string> {
  return { [ANNOTATIONS.checksumsSignature]: signature.signature, [ANNOTATIONS.checksumsSigningKey]: signature.keyFingerprint };
}

/**
 * The signature `backup` (its velero-backup.json) records, checked over `manifest` (the checksum manifest's bytes as
 * read and bound to it by sha256; undefined: the backup has none). With verify keys, anything but a signature by one
 * of them fails: no manifest, no signature, a signature by another key or over other bytes. Without, a signature is
 * reported unchecked; a malformed one fails either way (the backup never writes one).
 */
export function checkBackupSignature(backup: KubeObject, backupName: string, manifest: Buffer | undefined, verifyKeys: readonly VerifyKey[]): SignatureCheck {
  const keys = backupKeys(backupName);
  const fail = (file: string, problem: string): SignatureCheck => ({ state: 'failed', file, problem });
  const annotations = backup.metadata.annotations ?? {};
  const signature = annotations[ANNOTATIONS.checksumsSignature];
  const fingerprint = annotations[ANNOTATIONS.checksumsSigningKey];
  const required = verifyKeys.length > 0;

  if (signature === undefined && fingerprint === undefined) {
    if (!required) return { state: 'unsigned' };
    return fail(keys.metadata, manifest ? 'records no signature of the checksum manifest, but verify-key requires one' : 'the backup has no checksum manifest (made by Velero, or by a version without one), so nothing is signed, but verify-key requires a signature');
  }
  if (typeof signature !== 'string' || !isSignature(signature)) return fail(keys.metadata, `its ${ANNOTATIONS.checksumsSignature} annotation is ${signature === undefined ? 'missing' : 'not an Ed25519 signature in base64'}`);
  if (typeof fingerprint !== 'string' || !isFingerprint(fingerprint)) return fail(keys.metadata, `its ${ANNOTATIONS.checksumsSigningKey} annotation is ${fingerprint === undefined ? 'missing' : 'not a key fingerprint (64 hex digits)'}`);
  if (!manifest) return fail(keys.metadata, 'records a signature, but the backup has no checksum manifest');
  if (!required) return { state: 'unchecked', keyFingerprint: fingerprint };

  // Every key is tried, not only the one the fingerprint names: the fingerprint is as unsigned as the rest of the file.
  const signer = verifyKeys.find((key) => signatureMatches(manifest, signature, key));
  if (signer) return { state: 'verified', keyFingerprint: signer.fingerprint };
  if (verifyKeys.some((key) => key.fingerprint === fingerprint)) {
    return fail(keys.checksums, `its signature by key ${fingerprint} does not match its bytes: the manifest, or its signature, was changed after signing`);
  }
  return fail(keys.metadata, `it is signed by key ${fingerprint}, which is not one of the verify-key keys (${verifyKeys.map((k) => k.fingerprint).join(', ')})`);
}

/** A line for logs and reports: who signed, and whether that was checked. */
export function signatureText(check: SignatureCheck): string {
  switch (check.state) {
    case 'unsigned':
      return 'unsigned';
    case 'unchecked':
      return `signed by ${check.keyFingerprint}, not checked (no verify-key)`;
    case 'verified':
      return `signature verified (key ${check.keyFingerprint})`;
    case 'failed':
      return 'signature FAILED';
  }
}
