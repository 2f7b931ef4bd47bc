/** The `Examples:` block commander shows after a command's options. */
export function examples(lines: string[]): string {
  return `\nExamples:\n${lines.map((line) => `  ${line}`).join('\n')}`;
}

/** After the root help: where defaults come from and what the exit codes mean, which every command shares. */
export const PROGRAM_HELP = `
Defaults:
  A flag not given takes its KUBE_BACKUP_<FLAG> variable (KUBE_BACKUP_LOCATION, KUBE_BACKUP_S3_ENDPOINT…;
  AWS_ENDPOINT_URL_S3 for --s3-endpoint), then the config file ('kube-backup config set location s3://…',
  in $XDG_CONFIG_HOME/kube-backup/config.yaml). The kubeconfig: --kubeconfig, $KUBECONFIG, ~/.kube/config.

Exit codes:
  0 Completed, 2 PartiallyFailed (1 with --fail-on-partial), 1 Failed or bad input.

Examples:
  kube-backup config set location s3://acme-backups/prod
  kube-backup backup create nightly-1 --include-namespaces shop
  kube-backup backup get -o yaml
  kube-backup restore create --from-backup nightly-1 --dry-run`;
