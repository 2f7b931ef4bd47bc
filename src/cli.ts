#!/usr/bin/env node
import { CommanderError } from 'commander';
import { cancelOnSignals } from './cancellation.js';
import { buildProgram } from './cli/program.js';
import { errorMessage } from './util/errors.js';

const io = {
  out: (l: string) => console.log(l),
  err: (l: string) => console.error(l),
  env: process.env,
  cwd: process.cwd(),
  setExitCode: (code: number) => {
    process.exitCode = code;
  },
  signal: cancelOnSignals((signal) => console.error(`${signal}: cancelling; cleaning up (lease, uploads, temporary files)`))
};
try {
  await buildProgram(io).parseAsync(process.argv);
} catch (err) {
  if (err instanceof CommanderError) process.exitCode = err.exitCode;
  else {
    io.err(`error: ${errorMessage(err)}`);
    process.exitCode = 1;
  }
}
