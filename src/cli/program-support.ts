import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Command, Option } from 'commander';
import { connect, type Ports } from '../engine/connect.js';
import { ALL_INPUTS, CONNECTION_INPUTS, type InputSpec } from '../settings/input-catalog.js';
import { mapReader, type InputReader } from '../settings/input-reader.js';
import { localHost } from '../local-host.js';
import { runHolder } from '../settings/run-identity.js';
import { parseConnectionSettings, type ConnectionSettings, type ProcessContext } from '../settings/settings.js';
import { InputError } from '../util/errors.js';
import type { Logger } from '../util/logger.js';
import { flagOrigin } from './flag-defaults.js';
import { commandOutput, type TerminalStream } from './progress-bar.js';
import { verbosityOf } from './terminal-logger.js';

export interface CliIo {
  out: (line: string) => void;
  err: (line: string) => void;
  env: NodeJS.ProcessEnv;
  cwd: string;
  /** Where a command's non-zero exit status goes; the bin sets process.exitCode, tests read it. */
  setExitCode?: (code: number) => void;
  /** Aborted on Ctrl-C / SIGTERM: the run stops taking work and cleans up (lease, uploads, temp files). */
  signal?: AbortSignal;
  /** Whether stderr is a terminal: where a progress bar can be drawn instead of periodic lines. */
  stderrIsTerminal?: boolean;
  /** The stream under `err`, where a progress bar is drawn when it is a terminal. */
  stderr?: TerminalStream;
  /** Asks the person at the terminal and returns the answer; absent when stdin is no terminal (nobody to ask). */
  ask?: (question: string) => Promise<string>;
}

/** Every input is a flag of the same name; a few keys (the CLI's own arguments) are not inputs and stay as they are. */
const FLAG_NAMES = new Set(['kubeconfig', 'backup-name', 'restore-name', 'output', ...ALL_INPUTS.map((i) => i.name)]);

export function flagLabel(input: string): string {
  return FLAG_NAMES.has(input) ? `--${input}` : input;
}

/**
 * A command's handler run the CLI's way: an input error names the flag the user typed (`--keep-last`, not the
 * engine's key), and the status the handler returns becomes the process's exit code.
 */
export function cliAction<A extends unknown[]>(io: CliIo, handler: (...args: A) => Promise<number | void>): (...args: A) => Promise<void> {
  return async (...args: A) => {
    try {
      const status = await handler(...args);
      if (status) io.setExitCode?.(status);
    } catch (err) {
      if (!(err instanceof InputError)) throw err;
      // Commander passes the command last: it knows which flags came from a variable or the config file.
      const command = args[args.length - 1] instanceof Command ? (args[args.length - 1] as Command) : undefined;
      throw err.relabel((input) => {
        const origin = flagOrigin(command, input);
        return origin ? `${flagLabel(input)} (from ${origin})` : flagLabel(input);
      });
    }
  };
}

/**
 * The exit status scripts rely on, as Velero's: 0 Completed, 2 PartiallyFailed (1 with fail-on-partial, which
 * asks for exactly that), 1 Failed. Bad input exits 1 before any run.
 */
export function exitStatusOf(phase: string, failOnPartial: boolean): number {
  if (phase === 'Completed') return 0;
  if (phase === 'PartiallyFailed') return failOnPartial ? 1 : 2;
  return 1;
}

/** What a command that talks to a cluster gets: its flags as inputs, the connection, a logger honouring --verbose. */
export interface CommandContext {
  reader: InputReader;
  connection: ConnectionSettings;
  logger: Logger;
  /** Who this run is (user@host, or the workflow run), shown to a run that has to wait for the location's lease. */
  holder: string;
  signal?: AbortSignal;
  /** Ends the progress bar (with `progressBar`), so the result printed next starts on a line of its own. */
  finishProgress: () => void;
}

/**
 * Parses the connection flags (every input checked before connecting), connects, runs, and always disconnects.
 * `progressBar`: progress shows as a live bar when stderr is a terminal (backup create, restore create).
 */
