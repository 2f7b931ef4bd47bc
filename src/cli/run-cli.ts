import { CommanderError } from 'commander';
import { cancelOnSignals } from '../cancellation.js';
import { errorMessage } from '../util/errors.js';
import { buildProgram } from './program.js';
import { askOnTerminal } from './delete-commands.js';

/** The bin's work once the Node version is known to be enough: the program on this process's arguments and streams. */
export async function runCli(argv: string[]): Promise<void> {
  const io = {
    out: (l: string) => console.log(l),
    err: (l: string) => console.error(l),
    env: process.env,
    cwd: process.cwd(),
    stderrIsTerminal: process.stderr.isTTY === true,
    stderr: process.stderr,
    ask: process.stdin.isTTY ? askOnTerminal : undefined,
    setExitCode: (code: number) => {
      process.exitCode = code;
    },
    // Printed once the abort has run its listeners: a progress bar stops on it, so the line lands below the bar.
    signal: cancelOnSignals((signal) => queueMicrotask(() => console.error(`${signal}: cancelling; cleaning up (lease, uploads, temporary files)`)))
  };
  try {
    await buildProgram(io).parseAsync(argv);
  } catch (err) {
    if (err instanceof CommanderError) process.exitCode = err.exitCode;
    else {
      io.err(`error: ${errorMessage(err)}`);
      process.exitCode = 1;
    }
  }
}
