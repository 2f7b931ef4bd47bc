import { describe, expect, it } from '@jest/globals';
import { localBackupNotice, type LocalBackupFacts } from '../../../src/report/local-location-notice.js';

const local = { kind: 'local' as const, directory: '/home/runner/work/app/kube-backups', url: 'file:///home/runner/work/app/kube-backups' };
const s3 = { kind: 's3' as const, bucket: 'b', prefix: 'p/', url: 's3://b/p' };

describe('localBackupNotice', () => {
  it.each<[string, LocalBackupFacts, RegExp | undefined]>([
    ['an S3 location on a hosted runner: nothing to say', { location: s3, runnerEnvironment: 'github-hosted', upload: false }, undefined],
    ['a local directory on a self-hosted runner: its disk stays', { location: local, runnerEnvironment: 'self-hosted', upload: false }, undefined],
    ['a local directory outside a runner (CLI, tests)', { location: local, runnerEnvironment: undefined, upload: false }, undefined],
    ['a local directory on a hosted runner: warns it vanishes, and says what to do', { location: local, runnerEnvironment: 'github-hosted', upload: false }, /^> \[!WARNING\]\n> This backup was written to `\/home\/runner\/work\/app\/kube-backups` on a GitHub-hosted runner: .*deleted when the job ends\.\n> Use an `s3:\/\/` location, or `upload-local-backup: true`/],
    ['uploaded: names the artifact', { location: local, runnerEnvironment: 'github-hosted', upload: true, artifact: 'kube-backup-b1-files' }, /^The backup's folder was uploaded as the workflow artifact `kube-backup-b1-files`/],
    ['asked to upload, but the upload failed: warns', { location: local, runnerEnvironment: 'self-hosted', upload: true }, /^> \[!WARNING\]\n> upload-local-backup is on, but .* could not be uploaded/]
  ])('%s', (_, facts, expected) => {
    const notice = localBackupNotice(facts);
    if (expected) expect(notice).toMatch(expected);
    else expect(notice).toBeUndefined();
  });
});
