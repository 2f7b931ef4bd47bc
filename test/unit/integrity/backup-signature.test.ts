import { generateKeyPairSync } from 'node:crypto';
import { describe, expect, it } from '@jest/globals';
import { checkBackupSignature, signatureAnnotations, signatureText } from '../../../src/integrity/backup-signature.js';
import { parseSigningKey, parseVerifyKeys, signManifest } from '../../../src/integrity/manifest-signature.js';
import type { KubeObject } from '../../../src/model/kube-object.js';
import { backupKeys } from '../../../src/storage/layout.js';
import { ANNOTATIONS } from '../../../src/velero/vocabulary.js';

// What a backup's velero-backup.json annotations and manifest bytes add up to, with and without verify keys.
const NAME = 'nightly';
const keys = backupKeys(NAME);
const manifest = Buffer.from('{"formatVersion":1,"files":{}}\n');

function pair() {
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  return { signing: parseSigningKey(privateKey.export({ type: 'pkcs8', format: 'pem' }) as string), verify: parseVerifyKeys(publicKey.export({ type: 'spki', format: 'pem' }) as string)[0]! };
}
const ours = pair();
const theirs = pair();

const backupWith = (annotations: Record<string, string>): KubeObject => ({ apiVersion: 'velero.io/v1', kind: 'Backup', metadata: { name: NAME, annotations } });
const signedBy = (key = ours.signing, bytes = manifest) => backupWith(signatureAnnotations(signManifest(bytes, key)));

describe('checkBackupSignature without verify keys', () => {
  it('an unsigned backup is unsigned, as before signatures', () => {
    expect(checkBackupSignature(backupWith({}), NAME, manifest, [])).toEqual({ state: 'unsigned' });
    expect(checkBackupSignature(backupWith({}), NAME, undefined, [])).toEqual({ state: 'unsigned' });
  });

  it('a signed one is reported unchecked, with the fingerprint it claims', () => {
    const check = checkBackupSignature(signedBy(), NAME, manifest, []);
    expect(check).toEqual({ state: 'unchecked', keyFingerprint: ours.signing.fingerprint });
    expect(signatureText(check)).toBe(`signed by ${ours.signing.fingerprint}, not checked (no verify-key)`);
  });

  it('malformed signature annotations fail: the backup never writes them', () => {
    const signed = signatureAnnotations(signManifest(manifest, ours.signing));
    expect(checkBackupSignature(backupWith({ ...signed, [ANNOTATIONS.checksumsSignature]: 'abc' }), NAME, manifest, [])).toEqual({ state: 'failed', file: keys.metadata, problem: `its ${ANNOTATIONS.checksumsSignature} annotation is not an Ed25519 signature in base64` });
    expect(checkBackupSignature(backupWith({ [ANNOTATIONS.checksumsSignature]: signed[ANNOTATIONS.checksumsSignature]! }), NAME, manifest, [])).toMatchObject({ state: 'failed', problem: `its ${ANNOTATIONS.checksumsSigningKey} annotation is missing` });
    expect(checkBackupSignature(signedBy(), NAME, undefined, [])).toMatchObject({ state: 'failed', problem: 'records a signature, but the backup has no checksum manifest' });
  });
});

describe('checkBackupSignature with verify keys', () => {
  it('verifies a manifest signed by one of them, whichever', () => {
    expect(checkBackupSignature(signedBy(), NAME, manifest, [theirs.verify, ours.verify])).toEqual({ state: 'verified', keyFingerprint: ours.verify.fingerprint });
  });

  it('fails an unsigned backup, and one without a manifest', () => {
    expect(checkBackupSignature(backupWith({}), NAME, manifest, [ours.verify])).toEqual({ state: 'failed', file: keys.metadata, problem: 'records no signature of the checksum manifest, but verify-key requires one' });
    expect(checkBackupSignature(backupWith({}), NAME, undefined, [ours.verify])).toMatchObject({ state: 'failed', file: keys.metadata, problem: expect.stringContaining('has no checksum manifest') });
  });

  it('fails a signature by another key, naming it', () => {
    expect(checkBackupSignature(signedBy(theirs.signing), NAME, manifest, [ours.verify])).toEqual({
      state: 'failed',
      file: keys.metadata,
      problem: `it is signed by key ${theirs.verify.fingerprint}, which is not one of the verify-key keys (${ours.verify.fingerprint})`
    });
  });

  it('fails a manifest changed after signing, naming the manifest', () => {
    const tampered = Buffer.from(manifest.toString().replace('{}', '{"x":1}'));
    expect(checkBackupSignature(signedBy(), NAME, tampered, [ours.verify])).toEqual({
      state: 'failed',
      file: keys.checksums,
      problem: `its signature by key ${ours.verify.fingerprint} does not match its bytes: the manifest, or its signature, was changed after signing`
    });
  });

  it('does not take the recorded fingerprint on trust: a claim of our key over their signature fails', () => {
    const forged = { ...signatureAnnotations(signManifest(manifest, theirs.signing)), [ANNOTATIONS.checksumsSigningKey]: ours.verify.fingerprint };
    expect(checkBackupSignature(backupWith(forged), NAME, manifest, [ours.verify])).toMatchObject({ state: 'failed', file: keys.checksums });
  });
});
