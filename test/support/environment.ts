import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * The real servers integration tests run against. By default they are the ones `npm run env:up` started, read from
 * `.local-env/env.sh`: a developer's own KUBECONFIG or AWS_* variables are never picked up by accident. With
 * KUBE_BACKUP_TEST_EXTERNAL=1 the variables already set are used instead (kind + MinIO on a hosted runner).
 */
export interface TestEnvironment {
  kubeconfig: string;
  kubeconfigB: string;
  kubeconfigLimited?: string;
  /** An admin kubeconfig authenticating with a client certificate (kind's own kubeconfig does). */
  kubeconfigCert: string;
  s3: { endpoint: string; region: string; accessKeyId: string; secretAccessKey: string; forcePathStyle: boolean };
  image: string;
  storageClass: string;
  /** kubectl matching the server's version, as an independent client in checks. */
  kubectl: string;
  /** The Kubernetes binaries the local servers run from, to start private ones; unset against external servers. */
  kubeBinDir?: string;
}

export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const ENV_FILE = path.join(repoRoot, '.local-env', 'env.sh');

let cached: TestEnvironment | undefined;

export function testEnvironment(): TestEnvironment {
  if (cached) return cached;
  const vars = process.env.KUBE_BACKUP_TEST_EXTERNAL === '1' ? process.env : readEnvFile(ENV_FILE);
  const need = (name: string): string => {
    const value = vars[name];
    if (!value) throw new Error(`integration tests need ${name}: run 'npm run env:up' (or set it with KUBE_BACKUP_TEST_EXTERNAL=1)`);
    return value;
  };
  cached = {
    kubeconfig: need('KUBECONFIG'),
    kubeconfigB: need('KUBECONFIG_B'),
    kubeconfigLimited: vars.KUBECONFIG_LIMITED || undefined,
    // Checked where it is used, so an environment started before it existed still serves every other test.
    kubeconfigCert: vars.KUBECONFIG_CERT || (process.env.KUBE_BACKUP_TEST_EXTERNAL === '1' ? need('KUBECONFIG') : ''),
    s3: {
      endpoint: need('S3_ENDPOINT'),
      region: vars.AWS_REGION || 'us-east-1',
      accessKeyId: need('AWS_ACCESS_KEY_ID'),
      secretAccessKey: need('AWS_SECRET_ACCESS_KEY'),
      forcePathStyle: (vars.S3_FORCE_PATH_STYLE ?? 'true') === 'true'
    },
    image: vars.TEST_IMAGE || 'busybox:latest',
    storageClass: vars.TEST_STORAGE_CLASS || 'standard',
    kubectl: vars.KUBECTL || (vars.KUBE_BIN_DIR ? `${vars.KUBE_BIN_DIR}/kubectl` : 'kubectl'),
    kubeBinDir: vars.KUBE_BIN_DIR || undefined
  };
  return cached;
}

function readEnvFile(file: string): Record<string, string | undefined> {
  if (!fs.existsSync(file)) {
    throw new Error(`${path.relative(repoRoot, file)} not found: start the local servers with 'npm run env:up' (npm test does it for you)`);
  }
  const vars: Record<string, string> = {};
  for (const line of fs.readFileSync(file, 'utf8').split('\n')) {
    const m = /^\s*(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)=(.*)$/.exec(line);
    if (!m) continue;
    vars[m[1]!] = m[2]!.trim().replace(/^(['"])(.*)\1$/, '$2');
  }
  return vars;
}

/** A name unique to this test run, valid as a namespace, bucket or backup name. */
export function uniqueName(prefix: string): string {
  return `${prefix}-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 6)}`.toLowerCase();
}
