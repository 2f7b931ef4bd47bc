import { setTimeout as sleep } from 'node:timers/promises';

export interface PollOptions {
  /** Gives up after this long, measured on `clock`. */
  timeoutMs: number;
  intervalMs?: number;
  /** The run's clock (injected, so tests and the engine agree on time). */
  clock: () => Date;
  /** Ends the wait between two asks, throwing the signal's reason (a cancelled run stops waiting at once). */
  signal?: AbortSignal;
}

/** The one wait loop: asks `done` every interval until it says yes (true) or the time is up (false). */
export async function pollUntil(done: () => Promise<boolean>, options: PollOptions): Promise<boolean> {
  const deadline = options.clock().getTime() + options.timeoutMs;
  for (;;) {
    if (await done()) return true;
    if (options.clock().getTime() > deadline) return false;
    const { signal } = options;
    await sleep(options.intervalMs ?? 250, undefined, { signal }).catch((err: unknown) => {
      throw signal?.aborted ? signal.reason : err;
    });
  }
}

/** Whether a Kubernetes object's status holds condition `type` with status True (Established, Ready, ...). */
export function hasTrueCondition(object: { [field: string]: unknown } | undefined, type: string): boolean {
  const conditions = (object?.status as { conditions?: { type: string; status: string }[] } | undefined)?.conditions ?? [];
  return conditions.some((c) => c.type === type && c.status === 'True');
}
