import type { Command } from 'commander';
import { TOOL_VERSION } from '../util/version.js';
import { checkConfigKey, clientConfigPath, envVariableOf, readClientConfig, writeClientConfig } from './client-config.js';
import { examples } from './help-text.js';
import { cliAction, type CliIo } from './program-support.js';

/** `kube-backup config set|get|unset` (as `velero client config`) and `kube-backup version`. */
export function addClientCommands(program: Command, io: CliIo): void {
  const config = program
    .command('config')
    .description(`defaults for flags, kept in $XDG_CONFIG_HOME/kube-backup/config.yaml (~/.config/kube-backup/config.yaml): a flag wins over its KUBE_BACKUP_<FLAG> variable, which wins over the file`);

  config
    .command('set')
    .argument('<key>', 'a flag name without the dashes: location, s3-endpoint, kubeconfig, s3-ca-cert…')
    .argument('<value>', 'its value')
    .description('set a default for a flag')
    .addHelpText('after', examples(['kube-backup config set location s3://acme-backups/prod', 'kube-backup config set s3-endpoint https://minio.example:9000', 'kube-backup config set kubeconfig ~/.kube/prod.yaml']))
    .action(
      cliAction(io, async (key: string, value: string) => {
        checkConfigKey(key);
        const file = clientConfigPath(io.env);
        writeClientConfig(file, { ...readClientConfig(file), [key]: value });
        io.out(`${key} set in ${file}`);
        if (io.env[envVariableOf(key)]) io.err(`warning: ${envVariableOf(key)} is set in this environment and wins over the file`);
      })
    );

  config
    .command('get')
    .argument('[key]', 'one flag name (default: every one set)')
    .description('show the defaults the file sets')
    .addHelpText('after', examples(['kube-backup config get', 'kube-backup config get location']))
    .action(
      cliAction(io, async (key: string | undefined) => {
        if (key !== undefined) checkConfigKey(key);
        const values = readClientConfig(clientConfigPath(io.env));
        if (key !== undefined) {
          if (values[key] === undefined) {
            io.err(`${key} is not set in ${clientConfigPath(io.env)}`);
            return 1;
          }
          io.out(values[key]!);
          return;
        }
        for (const [name, value] of Object.entries(values)) io.out(`${name}: ${value}`);
      })
    );

  config
    .command('unset')
    .argument('<key>', 'a flag name without the dashes')
    .description('remove a default from the file')
    .action(
      cliAction(io, async (key: string) => {
        checkConfigKey(key);
        const file = clientConfigPath(io.env);
        const { [key]: removed, ...rest } = readClientConfig(file);
        if (removed !== undefined) writeClientConfig(file, rest);
        io.out(removed !== undefined ? `${key} unset in ${file}` : `${key} was not set in ${file}`);
      })
    );

  program
    .command('version')
    .description("print kube-backup's version and the Node.js running it")
    .action(
      cliAction(io, async () => {
        io.out(`kube-backup ${TOOL_VERSION}`);
        io.out(`Node.js ${process.versions.node}`);
      })
    );
}
