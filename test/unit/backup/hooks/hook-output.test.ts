import { describe, expect, it } from '@jest/globals';
import { exitFailure, maskCredentials, outputSizes, STDERR_EXCERPT_LIMIT, stderrExcerpt } from '../../../../src/hooks/hook-output.js';

describe('maskCredentials', () => {
  it.each([
    ['token=abc123', 'token=***'],
    ['TOKEN: s3cr3t', 'TOKEN: ***'],
    ['export PGPASSWORD=hunter2; psql', 'export PGPASSWORD=***; psql'],
    ['{"password": "hunter two", "user": "app"}', '{"password": "***", "user": "app"}'],
    ["aws_secret_access_key = 'wJalr/K7MDENG'", "aws_secret_access_key = '***'"],
    ['api-key:xyz', 'api-key:***'],
    ['passwd=x&next=1', 'passwd=***&next=1'],
    ['Authorization: Bearer abc.def.ghi', 'Authorization: *** ***'],
    ['curl: (22) sent Bearer abc.def', 'curl: (22) sent Bearer ***'],
    ['cannot reach postgres://app:pa55w0rd@db:5432/shop', 'cannot reach postgres://app:***@db:5432/shop'],
    ['read dGhpcyBpcyBhIHNlY3JldCB2YWx1ZQ== from the vault', 'read *** from the vault'],
    ['commit 3f786850e387550fdab836ed7e6dc881de23001b', 'commit ***'],
    ['eyJhbGciOiJSUzI1NiIsImtpZCI6IjEifQ.eyJzdWIiOiJzeXN0ZW06c2VydmljZWFjY291bnQifQ.c2lnbmF0dXJlc2lnbmF0dXJl', '***.***.***']
  ])('masks %j', (text, masked) => {
    expect(maskCredentials(text)).toBe(masked);
  });

  it.each([
    'connection refused',
    'fsfreeze: /data: Device or resource busy',
    'exit status 1',
    'could not open /var/lib/postgresql/data/pg_wal_archive_status',
    'ERROR: relation "orders" does not exist',
    'cannot exec in sf-hooks-mx2wax9f-i86x-canary/talker-7d9f8b6c5-x2k4q container main',
    'pod uid 0b6c3e2a-5d1f-4e8a-9b7c-2f1e3d4c5b6a'
  ])('keeps %j', (text) => {
    expect(maskCredentials(text)).toBe(text);
  });
});

describe('stderrExcerpt', () => {
  it('is the last non-empty line, masked and quoted', () => {
    expect(stderrExcerpt('starting\nlogin failed: password=hunter2\n\n  ')).toBe('"login failed: password=***"');
  });

  it('is undefined for empty or blank stderr', () => {
    expect(stderrExcerpt('')).toBeUndefined();
    expect(stderrExcerpt(' \n\n')).toBeUndefined();
  });

  it('cuts a long line after masking', () => {
    const excerpt = JSON.parse(stderrExcerpt(`${'word '.repeat(100)}token=abc`)!) as string;
    expect(excerpt).toHaveLength(STDERR_EXCERPT_LIMIT + 1);
    expect(excerpt.endsWith('…')).toBe(true);
  });

  it('never leaves a piece of a secret cut off by the masking bound unmasked', () => {
    // A long secret shrinks to *** while the line's masked start is cut back to a space: the tail never shows.
    const secret = 'Zm9vYmFyYmF6cXV4'.repeat(4);
    const line = `${'A1b2C3d4'.repeat(120)} ${'x'.repeat(30)} ${secret}`;
    expect(stderrExcerpt(line)).not.toContain(secret.slice(0, 8));
  });
});

describe('exitFailure', () => {
  it('is undefined for exit code 0, whatever the output', () => {
    expect(exitFailure(0, 'token=abc')).toBeUndefined();
  });
  it('names the exit code, with the masked last line of stderr when there is one', () => {
    expect(exitFailure(3, '')).toBe('exited with code 3');
    expect(exitFailure(1, 'fsfreeze: /data: Device or resource busy\n')).toBe('exited with code 1 (last line of stderr: "fsfreeze: /data: Device or resource busy")');
    expect(exitFailure(2, 'secret: abc\n')).toBe('exited with code 2 (last line of stderr: "secret: ***")');
  });
});

describe('outputSizes', () => {
  it('counts bytes, not characters', () => {
    expect(outputSizes('é\n', '')).toBe('stdout 3 bytes, stderr 0 bytes');
  });
});
