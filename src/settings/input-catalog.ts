/**
 * Every input, once: action.yml declares the same names (a unit test holds them equal) and the CLI derives its
 * flags from here, so `include-namespaces` in a workflow is `--include-namespaces` on the command line.
 */
export interface InputSpec {
  name: string;
  description: string;
  /** Takes no value on the CLI (`--all-api-versions`), true/false in the action. */
  flag?: boolean;
  /** A key or passphrase: masked in the job log (whole and line by line) before anything runs. */
  secret?: boolean;
  /**
   * Content in the action, a file on the CLI (as --kubeconfig): a key in the arguments shows in `ps` and history,
   * and a certificate is a file wherever it comes from. Content given as is (PEM, an age key) still passes.
   */
  fileOnCli?: boolean;
  /** Means something only on a workflow runner (artifacts): no CLI flag. */
  actionOnly?: boolean;
}

export const CONNECTION_INPUTS: InputSpec[] = [
  { name: 'context', description: 'kubeconfig context to use (default: its current-context)' },
  { name: 'location', description: 'backup location: s3://bucket/prefix, file:///dir or a directory (default ./kube-backups)' },
  { name: 'location-name', description: "the location's name, recorded in each Backup as Velero's storage location (default: default)" },
  { name: 'storage-access-mode', description: 'ReadWrite (default) or ReadOnly: a ReadOnly location is never written to' },
  { name: 's3-endpoint', description: 'endpoint of an S3-compatible store (MinIO, Ceph, Swift, R2); empty for AWS' },
  { name: 's3-region', description: 'S3 region (default us-east-1 with a custom endpoint)' },
  { name: 's3-force-path-style', description: 'path-style bucket addressing (default: true with s3-endpoint)' },
  { name: 's3-ca-cert', description: 'PEM CA bundle trusted for the S3 endpoint: its content in the action, a file on the CLI', fileOnCli: true },
  { name: 's3-insecure-skip-tls-verify', description: "do not verify the S3 endpoint's certificate (tests only)" },
  { name: 's3-server-side-encryption', description: "server-side encryption of what is written: AES256 or aws:kms (default: the bucket's own)" },
  { name: 's3-kms-key-id', description: 'with aws:kms: the KMS key id, ARN or alias/<name> (default: the AWS managed key)' },
  { name: 's3-sse-customer-key', description: 'SSE-C: your own 32-byte key, base64 (openssl rand -base64 32); every read needs the same key. A secret', secret: true }
];

/** Filters both backup and restore take, with the same meaning. */
export const FILTER_INPUTS: InputSpec[] = [
  { name: 'include-namespaces', description: 'namespaces, comma-separated globs (default *)' },
  { name: 'exclude-namespaces', description: 'namespaces to leave out, comma-separated globs' },
  { name: 'include-resources', description: 'resources: resource.group, short names or kinds, comma-separated (default *)' },
  { name: 'exclude-resources', description: 'resources to leave out, same syntax' },
  { name: 'include-cluster-resources', description: 'true, false or auto (default): all cluster-scoped resources, none, or all when every namespace is included and related ones otherwise' },
  { name: 'selector', description: 'only objects matching this label selector (kubectl syntax)' },
  { name: 'or-selector', description: "objects matching any of these selectors: 'a=b or c=d'" },
  { name: 'concurrency', description: 'work in parallel: resource types listed (backup, default 8), objects created (restore, default 16)' },
  { name: 'fail-on-partial', description: 'fail when the run ends PartiallyFailed', flag: true }
];

/** Inputs of the lifecycle modes, for action.yml, the input catalog and the CLI's flags. */
export const LEASE_INPUTS: InputSpec[] = [
  { name: 'lease-ttl', description: 'how long the lease on the location lives without renewal; a crashed run frees it after this (default 10m)' },
  { name: 'lease-wait', description: 'how long to wait for another run holding the lease on the location before failing (default 10m; 0 fails at once)' }
];

