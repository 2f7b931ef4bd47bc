import { Option, type Command } from 'commander';
import YAML from 'yaml';

/** `-o table|json|yaml` on every read verb, as Velero's and kubectl's: text for people, JSON or YAML for scripts. */
export type OutputFormat = 'table' | 'json' | 'yaml';

export function withOutputFlag(command: Command): Command {
  return command.addOption(new Option('-o, --output <format>', 'output format: table (text for people), json or yaml').choices(['table', 'json', 'yaml']).default('table'));
}

export function outputFormatOf(options: Record<string, unknown>): OutputFormat {
  return (options.output as OutputFormat | undefined) ?? 'table';
}

/** An object (or a kubectl-style List) as JSON or YAML, parseable back to the same value. */
export function structuredText(value: unknown, format: 'json' | 'yaml'): string {
  return format === 'json' ? JSON.stringify(value, null, 2) : YAML.stringify(value).trimEnd();
}

/** Several objects as kubectl prints them: `kind: List` with `items`. */
export function listOf(items: unknown[]): { apiVersion: 'v1'; kind: 'List'; items: unknown[] } {
  return { apiVersion: 'v1', kind: 'List', items };
}
