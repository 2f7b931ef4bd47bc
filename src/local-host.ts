import os from 'node:os';
import type { RunHost } from './settings/run-identity.js';

/**
 * The machine the edges run on (user, host name, process id), for the lease holder outside a workflow run. Read
 * here, beside the entry points, because nothing below the edges may read the host.
 */
export function localHost(): RunHost {
  let user = 'unknown';
  try {
    user = os.userInfo().username;
  } catch {
    // no passwd entry (containers)
  }
  return { user, hostname: os.hostname(), pid: process.pid };
}
