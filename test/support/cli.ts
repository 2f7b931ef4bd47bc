import { buildProgram } from '../../src/cli/program.js';

/**
 * The CLI run in process, as its bin runs it, with no environment (so no kubeconfig found by chance): what it
 * printed to stdout and stderr, and the exit code it set.
 */
export async function runCliInProcess(args: string[], cwd: string): Promise<{ out: string; err: string; code: number }> {
  const out: string[] = [];
  const err: string[] = [];
  let code = 0;
  const io = { out: (l: string) => out.push(l), err: (l: string) => err.push(l), env: {}, cwd, setExitCode: (c: number) => (code = c) };
  await buildProgram(io).parseAsync(args, { from: 'user' });
  return { out: out.join('\n'), err: err.join('\n'), code };
}