export async function withConnection(
  io: CliIo,
  options: Record<string, unknown>,
  parse: (context: CommandContext) => (ports: Ports) => Promise<number | void>,
  { progressBar = false }: { progressBar?: boolean } = {}
): Promise<number | void> {
  const reader = flagReader(options, io.cwd);
  const connection = parseConnectionSettings(reader, processContext(io), options.kubeconfig as string | undefined);
  const { logger, finishProgress } = commandOutput(io, verbosityOf(options), progressBar);
  try {
    const work = parse({ reader, connection, logger, holder: runHolder(io.env, localHost()), signal: io.signal, finishProgress });
    const ports = await connect(connection);
    try {
      return await work(ports);
    } finally {
      ports.cluster.close?.();
    }
  } finally {
    finishProgress();
  }
}

/**
 * Commander's camelCase option values back under the action's input names, labelled as flags for errors.
 * `--kubeconfig` is left out: on the CLI it is a path (as kubectl's), while the action's `kubeconfig` is content.
 * The key flags are paths for the same reason (see keyFile); `cwd` resolves them.
 */
export function flagReader(options: Record<string, unknown>, cwd: string): InputReader {
  const values: Record<string, string | undefined> = {};
  for (const [key, value] of Object.entries(options)) {
    if (NOT_INPUTS.has(key)) continue;
    const name = key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);
    if (typeof value === 'string') values[name] = KEY_FILE_INPUTS.has(name) ? keyFile(name, value, cwd) : value;
    else if (value === true) values[name] = 'true';
  }
  return mapReader(values);
}

/** The CLI's own flags, not inputs (commander's names for them). */
const NOT_INPUTS = new Set(['kubeconfig', 'verbose', 'quiet', 'output', 'details']);

/** Inputs that are key content in the action and a file on the command line. */
const KEY_FILE_INPUTS = new Set(ALL_INPUTS.filter((i) => i.fileOnCli).map((i) => i.name));

/**
 * A key flag's content: the file it names, as kubectl takes a kubeconfig (a private key in the arguments is visible
 * to every user of the host and kept in shell history). Key text given as is (PEM, an age key) passes through: a
 * path never holds it.
 */
function keyFile(input: string, value: string, cwd: string): string {
  if (value.includes('-----BEGIN ') || /^(AGE-SECRET-KEY-1|age1)/.test(value.trim())) return value;
  const file = path.resolve(cwd, value);
  try {
    return fs.readFileSync(file, 'utf8');
  } catch (err) {
    const reason = (err as NodeJS.ErrnoException).code === 'ENOENT' ? 'there is no such file' : (err as Error).message;
    const what = input === 's3-ca-cert' ? 'certificate' : 'key';
    throw new InputError(input, `cannot read the ${what} file '${file}': ${reason}`, `Pass the path of the ${what} file`);
  }
}

export function processContext(io: CliIo): ProcessContext {
  return {
    workingDirectory: io.cwd,
    env: { KUBECONFIG: io.env.KUBECONFIG, KUBERNETES_SERVICE_HOST: io.env.KUBERNETES_SERVICE_HOST, home: os.homedir(), exists: (f) => fs.existsSync(f) }
  };
}


const LOCATION_ONLY = new Set(['location', 'location-name', 'storage-access-mode']);

/** Flags for verbs that only read the location (backup get, describe, verify): no kubeconfig. */
export function withLocationFlags(command: Command): Command {
  return withInputFlags(command, CONNECTION_INPUTS.filter((i) => LOCATION_ONLY.has(i.name) || i.name.startsWith('s3-')));
}

/** Flags for verbs that talk to a cluster and a location. */
export function withConnectionFlags(command: Command): Command {
  command.addOption(new Option('--kubeconfig <path>', 'kubeconfig file (default: $KUBECONFIG, ~/.kube/config, in-cluster)'));
  return withInputFlags(withVerbosityFlags(command), CONNECTION_INPUTS);
}

/** `--quiet` and `--verbose`, for verbs that run something long. */
export function withVerbosityFlags(command: Command): Command {
  command.addOption(new Option('-q, --quiet', 'print only warnings, errors and the result'));
  command.addOption(new Option('-v, --verbose', 'also print a line per object and debug lines'));
  return command;
}

/** Adds each input as a flag (`--name <value>`, or `--name` for switches), once even when listed twice. */
export function withInputFlags(command: Command, inputs: readonly InputSpec[]): Command {
  const seen = new Set(command.options.map((o) => o.long));
  for (const input of inputs) {
    if (input.actionOnly || seen.has(`--${input.name}`)) continue;
    seen.add(`--${input.name}`);
    command.addOption(new Option(input.flag ? `--${input.name}` : `--${input.name} <value>`, input.description));
  }
  return command;
}