export const PRUNE_INPUTS: InputSpec[] = [
  { name: 'dry-run', description: 'prune: list what would be deleted, delete nothing', flag: true },
  { name: 'keep-last', description: 'prune: never delete the N newest Completed backups of each schedule, even when expired (default 0)' },
  { name: 'unfinished-grace', description: 'prune: delete unfinished backup folders (no velero-backup.json) older than this Go duration (default 24h)' },
  { name: 'velero-namespace', description: 'prune, sync: namespace of the Backup objects that record backups in the cluster (default velero)' }
];

export const SYNC_INPUTS: InputSpec[] = [
  { name: 'velero-namespace', description: 'prune, sync: namespace of the Backup objects that record backups in the cluster (default velero)' },
  { name: 'install-crds', description: 'sync: install a Backup CRD (backups.velero.io) when the cluster has none', flag: true }
];

export const SCHEDULE_INPUTS: InputSpec[] = [
  {
    name: 'cron',
    description:
      "backup: the schedule's cron (5 fields, UTC) when the run is not started by a schedule event; with schedule-name, names the backup after its cron slot so a repeated run is a no-op"
  }
];

const BACKUP_ONLY_INPUTS: InputSpec[] = [
  { name: 'backup-name', description: 'name of the backup (default: <schedule-name>-YYYYMMDDhhmmss or backup-YYYYMMDDhhmmss, UTC)' },
  { name: 'schedule-name', description: 'schedule this backup belongs to: names it and labels it velero.io/schedule-name' },
  { name: 'ttl', description: 'how long to keep the backup, as a Go duration (default 720h0m0s)' },
  { name: 'all-api-versions', description: 'also store every other served version of each resource', flag: true },
  { name: 'hooks', description: "backup hooks in the shape of Velero's Backup spec.hooks, as YAML or JSON" },
  { name: 'page-size', description: 'objects per list page at most (default 500); pages of large objects are kept near 2 MiB' },
  { name: 'compression-level', description: 'gzip level 1-9 of the tarball (default 6)' },
  { name: 'default-volumes-to-fs-backup', description: 'copy the files of every pod volume and bound claim, except those a pod opts out of (backup.velero.io/backup-volumes-excludes)', flag: true },
  { name: 'data-mover-image', description: 'image with sh, head and tar for the pods that read and fill claims (default docker.io/library/busybox:1.37.0)' },
  { name: 'snapshot-volumes', description: 'take CSI snapshots of the claims not copied, where their driver has a VolumeSnapshotClass (default true)' },
  { name: 'csi-snapshot-timeout', description: 'how long a CSI snapshot may take to be ready, as a Go duration (default 10m)' },
  { name: 'csi-snapshot-classes', description: "the VolumeSnapshotClass per CSI driver: 'ebs.csi.aws.com:gp3-snap,...' (default: Velero's choice)" },
  { name: 'volume-policies', description: "Velero's resource policies YAML (version: v1, volumePolicies: conditions and a skip, snapshot or fs-backup action per volume), or configmap:<namespace>/<name>" },
  { name: 'signing-key', description: "Ed25519 private key (PEM, openssl genpkey -algorithm ed25519) that signs the backup's checksum manifest: a secret's content in the action, a file on the CLI", secret: true, fileOnCli: true },
  { name: 'upload-local-backup', description: "with a local-directory location: upload the backup's folder as a workflow artifact (a hosted runner's disk goes with the job)", flag: true, actionOnly: true }
];

const PASSPHRASE_INPUT: InputSpec = {
  name: 'encryption-passphrase',
  description: "age passphrase (scrypt) that encrypts (backup) or opens (restore, verify) the backup's contents; instead of recipients, not with them",
  secret: true
};

