import type { Location } from '../storage/location.js';

export interface LocalBackupFacts {
  location: Location;
  /** RUNNER_ENVIRONMENT: `github-hosted`, `self-hosted`, or unset outside a runner. */
  runnerEnvironment: string | undefined;
  /** upload-local-backup was asked for. */
  upload: boolean;
  /** The artifact it was uploaded as, when the upload succeeded. */
  artifact?: string;
}

/**
 * What the job summary says about a backup kept in a local directory: on a GitHub-hosted runner the disk, and the
 * backup on it, go with the job, which nothing else would tell the user until they need the backup. Pure.
 */
export function localBackupNotice(facts: LocalBackupFacts): string | undefined {
  if (facts.location.kind !== 'local') return undefined;
  const where = `\`${facts.location.directory}\``;
  if (facts.upload) {
    return facts.artifact
      ? `The backup's folder was uploaded as the workflow artifact \`${facts.artifact}\` (kept 30 days; it holds the backup's Secrets).`
      : `> [!WARNING]\n> upload-local-backup is on, but the backup's folder in ${where} could not be uploaded as an artifact (see the job log).`;
  }
  if (facts.runnerEnvironment !== 'github-hosted') return undefined;
  return [
    '> [!WARNING]',
    `> This backup was written to ${where} on a GitHub-hosted runner: the runner's disk, and the backup with it, are deleted when the job ends.`,
    '> Use an `s3://` location, or `upload-local-backup: true` to keep it as a workflow artifact.'
  ].join('\n');
}
