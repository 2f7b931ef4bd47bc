/**
 * Cancellation as a runner does it: SIGINT, SIGTERM about 7.5 s later, then SIGKILL. The first signal aborts the
 * run's signal, so the engine stops taking work and its cleanup (`finally` blocks: the lease released, an
 * unfinished upload aborted, the restore's spool removed) runs while the process still lives; a second signal
 * changes nothing, since the cleanup is already under way. Read here, beside the entry points, because nothing
 * below the edges may touch the process.
 */
export function cancelOnSignals(onCancel: (signal: NodeJS.Signals) => void): AbortSignal {
  const controller = new AbortController();
  const cancel = (signal: NodeJS.Signals) => {
    if (controller.signal.aborted) return;
    onCancel(signal);
    controller.abort(new Error(`cancelled (${signal})`));
  };
  process.on('SIGINT', cancel);
  process.on('SIGTERM', cancel);
  return controller.signal;
}
