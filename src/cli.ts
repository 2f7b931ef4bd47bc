#!/usr/bin/env node
// Only the version check is imported statically: everything else loads after it, so an old Node gets one line
// naming the fix instead of a stack trace from deep inside a dependency.
import { nodeVersionProblem } from './cli/node-version.js';

const problem = nodeVersionProblem(process.versions.node);
if (problem) {
  console.error(`error: ${problem}`);
  process.exitCode = 1;
} else {
  const { runCli } = await import('./cli/run-cli.js');
  await runCli(process.argv);
}
