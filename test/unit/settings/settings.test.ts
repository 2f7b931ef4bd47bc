import { describe, expect, it } from '@jest/globals';
import { mapReader, readBoolean, readChoice, readPositiveInteger } from '../../../src/settings/input-reader.js';
import { chooseKubeconfigSource } from '../../../src/settings/kubeconfig-source.js';
import { parseConnectionSettings, parseMode, parseS3Options } from '../../../src/settings/settings.js';
import { asFlags } from '../../support/input-errors.js';

const noFiles = { exists: () => false };

describe('input readers', () => {
  it('reads booleans and names the flag when wrong', () => {
    const reader = mapReader({ a: 'TRUE', b: 'no', c: 'maybe' });
    expect(readBoolean(reader, 'a', false)).toBe(true);
    expect(readBoolean(reader, 'b', true)).toBe(false);
    expect(readBoolean(reader, 'missing', true)).toBe(true);
    expect(() => asFlags(() => readBoolean(reader, 'c', false))).toThrow("Input '--c': 'maybe' is not a boolean. Use true or false");
  });

  it('reads choices case-insensitively and lists them when wrong', () => {
    const reader = mapReader({ mode: 'Backup', bad: 'restor' });
    expect(parseMode(reader)).toBe('backup');
    expect(() => readChoice(reader, 'bad', ['backup', 'restore'])).toThrow("Input 'bad': 'restor' is not one of backup, restore");
    expect(() => parseMode(mapReader({}))).toThrow("Input 'mode': is required. Use one of: backup, restore, prune, sync");
  });

  it('reads bounded integers', () => {
    const reader = mapReader({ n: '8', z: '0', f: '1.5' });
    expect(readPositiveInteger(reader, 'n', 1)).toBe(8);
    expect(readPositiveInteger(reader, 'missing', 4)).toBe(4);
    expect(() => readPositiveInteger(reader, 'z', 1)).toThrow(/'0' is not a whole number/);
    expect(() => readPositiveInteger(reader, 'f', 1)).toThrow(/'1.5' is not a whole number/);
    expect(() => readPositiveInteger(mapReader({ n: '99' }), 'n', 1, 64)).toThrow(/between 1 and 64/);
  });
});

describe('chooseKubeconfigSource', () => {
  it('prefers content, then a path, then KUBECONFIG, then ~/.kube/config, then in-cluster', () => {
    const env = { KUBECONFIG: '/a:/b', KUBERNETES_SERVICE_HOST: '10.0.0.1', home: '/home/u', exists: () => true };
    expect(chooseKubeconfigSource({ content: 'apiVersion: v1', path: '/p' }, env)).toEqual({ kind: 'content', content: 'apiVersion: v1' });
    expect(chooseKubeconfigSource({ path: '/p' }, env)).toEqual({ kind: 'files', paths: ['/p'] });
    expect(chooseKubeconfigSource({}, env)).toEqual({ kind: 'files', paths: ['/a', '/b'] });
    expect(chooseKubeconfigSource({}, { ...env, KUBECONFIG: undefined })).toEqual({ kind: 'files', paths: ['/home/u/.kube/config'] });
    expect(chooseKubeconfigSource({}, { ...env, KUBECONFIG: '', exists: () => false })).toEqual({ kind: 'in-cluster' });
    expect(chooseKubeconfigSource({ content: '  ' }, { ...noFiles })).toBeUndefined();
  });
});

describe('parseConnectionSettings', () => {
  const context = { workingDirectory: '/w', env: noFiles };

  it('parses a complete S3 setup', () => {
    const settings = parseConnectionSettings(
      mapReader({ kubeconfig: 'x', context: 'prod', location: 's3://b-1/prod', 's3-endpoint': 'https://minio:9000', 's3-region': 'eu-1' }),
      context
    );
    expect(settings).toEqual({
      kubeconfig: { kind: 'content', content: 'x' },
      context: 'prod',
      location: { kind: 's3', bucket: 'b-1', prefix: 'prod/', url: 's3://b-1/prod' },
      s3: { endpoint: 'https://minio:9000', region: 'eu-1', forcePathStyle: true, caCert: undefined, insecureSkipTlsVerify: false }
    });
  });

  it('defaults to virtual-host addressing without a custom endpoint', () => {
    expect(parseS3Options(mapReader({})).forcePathStyle).toBe(false);
    expect(parseS3Options(mapReader({ 's3-endpoint': 'http://127.0.0.1:8080', 's3-force-path-style': 'false' })).forcePathStyle).toBe(false);
  });

  it('names the input for every mistake', () => {
    expect(() => parseConnectionSettings(mapReader({}), context)).toThrow(/^Input 'kubeconfig': no kubeconfig given/);
    expect(() => parseConnectionSettings(mapReader({ kubeconfig: 'x', location: 'ftp://x' }), context)).toThrow(/^Input 'location': unsupported scheme/);
    expect(() => parseS3Options(mapReader({ 's3-endpoint': 'minio:9000' }))).toThrow(/^Input 's3-endpoint': 'minio:9000' is not an http\(s\) URL/);
    expect(() => parseS3Options(mapReader({ 's3-ca-cert': '/etc/ca.pem' }))).toThrow(/^Input 's3-ca-cert': is not a PEM certificate/);
    expect(() => parseS3Options(mapReader({ 's3-insecure-skip-tls-verify': 'sure' }))).toThrow(/^Input 's3-insecure-skip-tls-verify'/);
  });
});