/** Backup: what its contents are encrypted to. The job needs no key that decrypts. */
const ENCRYPTION_INPUTS: InputSpec[] = [
  { name: 'encryption-recipients', description: "age recipients (age1…, from age-keygen), comma- or line-separated: the backup's contents are encrypted to them" },
  PASSPHRASE_INPUT
];

/** Restore and verify: what opens an encrypted backup. */
export const DECRYPTION_INPUTS: InputSpec[] = [
  { name: 'encryption-identity', description: 'age identities (AGE-SECRET-KEY-1…, an age-keygen key file) that open encrypted backups: a secret\'s content in the action, a file on the CLI', secret: true, fileOnCli: true },
  PASSPHRASE_INPUT
];

export const BACKUP_INPUTS: InputSpec[] = [...FILTER_INPUTS, ...BACKUP_ONLY_INPUTS, ...ENCRYPTION_INPUTS, ...SCHEDULE_INPUTS, ...LEASE_INPUTS];

/** Restore and verify: the public keys (PEM, concatenated) one of which must have signed the backup's manifest. */
export const VERIFY_KEY_INPUT: InputSpec = {
  name: 'verify-key',
  description: 'Ed25519 public keys (PEM, openssl pkey -pubout; several for rotation): the backup must be signed by one of them, or restore and verify fail. A file on the CLI',
  fileOnCli: true
};

const RESTORE_ONLY_INPUTS: InputSpec[] = [
  { name: 'from-backup', description: "backup to restore (or verify), or 'latest' for the newest Completed one" },
  { name: 'from-schedule', description: 'restore the newest Completed backup of this schedule' },
  { name: 'restore-name', description: 'name of the restore (default: <backup>-YYYYMMDDhhmmss)' },
  { name: 'include-names', description: 'only these objects: <namespace>/<resource.group>/<name> or <resource.group>/<name>, comma-separated, globs in names' },
  { name: 'namespace-mappings', description: "restore namespaces under other names: 'src:dst,src2:dst2'" },
  { name: 'storage-class-mappings', description: "change storage classes of volumes and claims: 'old:new,...'" },
  { name: 'resource-modifiers', description: "Velero's resource modifier rules (YAML): JSON patches and merge patches with conditions" },
  { name: 'existing-resource-policy', description: 'objects that already exist: none (leave, report differences; default), update (merge patch) or recreate' },
  { name: 'recreate-custom-resources', description: 'custom resources recreate may delete and create: resource.group names or globs (default: none, they are updated)' },
  { name: 'preserve-nodeports', description: 'keep the node ports of Services', flag: true },
  { name: 'preserve-owner-references', description: 'keep ownerReferences whose owner this restore creates, with the new uid', flag: true },
  { name: 'restore-hooks', description: "restore hooks in the shape of Velero's Restore spec.hooks (YAML or JSON)" },
  { name: 'dry-run', description: 'only plan: what would be created, updated, left or skipped, with the changes; nothing is written', flag: true },
  { name: 'restore-volumes', description: "fill the claims the restore creates from the backup's file-system copies (default true; false: leave them empty)" },
  { name: 'data-mover-image', description: 'image with sh, head and tar for the pods that read and fill claims (default docker.io/library/busybox:1.37.0)' },
  { name: 'max-archive-size', description: "the most the backup's tarball may hold uncompressed (it is spooled to disk before any write): 50Gi, 500Mi, 1Ti or bytes (default 20Gi)" },
  { name: 'wait-for-workloads', description: 'after the restore, wait until every Deployment, StatefulSet, DaemonSet and ReplicaSet it created or updated is available, every Job running or done, every claim Bound', flag: true },
  { name: 'workloads-timeout', description: 'how long wait-for-workloads waits, as a Go duration (default 10m); what is not ready by then makes the restore PartiallyFailed' },
  VERIFY_KEY_INPUT,
  ...DECRYPTION_INPUTS
];

export const RESTORE_INPUTS: InputSpec[] = [...FILTER_INPUTS, ...RESTORE_ONLY_INPUTS];

