/** The GitHub Actions variables that name a workflow run (all absent outside a runner). */
export interface RunEnvironment {
  GITHUB_RUN_ID?: string;
  GITHUB_REPOSITORY?: string;
  GITHUB_RUN_ATTEMPT?: string;
  GITHUB_JOB?: string;
}

/** The machine and process a run is on, as the edges read them. */
export interface RunHost {
  /** The user name; `unknown` when the system has none (no passwd entry in a container). */
  user: string;
  hostname: string;
  pid: number;
}

/**
 * Who a run is, for people: the holder a run that has to wait for the location's lease is shown. The GitHub Actions
 * run when there is one (`acme/infra run 42 attempt 2, job nightly`), else user@host and the process id. Pure: the
 * edges gather the facts.
 */
export function runHolder(env: RunEnvironment, host: RunHost): string {
  if (env.GITHUB_RUN_ID) {
    const repo = env.GITHUB_REPOSITORY ?? 'workflow';
    const attempt = env.GITHUB_RUN_ATTEMPT ? ` attempt ${env.GITHUB_RUN_ATTEMPT}` : '';
    const job = env.GITHUB_JOB ? `, job ${env.GITHUB_JOB}` : '';
    return `${repo} run ${env.GITHUB_RUN_ID}${attempt}${job}`;
  }
  return `${host.user}@${host.hostname} pid ${host.pid}`;
}
