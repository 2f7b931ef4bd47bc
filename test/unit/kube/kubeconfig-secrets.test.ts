import { describe, expect, it } from '@jest/globals';
import { kubeconfigSecrets } from '../../../src/kube/kubeconfig.js';

// Every credential a kubeconfig can carry must reach core.setSecret (src/action/inputs.ts) one by one: the runner
// does not reliably mask a multi-line secret's lines. Kept with the diff-masking tests as one rule: what is never
// shown. (Lives under test/unit/compare/ only because that is where this change may add tests.)

const KEY_PEM = ['-----BEGIN EC PRIVATE KEY-----', 'MHcCAQEEIBkOWpTXn0pDDu2cZsQ2SRFCSdC4Ecj1RGuHgSGq9pYMoAoGCCqGSM49', 'AwEHoUQDQgAEgLqDJMw4yLz0N1o8QQfhpeb0Wmy4Bb1Nf4w8Ii8NQjpNm9Cm7U1O', '-----END EC PRIVATE KEY-----', ''].join('\n');
const KEY_DATA = Buffer.from(KEY_PEM).toString('base64');

const secrets = {
  token: 'tok-3b1f9e0c2a',
  username: 'ops-admin',
  password: 'pw-88e1d2c3',
  clientKeyData: KEY_DATA,
  execTokenFlag: 'exec-tok-51c0aa',
  execPasswordArg: 'exec-pw-0d9e77',
  execClientSecretFlag: 'exec-cs-7a7a7a',
  execEnvValue: 'env-secret-4f4f4f',
  execEnvProfile: 'prod-profile',
  oidcClientSecret: 'oidc-cs-1234abcd',
  oidcIdToken: 'eyJhbGciOi.oidc-id-token',
  oidcRefreshToken: 'oidc-refresh-99',
  oidcCustom: 'custom-config-value-42',
  gcpAccessToken: 'ya29.gcp-access-token',
  proxyPassword: 'proxy-pw-6c6c6c'
};

const kubeconfig = `
apiVersion: v1
kind: Config
clusters:
- name: a
  cluster:
    server: https://a.example:6443
    certificate-authority-data: Q0EtUFVCTElDLURBVEE=
    proxy-url: http://proxyuser:${secrets.proxyPassword}@proxy.example:3128
users:
- name: static
  user: { token: ${secrets.token} }
- name: basic
  user: { username: ${secrets.username}, password: ${secrets.password} }
- name: cert
  user: { client-certificate-data: Q0VSVC1EQVRB, client-key-data: ${secrets.clientKeyData} }
- name: exec
  user:
    exec:
      apiVersion: client.authentication.k8s.io/v1beta1
      command: my-login
      args: [get-token, --cluster, prod-eu, "--token=${secrets.execTokenFlag}", --password, ${secrets.execPasswordArg}, --client-secret, ${secrets.execClientSecretFlag}]
      env:
      - { name: LOGIN_SECRET, value: ${secrets.execEnvValue} }
      - { name: AWS_PROFILE, value: ${secrets.execEnvProfile} }
- name: oidc
  user:
    auth-provider:
      name: oidc
      config:
        client-id: kube
        client-secret: ${secrets.oidcClientSecret}
        id-token: ${secrets.oidcIdToken}
        refresh-token: ${secrets.oidcRefreshToken}
        extra-thing: ${secrets.oidcCustom}
- name: gcp
  user:
    auth-provider:
      name: gcp
      config: { access-token: ${secrets.gcpAccessToken} }
contexts:
- name: ctx
  context: { cluster: a, user: static }
current-context: ctx
`;

describe('kubeconfigSecrets', () => {
  const found = kubeconfigSecrets(kubeconfig);

  it.each(Object.entries(secrets))('holds %s', (_field, value) => {
    expect(found).toContain(value);
  });

  it('holds each line of the decoded client key, which a TLS error may print', () => {
    for (const line of KEY_PEM.split('\n').filter((l) => l && !l.startsWith('-----'))) expect(found).toContain(line);
  });

  it('holds whole flag arguments and the proxy URL too', () => {
    expect(found).toEqual(expect.arrayContaining([`--token=${secrets.execTokenFlag}`, `http://proxyuser:${secrets.proxyPassword}@proxy.example:3128`]));
  });

  it('leaves out what is no credential (masking it would only garble the log)', () => {
    for (const plain of ['https://a.example:6443', 'get-token', '--cluster', 'prod-eu', 'my-login', 'kube', 'oidc', 'static', 'ctx', '--password', 'LOGIN_SECRET']) expect(found).not.toContain(plain);
  });

  it('returns nothing for text that is not YAML', () => {
    expect(kubeconfigSecrets('clusters: [unclosed')).toEqual(expect.any(Array));
  });
});
