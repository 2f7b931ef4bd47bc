import type { Command } from 'commander';
import os from 'node:os';
import { clientConfigPath, CONFIG_KEYS, envVariableOf, PER_CALL_FLAGS, readClientConfig, type ClientConfig } from './client-config.js';

/**
 * Where a flag's value came from when the user did not type it, so an error can say so: `--location (from
 * KUBE_BACKUP_LOCATION)` sends the user to the variable, not to a command line that has no such flag.
 */
const ORIGINS = new WeakMap<Command, Map<string, string>>();

/** Variables the AWS SDK and CLI read themselves, honoured as defaults of our flags after our own variable. */
const AWS_VARIABLES: Record<string, string> = { 's3-endpoint': 'AWS_ENDPOINT_URL_S3' };

/**
 * Fills the flags of the command about to run that were not typed, in this order: a flag > its KUBE_BACKUP_<FLAG>
 * variable (and AWS_ENDPOINT_URL_S3 for --s3-endpoint) > the config file. One loop over the command's own options,
 * which derive from the input catalog, so every input gets its variable and config key and none can drift.
 * The config file is read only when a flag is still unset, and only then can it fail the command.
 */
export function applyFlagDefaults(command: Command, env: NodeJS.ProcessEnv): void {
  const origins = new Map<string, string>();
  let config: { file: string; values: ClientConfig } | undefined;
  const fromConfig = () => (config ??= { file: clientConfigPath(env), values: readClientConfig(clientConfigPath(env)) });
  for (const option of command.options) {
    const flag = option.long?.replace(/^--/, '');
    if (!flag || !CONFIG_KEYS.has(flag)) continue;
    const key = option.attributeName();
    if (command.getOptionValueSource(key) === 'cli') continue;
    const found = fromEnvironment(flag, env) ?? configValue(flag, fromConfig, env);
    if (!found) continue;
    // A switch (--dry-run) takes true/false from a variable or the file; the settings parse it as the action's input.
    command.setOptionValueWithSource(key, found.value, found.fromEnvironment ? 'env' : 'config');
    origins.set(flag, found.origin);
  }
  ORIGINS.set(command, origins);
}

interface FoundDefault {
  value: string;
  /** The variable's name or the file's path. */
  origin: string;
  fromEnvironment: boolean;
}

function fromEnvironment(flag: string, env: NodeJS.ProcessEnv): FoundDefault | undefined {
  for (const variable of [envVariableOf(flag), AWS_VARIABLES[flag]]) {
    if (variable && env[variable] !== undefined && env[variable] !== '') return { value: env[variable]!, origin: variable, fromEnvironment: true };
  }
  return undefined;
}

function configValue(flag: string, fromConfig: () => { file: string; values: ClientConfig }, env: NodeJS.ProcessEnv): FoundDefault | undefined {
  if (PER_CALL_FLAGS.has(flag)) return undefined;
  const { file, values } = fromConfig();
  const value = values[flag];
  if (value === undefined) return undefined;
  // The shell expands ~ on a command line, not in a file: a kubeconfig or key file set as ~/… still means home.
  const expanded = value.startsWith('~/') ? `${env.HOME || os.homedir()}${value.slice(1)}` : value;
  return { value: expanded, origin: file, fromEnvironment: false };
}

/** `--location`, or `--location (from KUBE_BACKUP_LOCATION)` when the value was not typed. */
export function flagOrigin(command: Command | undefined, flag: string): string | undefined {
  return command ? ORIGINS.get(command)?.get(flag) : undefined;
}
