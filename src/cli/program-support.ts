import fs from 'node:fs';
import os from 'node:os';
import { Command, Option } from 'commander';
import { mapReader, type InputReader } from '../settings/input-reader.js';
import { CONNECTION_INPUTS, type InputSpec } from '../settings/input-catalog.js';
import type { ProcessContext } from '../settings/settings.js';

export interface CliIo {
  out: (line: string) => void;
  err: (line: string) => void;
  env: NodeJS.ProcessEnv;
  cwd: string;
}

export const CLI_KUBECONFIG_NAMES = { kubeconfig: '--kubeconfig', context: '--context' };

/**
 * Commander's camelCase option values back under the action's input names, labelled as flags for errors.
 * `--kubeconfig` is left out: on the CLI it is a path (as kubectl's), while the action's `kubeconfig` is content.
 */
export function flagReader(options: Record<string, unknown>): InputReader {
  const values: Record<string, string | undefined> = {};
  for (const [key, value] of Object.entries(options)) {
    if (key === 'kubeconfig') continue;
    const name = key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);
    if (typeof value === 'string') values[name] = value;
    else if (value === true) values[name] = 'true';
  }
  return mapReader(values, (name) => `--${name}`);
}

export function processContext(io: CliIo): ProcessContext {
  return {
    workingDirectory: io.cwd,
    env: { KUBECONFIG: io.env.KUBECONFIG, KUBERNETES_SERVICE_HOST: io.env.KUBERNETES_SERVICE_HOST, home: os.homedir(), exists: (f) => fs.existsSync(f) }
  };
}

const LOCATION_ONLY = new Set(['location', 'location-name', 'storage-access-mode']);

/** Flags for verbs that only read the location (backup get, describe). */
export function withLocationFlags(command: Command): Command {
  return withInputFlags(command, CONNECTION_INPUTS.filter((i) => LOCATION_ONLY.has(i.name) || i.name.startsWith('s3-')));
}

/** Flags for verbs that talk to a cluster and a location. */
export function withConnectionFlags(command: Command): Command {
  command.addOption(new Option('--kubeconfig <path>', 'kubeconfig file (default: $KUBECONFIG, ~/.kube/config, in-cluster)'));
  return withInputFlags(command, CONNECTION_INPUTS);
}

/** Adds each input as a flag (`--name <value>`, or `--name` for switches), once even when listed twice. */
export function withInputFlags(command: Command, inputs: readonly InputSpec[]): Command {
  const seen = new Set(command.options.map((o) => o.long));
  for (const input of inputs) {
    if (seen.has(`--${input.name}`)) continue;
    seen.add(`--${input.name}`);
    command.addOption(new Option(input.flag ? `--${input.name}` : `--${input.name} <value>`, input.description));
  }
  return command;
}
