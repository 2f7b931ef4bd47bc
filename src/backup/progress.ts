import { logProgressLine, type Logger } from '../util/logger.js';

/** Progress lines on long runs: at most one every `intervalMs`, with a rate, so a large cluster never looks hung. */
export function progressReporter(logger: Logger, clock: () => Date, intervalMs = 5000) {
  const started = clock().getTime();
  let last = started;
  return (done: { items: number; resourcesDone: number; resourcesTotal: number }, force = false) => {
    logger.progress?.({ what: 'backed up', done: done.items, resourceTypes: { done: done.resourcesDone, total: done.resourcesTotal } });
    const now = clock().getTime();
    if (!force && now - last < intervalMs) return;
    last = now;
    const seconds = Math.max((now - started) / 1000, 0.001);
    logProgressLine(logger, `Progress: ${done.items} items backed up, ${done.resourcesDone}/${done.resourcesTotal} resource types done (${Math.round(done.items / seconds)} items/s)`);
  };
}
