import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from '@jest/globals';
import { Command } from 'commander';
import { writeClientConfig } from '../../../src/cli/client-config.js';
import { applyFlagDefaults, flagOrigin } from '../../../src/cli/flag-defaults.js';
import { flagReader, withConnectionFlags, withInputFlags } from '../../../src/cli/program-support.js';
import { PRUNE_INPUTS } from '../../../src/settings/input-catalog.js';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kb-flag-defaults-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

/** A command with the connection and prune flags, parsed with the defaults applied as the program applies them. */
function parse(args: string[], env: NodeJS.ProcessEnv): { options: Record<string, unknown>; command: Command } {
  const command = withInputFlags(withConnectionFlags(new Command('prune')), PRUNE_INPUTS).exitOverride();
  command.hook('preAction', (_c, action) => applyFlagDefaults(action, env)).action(() => {});
  command.parse(args, { from: 'user' });
  return { options: command.opts(), command };
}

describe('flag defaults: flag > KUBE_BACKUP_<FLAG> > config file', () => {
  const configHome = path.join(dir, 'xdg');
  writeClientConfig(path.join(configHome, 'kube-backup', 'config.yaml'), { location: 's3://from-config/p', 's3-region': 'eu-west-1', kubeconfig: '~/.kube/prod.yaml' });
  const base = { XDG_CONFIG_HOME: configHome, HOME: '/home/someone' };

  it.each<[string, string[], NodeJS.ProcessEnv, string | undefined, string | undefined]>([
    ['the flag', ['--location', 's3://flag/p'], { KUBE_BACKUP_LOCATION: 's3://env/p' }, 's3://flag/p', undefined],
    ['the variable', [], { KUBE_BACKUP_LOCATION: 's3://env/p' }, 's3://env/p', 'KUBE_BACKUP_LOCATION'],
    ['the config file', [], {}, 's3://from-config/p', path.join(configHome, 'kube-backup', 'config.yaml')]
  ])('location from %s', (_what, args, env, value, origin) => {
    const { options, command } = parse(args, { ...base, ...env });
    expect(options.location).toBe(value);
    expect(flagOrigin(command, 'location')).toBe(origin);
  });

  it('takes AWS_ENDPOINT_URL_S3 for --s3-endpoint, after KUBE_BACKUP_S3_ENDPOINT', () => {
    expect(parse([], { ...base, AWS_ENDPOINT_URL_S3: 'https://aws-var:9000' }).options.s3Endpoint).toBe('https://aws-var:9000');
    expect(parse([], { ...base, AWS_ENDPOINT_URL_S3: 'https://aws-var:9000', KUBE_BACKUP_S3_ENDPOINT: 'https://ours:9000' }).options.s3Endpoint).toBe('https://ours:9000');
  });

  it('gives every catalog flag of the command its variable, switches included', () => {
    const { options } = parse([], { ...base, KUBE_BACKUP_KEEP_LAST: '3', KUBE_BACKUP_DRY_RUN: 'true', KUBE_BACKUP_S3_FORCE_PATH_STYLE: 'false' });
    const reader = flagReader(options, dir);
    expect([reader.get('keep-last'), reader.get('dry-run'), reader.get('s3-force-path-style')]).toEqual(['3', 'true', 'false']);
  });

  it("expands ~ in the file's paths, and leaves per-call flags to the command line", () => {
    const home = path.join(dir, 'home');
    writeClientConfig(path.join(home, '.config', 'kube-backup', 'config.yaml'), { kubeconfig: '~/.kube/prod.yaml' });
    expect(parse([], { HOME: home }).options.kubeconfig).toBe(path.join(home, '.kube/prod.yaml'));
  });

  it('names the config file that does not parse', () => {
    const broken = path.join(dir, 'broken');
    fs.mkdirSync(path.join(broken, 'kube-backup'), { recursive: true });
    fs.writeFileSync(path.join(broken, 'kube-backup', 'config.yaml'), 'location: [unclosed');
    expect(() => parse([], { XDG_CONFIG_HOME: broken })).toThrow(`the config file ${path.join(broken, 'kube-backup', 'config.yaml')} is not valid YAML`);
  });
});

describe('--s3-ca-cert on the command line', () => {
  const pem = '-----BEGIN CERTIFICATE-----\nMIIBszCCAVmgAwIBAgIUQ\n-----END CERTIFICATE-----';
  fs.writeFileSync(path.join(dir, 'ca.pem'), `${pem}\n`);

  it('reads the file it names; PEM text passes as it is', () => {
    expect(flagReader({ s3CaCert: 'ca.pem' }, dir).get('s3-ca-cert')).toBe(pem);
    expect(flagReader({ s3CaCert: pem }, dir).get('s3-ca-cert')).toBe(pem);
  });

  it('names a file that cannot be read', () => {
    expect(() => flagReader({ s3CaCert: 'missing.pem' }, dir)).toThrow(`Input 's3-ca-cert': cannot read the certificate file '${path.join(dir, 'missing.pem')}': there is no such file. Pass the path of the certificate file`);
  });
});
