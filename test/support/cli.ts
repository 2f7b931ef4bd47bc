import type { TerminalStream } from '../../src/cli/progress-bar.js';
import { buildProgram } from '../../src/cli/program.js';

/**
 * The CLI run in process, as its bin runs it, with no environment (so no kubeconfig found by chance): what it
 * printed to stdout and stderr, and the exit code it set. `terminal`: stderr is that terminal (a FakeTerminal),
 * so a progress bar is drawn on it and the lines printed while it shows land there too; by default stderr is no
 * terminal.
 */
export async function runCliInProcess(args: string[], cwd: string, env: NodeJS.ProcessEnv = {}, options: { terminal?: TerminalStream } = {}): Promise<{ out: string; err: string; code: number }> {
  const out: string[] = [];
  const err: string[] = [];
  let code = 0;
  const terminal = options.terminal ? { stderr: options.terminal, stderrIsTerminal: true } : {};
  const io = { out: (l: string) => out.push(l), err: (l: string) => err.push(l), env, cwd, setExitCode: (c: number) => (code = c), ...terminal };
  await buildProgram(io).parseAsync(args, { from: 'user' });
  return { out: out.join('\n'), err: err.join('\n'), code };
}
