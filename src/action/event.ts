import fs from 'node:fs';

/**
 * The cron of the `schedule:` entry that started this run (`github.event.schedule`), read from the event file the
 * runner writes. Two fields are all the action needs of the event, so it reads them itself rather than bundling
 * @actions/github and its REST client (README, Decisions).
 */
export function scheduledCron(env: NodeJS.ProcessEnv): string | undefined {
  if (env.GITHUB_EVENT_NAME !== 'schedule' || !env.GITHUB_EVENT_PATH) return undefined;
  let event: unknown;
  try {
    event = JSON.parse(fs.readFileSync(env.GITHUB_EVENT_PATH, 'utf8'));
  } catch {
    // A runner always writes the file; without it the run is treated as unscheduled, as @actions/github did.
    return undefined;
  }
  const schedule = (event as { schedule?: unknown } | null)?.schedule;
  return typeof schedule === 'string' ? schedule : undefined;
}
