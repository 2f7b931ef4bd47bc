import { afterEach, describe, expect, it, jest } from '@jest/globals';
import { actionInputReader } from '../../../src/action/inputs.js';

// The runner hands inputs over as INPUT_<NAME> variables and masks what `::add-mask::` lines on stdout name.
const VARIABLE = 'INPUT_SIGNING-KEY';
const BODY = 'MC4CAQAwBQYDK2VwBCIEINfbEaIkW9uOJxCuQok6ezn8ybo7DItFa3RZeBkvOPyQ';

afterEach(() => {
  for (const name of [VARIABLE, 'INPUT_ENCRYPTION-IDENTITY', 'INPUT_ENCRYPTION-PASSPHRASE', 'INPUT_S3-SSE-CUSTOMER-KEY']) delete process.env[name];
  jest.restoreAllMocks();
});

function maskedWhileReading(): string[] {
  const lines: string[] = [];
  jest.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
    lines.push(...String(chunk).split(/\r?\n/).filter(Boolean));
    return true;
  });
  actionInputReader();
  jest.restoreAllMocks();
  return lines.filter((line) => line.startsWith('::add-mask::')).map((line) => line.slice('::add-mask::'.length));
}

describe('the signing-key input', () => {
  it('is masked line by line before anything can log it (a multi-line secret is not reliably masked whole)', () => {
    process.env[VARIABLE] = `-----BEGIN PRIVATE KEY-----\r\n${BODY}\r\n-----END PRIVATE KEY-----\r\n`;
    const masked = maskedWhileReading();
    expect(masked).toContain(BODY);
    expect(masked).not.toContain('-----BEGIN PRIVATE KEY-----');
  });
});

describe('the encryption-identity and encryption-passphrase inputs', () => {
  it('are masked whole and key by key, the comments of an age key file left readable', () => {
    const identity = 'AGE-SECRET-KEY-1QQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQ';
    process.env['INPUT_ENCRYPTION-IDENTITY'] = `# created: 2026-11-30T12:00:00Z\n# public key: age1abc\n${identity}\n`;
    process.env['INPUT_ENCRYPTION-PASSPHRASE'] = 'correct horse battery staple';
    const masked = maskedWhileReading();
    expect(masked).toEqual(expect.arrayContaining([identity, 'correct horse battery staple']));
    expect(masked).not.toContain('# public key: age1abc');
  });
});

describe('the s3-sse-customer-key input', () => {
  it('is masked before anything can log it', () => {
    const key = Buffer.alloc(32, 9).toString('base64');
    process.env['INPUT_S3-SSE-CUSTOMER-KEY'] = `${key}\n`;
    expect(maskedWhileReading()).toContain(key);
  });

  it('masks nothing when empty', () => {
    process.env['INPUT_S3-SSE-CUSTOMER-KEY'] = '  ';
    expect(maskedWhileReading()).toEqual([]);
  });
});
