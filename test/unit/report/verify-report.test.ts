import { describe, expect, it } from '@jest/globals';
import { verificationLine, verifySummary, verifyText } from '../../../src/report/verify-report.js';
import type { VerifyResult } from '../../../src/verify/run-verify.js';

const FINGERPRINT = 'ab'.repeat(32);
const result: VerifyResult = {
  location: 'file:///backups',
  verified: 2,
  structuralOnly: 0,
  failed: 1,
  backups: [
    { name: 'checked', state: 'verified', problems: [], filesChecked: 5, items: 3, signature: { state: 'verified', keyFingerprint: FINGERPRINT } },
    { name: 'unchecked', state: 'verified', problems: [], filesChecked: 5, items: 3, signature: { state: 'unchecked', keyFingerprint: FINGERPRINT } },
    { name: 'forged', state: 'failed', problems: [{ file: 'backups/forged/forged-checksums.json', problem: 'its signature … does not match its bytes' }], filesChecked: 5, items: 3, signature: { state: 'failed', file: 'backups/forged/forged-checksums.json', problem: 'its signature … does not match its bytes' } }
  ]
};

describe('verify reports', () => {
  it('show who signed each backup and whether that was checked', () => {
    const summary = verifySummary(result);
    expect(summary).toContain(`| checked | verified (checksums match) | 5 | 3 | 0 | signature verified (key ${FINGERPRINT}) |`);
    expect(summary).toContain(`| unchecked | verified (checksums match) | 5 | 3 | 0 | signed by ${FINGERPRINT}, not checked (no verify-key) |`);
    expect(summary).toContain('| forged | FAILED | 5 | 3 | 1 | signature FAILED |');
    expect(summary).toContain('| forged | backups/forged/forged-checksums.json | its signature … does not match its bytes |');
    expect(verifyText(result)).toMatch(/^unchecked\s+verified \(checksums match\)\s+5\s+3\s+signed by ab/m);
  });

  it("say nothing of an unsigned backup's signature in describe's line", () => {
    expect(verificationLine({ name: 'plain', state: 'verified', problems: [], filesChecked: 1, items: 1, signature: { state: 'unsigned' } })).toBe('verified (checksums match)');
    expect(verificationLine(result.backups[1]!)).toBe(`verified (checksums match); signed by ${FINGERPRINT}, not checked (no verify-key)`);
  });
});
