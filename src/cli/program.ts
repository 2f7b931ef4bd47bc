import fs from 'node:fs';
import os from 'node:os';
import { Command, Option } from 'commander';
import { connect } from '../engine/connect.js';
import { mapReader, type InputReader } from '../settings/input-reader.js';
import { parseConnectionSettings, type ProcessContext } from '../settings/settings.js';

/** Connection flags every verb takes; they carry the action's input names, so one parser serves both. */
const CONNECTION_FLAGS: [flag: string, help: string][] = [
  ['--context <name>', 'kubeconfig context to use'],
  ['--location <url>', 'backup location: s3://bucket/prefix, file:///dir or a directory (default ./kube-backups)'],
  ['--s3-endpoint <url>', 'endpoint of an S3-compatible store (MinIO, Swift, Ceph, R2)'],
  ['--s3-region <region>', 'S3 region'],
  ['--s3-force-path-style <bool>', 'path-style bucket addressing (default: true with --s3-endpoint)'],
  ['--s3-ca-cert <pem>', 'PEM CA bundle (content) for the S3 endpoint'],
  ['--s3-insecure-skip-tls-verify <bool>', 'do not verify the S3 endpoint certificate']
];

export interface CliIo {
  out: (line: string) => void;
  err: (line: string) => void;
  env: NodeJS.ProcessEnv;
  cwd: string;
}

/** Commander's camelCase option values back under the action's input names, labelled as flags for errors. */
export function flagReader(options: Record<string, unknown>): InputReader {
  const values: Record<string, string | undefined> = {};
  for (const [key, value] of Object.entries(options)) {
    if (typeof value === 'string') values[key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)] = value;
  }
  return mapReader(values, (name) => `--${name}`);
}

export function processContext(io: CliIo): ProcessContext {
  return {
    workingDirectory: io.cwd,
    env: { KUBECONFIG: io.env.KUBECONFIG, KUBERNETES_SERVICE_HOST: io.env.KUBERNETES_SERVICE_HOST, home: os.homedir(), exists: (f) => fs.existsSync(f) }
  };
}

export const CLI_KUBECONFIG_NAMES = { kubeconfig: '--kubeconfig', context: '--context' };

export function withConnectionFlags(command: Command): Command {
  command.addOption(new Option('--kubeconfig <path>', 'kubeconfig file (default: $KUBECONFIG, ~/.kube/config, in-cluster)'));
  for (const [flag, help] of CONNECTION_FLAGS) command.addOption(new Option(flag, help));
  return command;
}

export function buildProgram(io: CliIo): Command {
  const program = new Command('kube-backup')
    .description('Velero-compatible backup and restore of Kubernetes clusters')
    .configureOutput({ writeOut: (s) => io.out(s.trimEnd()), writeErr: (s) => io.err(s.trimEnd()) })
    .exitOverride();

  withConnectionFlags(program.command('check'))
    .description('check that the cluster and the backup location are reachable with the given credentials')
    .action(async (options: Record<string, string | undefined>) => {
      const settings = parseConnectionSettings(flagReader(options), processContext(io), options.kubeconfig);
      const ports = await connect(settings, CLI_KUBECONFIG_NAMES);
      try {
        const discovery = await ports.cluster.discover();
        io.out(`cluster:  ${ports.cluster.server} (Kubernetes ${ports.serverVersion}), ${discovery.resources.length} resource types`);
        for (const failure of discovery.failures) io.err(`warning: discovery of ${failure.groupVersion} failed: ${failure.message}`);
        io.out(`location: ${ports.store.url}`);
      } finally {
        ports.cluster.close?.();
      }
    });

  return program;
}
