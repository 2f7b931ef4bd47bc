import type { KubeconfigSource } from '../kube/kubeconfig.js';
import type { S3Options } from '../storage/s3-options.js';
import { InputError } from '../util/errors.js';
import { readBoolean, readChoice, type InputReader } from './input-reader.js';
import { chooseKubeconfigSource, type KubeconfigEnvironment } from './kubeconfig-source.js';
import { parseLocation } from './location.js';
import { parseServerSideEncryption } from './server-side-encryption.js';
import { type Location } from '../storage/location.js';

export const MODES = ['backup', 'restore', 'prune', 'sync', 'verify', 'copy', 'list', 'delete', 'diff'] as const;
export type Mode = (typeof MODES)[number];

/** How to reach the backup location: all that verify needs. */
export interface StoreSettings {
  location: Location;
  s3: S3Options;
}

/** How to reach the cluster and the backup location: what every mode but verify needs. */
export interface ConnectionSettings extends StoreSettings {
  kubeconfig: KubeconfigSource;
  context?: string;
}

/** The modes that read only the location: no kubeconfig is looked for, none is needed. */
export const STORE_ONLY_MODES: readonly Mode[] = ['verify', 'copy', 'list'];

export interface ProcessContext {
  workingDirectory: string;
  env: KubeconfigEnvironment;
}

/** Parses the inputs every mode shares. Each error names the input to fix. */
export function parseConnectionSettings(reader: InputReader, process: ProcessContext, kubeconfigPath?: string): ConnectionSettings {
  const kubeconfig = chooseKubeconfigSource({ content: reader.get('kubeconfig'), path: kubeconfigPath }, process.env);
  if (!kubeconfig) {
    throw new InputError(
      'kubeconfig',
      'no kubeconfig given, and none found in KUBECONFIG, ~/.kube/config or a pod ServiceAccount',
      'Pass the kubeconfig from a secret: kubeconfig: ${{ secrets.KUBECONFIG }}'
    );
  }
  return { kubeconfig, context: reader.get('context'), ...parseStoreSettings(reader, process.workingDirectory) };
}

/** The location inputs only: for the modes that never touch a cluster. */
export function parseStoreSettings(reader: InputReader, workingDirectory: string): StoreSettings {
  return { location: parseLocation(reader.get('location'), workingDirectory, 'location'), s3: parseS3Options(reader) };
}

export function parseMode(reader: InputReader): Mode {
  return readChoice(reader, 'mode', MODES);
}

export function parseS3Options(reader: InputReader): S3Options {
  const endpoint = reader.get('s3-endpoint');
  if (endpoint !== undefined) {
    let url: URL | undefined;
    try {
      url = new URL(endpoint);
    } catch {
      url = undefined;
    }
    if (!url || (url.protocol !== 'http:' && url.protocol !== 'https:')) {
      throw new InputError('s3-endpoint', `'${endpoint}' is not an http(s) URL`, 'Use for example https://minio.example.com:9000');
    }
  }
  const region = reader.get('s3-region');
  if (region !== undefined && !/^[A-Za-z0-9][A-Za-z0-9_-]*$/.test(region)) {
    throw new InputError('s3-region', `'${region}' is not a region name`, 'Use the region as the store names it, such as eu-central-1 (AWS) or RegionOne (OpenStack)');
  }
  const caCert = reader.get('s3-ca-cert');
  if (caCert !== undefined && !caCert.includes('-----BEGIN CERTIFICATE-----')) {
    throw new InputError('s3-ca-cert', 'is not a PEM certificate', 'Pass the CA bundle content, starting with -----BEGIN CERTIFICATE-----');
  }
  return {
    endpoint,
    region,
    // Custom endpoints (MinIO, Swift, Ceph) nearly always need path-style addressing; AWS itself prefers virtual hosts.
    forcePathStyle: readBoolean(reader, 's3-force-path-style', endpoint !== undefined),
    caCert,
    insecureSkipTlsVerify: readBoolean(reader, 's3-insecure-skip-tls-verify', false),
    serverSideEncryption: parseServerSideEncryption(reader)
  };
}
