import { describe, expect, it } from '@jest/globals';
import { runHolder } from '../../../src/settings/run-identity.js';

const HOST = { user: 'ana', hostname: 'build-7', pid: 4242 };

describe('runHolder', () => {
  it('names the GitHub run', () => {
    expect(runHolder({ GITHUB_RUN_ID: '42', GITHUB_REPOSITORY: 'acme/infra', GITHUB_RUN_ATTEMPT: '2', GITHUB_JOB: 'nightly' }, HOST)).toBe('acme/infra run 42 attempt 2, job nightly');
  });

  it('leaves out what the runner does not say', () => {
    expect(runHolder({ GITHUB_RUN_ID: '42' }, HOST)).toBe('workflow run 42');
  });

  it('names user, host and process elsewhere', () => {
    expect(runHolder({}, HOST)).toBe('ana@build-7 pid 4242');
    expect(runHolder({ GITHUB_REPOSITORY: 'acme/infra' }, { user: 'unknown', hostname: 'box', pid: 1 })).toMatch(/^.+@.+ pid \d+$/);
  });
});
