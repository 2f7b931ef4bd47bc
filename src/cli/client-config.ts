import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import YAML from 'yaml';
import { ALL_INPUTS } from '../settings/input-catalog.js';
import { errorMessage, InputError } from '../util/errors.js';

/**
 * The CLI's own config file, as `velero client config`: defaults for flags (location, s3-endpoint, kubeconfig…)
 * so a user does not repeat them on every call. Written by `kube-backup config set|unset`, read by every command;
 * a flag or a KUBE_BACKUP_* variable wins over it (see flag-defaults.ts).
 */

/** Keys the file may hold: every input (by its flag name) and kubeconfig, the CLI's own path flag. */
export const CONFIG_KEYS: ReadonlySet<string> = new Set(['kubeconfig', ...ALL_INPUTS.map((i) => i.name)]);

/** Inputs the file does not set (a variable still may): they say what one call does, not where things are. */
export const PER_CALL_FLAGS: ReadonlySet<string> = new Set(['dry-run', 'from-backup', 'from-schedule', 'backup-name', 'restore-name', 'include-names']);

/**
 * Secrets that are values on the command line, not files: a config file is read by anything running as the user and
 * lands in backups of the home directory, so these stay in the environment. Key files (`signing-key`) are paths.
 */
const SECRET_VALUES = new Set(ALL_INPUTS.filter((i) => i.secret && !i.fileOnCli).map((i) => i.name));

/** `$XDG_CONFIG_HOME/kube-backup/config.yaml`, else `~/.config/kube-backup/config.yaml`. */
export function clientConfigPath(env: NodeJS.ProcessEnv): string {
  const base = env.XDG_CONFIG_HOME || path.join(env.HOME || os.homedir(), '.config');
  return path.join(base, 'kube-backup', 'config.yaml');
}

export type ClientConfig = Record<string, string>;

/** The file's settings; none when there is no file. A file that does not parse, or holds unknown keys, is an error naming it. */
export function readClientConfig(file: string): ClientConfig {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return {};
    throw new Error(`cannot read the config file ${file}: ${errorMessage(err)}`);
  }
  let parsed: unknown;
  try {
    parsed = YAML.parse(text);
  } catch (err) {
    throw new Error(`the config file ${file} is not valid YAML (${errorMessage(err)}): fix it, or remove it and use 'kube-backup config set'`);
  }
  if (parsed === null || parsed === undefined) return {};
  if (typeof parsed !== 'object' || Array.isArray(parsed)) throw new Error(`the config file ${file} must hold a map of flag names to values, as 'kube-backup config set' writes it`);
  const config: ClientConfig = {};
  for (const [key, value] of Object.entries(parsed as Record<string, unknown>)) {
    const problem = configKeyProblem(key);
    if (problem) throw new Error(`the config file ${file}: ${problem}`);
    if (typeof value !== 'string' && typeof value !== 'number' && typeof value !== 'boolean') throw new Error(`the config file ${file}: '${key}' must be a single value`);
    config[key] = String(value);
  }
  return config;
}

/** Why a key cannot be in the file, or undefined when it can. */
export function configKeyProblem(key: string): string | undefined {
  if (PER_CALL_FLAGS.has(key)) return `'${key}' describes one call, not a setup: pass --${key} (or ${envVariableOf(key)}) when you need it`;
  if (SECRET_VALUES.has(key)) return `'${key}' is a secret and is not kept in the config file: set ${envVariableOf(key)} in the environment instead`;
  if (!CONFIG_KEYS.has(key)) return `'${key}' is not a kube-backup flag (the keys are flag names without the dashes: location, s3-endpoint, kubeconfig…)`;
  return undefined;
}

/** Writes the settings (only the user can read the file: it may name key files and endpoints). */
export function writeClientConfig(file: string, config: ClientConfig): void {
  fs.mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
  const sorted = Object.fromEntries(Object.entries(config).sort(([a], [b]) => a.localeCompare(b)));
  const temporary = `${file}.${process.pid}.tmp`;
  fs.writeFileSync(temporary, Object.keys(sorted).length ? YAML.stringify(sorted) : '', { mode: 0o600 });
  fs.renameSync(temporary, file);
}

/** `location` → `KUBE_BACKUP_LOCATION`: the variable that sets a flag's default. */
export function envVariableOf(flag: string): string {
  return `KUBE_BACKUP_${flag.toUpperCase().replace(/-/g, '_')}`;
}

/** Checks a key for `config set` and `config unset`, as an input error of the key argument. */
export function checkConfigKey(key: string): void {
  const problem = configKeyProblem(key);
  if (problem) throw new InputError('key', problem);
}
