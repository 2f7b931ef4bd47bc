import type { ExecOptions, ExecResult, ExecTarget } from '../../src/kube/cluster.js';

/** What an exec answers: a result, a thrown error, or never (for timeouts). */
export type ExecBehaviour = ExecResult | Error | 'hang';

export interface ExecCall {
  target: ExecTarget;
  command: string[];
  options?: ExecOptions;
}

/** A Cluster.exec that answers by the command's first argument and records every call; success by default. */
export function scriptedExec(behaviours: Record<string, ExecBehaviour>, calls: ExecCall[]) {
  return async (target: ExecTarget, command: string[], options?: ExecOptions): Promise<ExecResult> => {
    calls.push({ target, command, options });
    const behaviour = behaviours[command[0]!] ?? { exitCode: 0, stdout: '', stderr: '' };
    if (behaviour === 'hang') return new Promise(() => {});
    if (behaviour instanceof Error) throw behaviour;
    return behaviour;
  };
}