/** `mode: verify` also reads from-backup (a name or latest); the CLI's `backup verify` takes a name or `--all`. */
export const VERIFY_INPUTS: InputSpec[] = [{ name: 'verify-all', description: 'verify: check every complete backup in the location instead of from-backup', flag: true }, VERIFY_KEY_INPUT, ...DECRYPTION_INPUTS];

/** `mode: list`: the freshness alarm; `schedule-name` narrows it to one schedule's backups. The CLI's `backup get` lists. */
export const LIST_INPUTS: InputSpec[] = [
  { name: 'max-age', description: 'list: fail when the newest Completed backup (of schedule-name, when given) finished longer ago than this Go duration, such as 26h for a nightly schedule', actionOnly: true }
];

/** `mode: copy` also reads from-backup (a name or latest); the CLI's `backup copy` takes a name or `--all`, and `--to`. */
export const COPY_INPUTS: InputSpec[] = [
  { name: 'to-location', description: 'copy: the second location: s3://bucket/prefix, file:///dir or a directory' },
  { name: 'to-s3-endpoint', description: "copy: the second location's S3 endpoint (default: s3-endpoint; aws for AWS itself)" },
  { name: 'to-s3-region', description: "copy: the second location's S3 region (default: s3-region without to-s3-endpoint)" },
  { name: 'to-s3-force-path-style', description: 'copy: path-style addressing for the second location (default: s3-force-path-style, or true with to-s3-endpoint)' },
  { name: 'to-aws-profile', description: "copy: the AWS profile (shared config and credentials files) with the second location's credentials (default: the first's)" },
  { name: 'copy-all', description: 'copy: every complete backup the second location does not hold yet, instead of from-backup', flag: true }
];

/**
 * `mode: diff` / `kube-backup diff`: also restore's inputs that say how the backup is seen (from-backup, default
 * latest, or from-schedule; filters, include-names, namespace-mappings, resource-modifiers, keys).
 */
export const DIFF_ONLY_INPUTS: InputSpec[] = [
  { name: 'against-backup', description: "diff: compare from-backup with this backup (a name or 'latest') instead of the live cluster" },
  { name: 'fail-on-drift', description: 'diff: fail (the CLI exits 2) when anything was added, removed or changed', flag: true }
];

export const DIFF_INPUTS: InputSpec[] = uniqueByName([
  ...FILTER_INPUTS.filter((i) => i.name !== 'fail-on-partial' && i.name !== 'concurrency'),
  ...RESTORE_ONLY_INPUTS.filter((i) => ['from-backup', 'from-schedule', 'include-names', 'namespace-mappings', 'storage-class-mappings', 'resource-modifiers', 'preserve-nodeports', 'preserve-owner-references', 'max-archive-size', 'verify-key', 'encryption-identity', 'encryption-passphrase'].includes(i.name)),
  ...DIFF_ONLY_INPUTS
]);

/** Every input but `mode` and `kubeconfig`, which the action reads itself and the CLI spells differently. */
export const ALL_INPUTS: InputSpec[] = uniqueByName([
  ...CONNECTION_INPUTS,
  ...FILTER_INPUTS,
  ...BACKUP_ONLY_INPUTS,
  ...ENCRYPTION_INPUTS,
  ...RESTORE_ONLY_INPUTS,
  ...SCHEDULE_INPUTS,
  ...LEASE_INPUTS,
  ...PRUNE_INPUTS,
  ...SYNC_INPUTS,
  ...VERIFY_INPUTS,
  ...LIST_INPUTS,
  ...COPY_INPUTS,
  ...DIFF_ONLY_INPUTS
]);

/** Inputs several modes share (dry-run, velero-namespace) appear once. */
function uniqueByName(inputs: InputSpec[]): InputSpec[] {
  const seen = new Set<string>();
  return inputs.filter((input) => !seen.has(input.name) && seen.add(input.name));
}
