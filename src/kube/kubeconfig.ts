import fs from 'node:fs';
import path from 'node:path';
import { KubeConfig } from '@kubernetes/client-node';
import { parseDocument } from 'yaml';
import { InputError, errorMessage } from '../util/errors.js';

/**
 * Where credentials come from. The action passes the kubeconfig's content (a secret); the CLI passes paths, as
 * kubectl's --kubeconfig and KUBECONFIG do; a self-hosted runner inside the cluster uses its ServiceAccount.
 */
export type KubeconfigSource =
  | { kind: 'content'; content: string }
  | { kind: 'files'; paths: string[] }
  | { kind: 'in-cluster' };

/**
 * Loads and validates a kubeconfig, selecting `context` when given. Errors name the input and never quote the
 * file: it holds credentials, and YAML parsers like to echo the offending line.
 */
export function loadKubeConfig(source: KubeconfigSource, context?: string): KubeConfig {
  const kc = new KubeConfig();
  const bad = (problem: string, fix?: string) => new InputError('kubeconfig', problem, fix);

  if (source.kind === 'in-cluster') {
    try {
      kc.loadFromCluster();
    } catch (err) {
      throw bad(`in-cluster credentials could not be read: ${errorMessage(err)}`, 'Run inside a pod with a ServiceAccount, or pass a kubeconfig');
    }
    return kc;
  }

  if (source.kind === 'content') {
    loadText(kc, source.content, 'the kubeconfig input', bad);
  } else {
    if (source.paths.length === 0) throw bad('no kubeconfig file given', 'Pass --kubeconfig <path> or set KUBECONFIG');
    source.paths.forEach((file, index) => {
      let text: string;
      try {
        text = fs.readFileSync(file, 'utf8');
      } catch (err) {
        throw bad(`cannot read '${file}': ${(err as NodeJS.ErrnoException).code ?? errorMessage(err)}`, 'Check the path');
      }
      const target = index === 0 ? kc : new KubeConfig();
      loadText(target, text, `'${file}'`, bad);
      target.makePathsAbsolute(path.dirname(file));
      if (target !== kc) mergeFirstWins(kc, target);
    });
  }

  selectContext(kc, context);
  return kc;
}

function loadText(kc: KubeConfig, text: string, what: string, bad: (problem: string, fix?: string) => InputError): void {
  if (!text.trim()) throw bad(`${what} is empty`, 'Pass the content of a kubeconfig file (for example from a secret)');
  // Only the error's position is reported: its message would quote the offending line, which may hold a secret.
  const doc = parseDocument(text);
  if (doc.errors.length > 0) {
    const pos = doc.errors[0]!.linePos?.[0];
    throw bad(`${what} is not valid YAML${pos ? ` (line ${pos.line}, column ${pos.col})` : ''}`, 'Pass the whole kubeconfig file, unmodified');
  }
  const parsed: unknown = doc.toJS();
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw bad(`${what} is not a kubeconfig (expected a YAML mapping with clusters, users and contexts)`);
  }
  try {
    kc.loadFromString(text);
  } catch (err) {
    // client-node's structural messages ("clusters[0].cluster.server is missing") quote field names, not values.
    throw bad(`${what} is not a valid kubeconfig: ${errorMessage(err)}`);
  }
}

function selectContext(kc: KubeConfig, context: string | undefined): void {
  const available = kc.getContexts().map((c) => c.name);
  if (context) {
    if (!available.includes(context)) {
      throw new InputError(
        'context',
        `no context '${context}' in the kubeconfig`,
        available.length ? `Use one of: ${available.join(', ')}` : 'The kubeconfig defines no contexts'
      );
    }
    kc.setCurrentContext(context);
  } else if (!kc.getCurrentContext() || !kc.getContextObject(kc.getCurrentContext())) {
    if (available.length === 1) kc.setCurrentContext(available[0]!);
    else
      throw new InputError(
        'context',
        kc.getCurrentContext() ? `the kubeconfig's current-context '${kc.getCurrentContext()}' does not exist` : 'the kubeconfig has no current-context',
        available.length ? `Set the context input to one of: ${available.join(', ')}` : 'The kubeconfig defines no contexts'
      );
  }
  const current = kc.getContextObject(kc.getCurrentContext())!;
  const cluster = kc.getCluster(current.cluster);
  if (!cluster) throw new InputError('kubeconfig', `context '${current.name}' names cluster '${current.cluster}', which the kubeconfig does not define`);
  if (!cluster.server) throw new InputError('kubeconfig', `cluster '${cluster.name}' has no server address`);
  if (current.user && !kc.getUser(current.user)) {
    throw new InputError('kubeconfig', `context '${current.name}' names user '${current.user}', which the kubeconfig does not define`);
  }
}

/** kubectl's KUBECONFIG merge: the first file to define a name (or a current-context) wins; later ones only add. */
function mergeFirstWins(into: KubeConfig, from: KubeConfig): void {
  for (const cluster of from.getClusters()) if (!into.getCluster(cluster.name)) into.addCluster(cluster);
  for (const user of from.getUsers()) if (!into.getUser(user.name)) into.addUser(user);
  for (const context of from.getContexts()) if (!into.getContextObject(context.name)) into.addContext(context);
  if (!into.getCurrentContext() && from.getCurrentContext()) into.setCurrentContext(from.getCurrentContext());
}

/** Shorter values are not masked: masking `dev` or `eu` would garble every log line that has them. */
const MIN_SECRET_LENGTH = 4;

/** Fields that hold a credential wherever they appear (users' fields, auth-provider configs, exec env entries). */
const CREDENTIAL_FIELD = /^(token|password|username|client-key-data|client-certificate-data|id-token|refresh-token|access-token|client-secret|secret|value)$/;

/** A flag whose value is a credential: `--token=x`, `--password x`, `--client-secret x`, `--api-key=x`. */
const CREDENTIAL_FLAG = /^--?[\w.-]*(token|password|passwd|secret|credential|key|auth|cert)[\w.-]*$/i;

/** auth-provider config keys known to hold no credential; every other config value (unknown ones too) is masked. */
const PUBLIC_AUTH_PROVIDER_KEYS = new Set([
  'client-id',
  'idp-issuer-url',
  'idp-certificate-authority',
  'extra-scopes',
  'cmd-path',
  'expiry',
  'expiry-key',
  'token-key',
  'environment',
  'tenant-id',
  'apiserver-id',
  'config-mode',
  'expires-in',
  'expires-on'
]);

/**
 * Every credential value in a kubeconfig's text, so the action can mask each of them (a multi-line secret is not
 * reliably masked line by line): each user's token, username, password, client key and certificate data (and the
 * lines of the decoded key, which a TLS error may print), exec plugin env values, exec args that are the value of
 * a credential flag (`--token=x` whole and its value, the argument after `--password`), every auth-provider
 * config value but the known public ones, a proxy URL's password (and the URL); and, anywhere else in the file, the
 * values of fields named like credentials. Values shorter than 4 characters are left out.
 */
export function kubeconfigSecrets(content: string): string[] {
  let doc: unknown;
  try {
    doc = parseDocument(content).toJS();
  } catch {
    return [];
  }
  const secrets = new Set<string>();
  const add = (value: unknown) => {
    if (typeof value === 'string' && value.trim().length >= MIN_SECRET_LENGTH) secrets.add(value);
  };

  const walk = (node: unknown, key?: string) => {
    if (typeof node === 'string') {
      if (key && CREDENTIAL_FIELD.test(key)) add(node);
      return;
    }
    if (Array.isArray(node)) node.forEach((child) => walk(child, key));
    else if (isMap(node)) for (const [k, v] of Object.entries(node)) walk(v, k);
  };
  walk(doc);

  const root = isMap(doc) ? doc : {};
  for (const entry of listOf(root.users)) {
    const user = isMap(entry) && isMap(entry.user) ? entry.user : {};
    const keyData = user['client-key-data'];
    if (typeof keyData === 'string') for (const line of decodedKeyLines(keyData)) add(line);
    const exec = isMap(user.exec) ? user.exec : {};
    const args = listOf(exec.args);
    args.forEach((arg, i) => {
      if (typeof arg !== 'string') return;
      const flag = /^(--?[^=\s]+)=(.*)$/s.exec(arg);
      if (flag && CREDENTIAL_FLAG.test(flag[1]!)) {
        add(arg);
        add(flag[2]);
      } else if (i > 0 && typeof args[i - 1] === 'string' && !String(args[i - 1]).includes('=') && CREDENTIAL_FLAG.test(String(args[i - 1]))) {
        add(arg);
      }
    });
    for (const variable of listOf(exec.env)) if (isMap(variable)) add(variable.value);
    const provider = isMap(user['auth-provider']) ? user['auth-provider'] : {};
    const config = isMap(provider.config) ? provider.config : {};
    for (const [k, v] of Object.entries(config)) if (!PUBLIC_AUTH_PROVIDER_KEYS.has(k)) add(v);
  }
  for (const entry of listOf(root.clusters)) {
    const cluster = isMap(entry) && isMap(entry.cluster) ? entry.cluster : {};
    const proxy = cluster['proxy-url'];
    if (typeof proxy !== 'string') continue;
    try {
      const url = new URL(proxy);
      if (url.password) {
        add(proxy);
        add(url.password);
        add(decodeURIComponent(url.password));
      }
    } catch {
      // Not a URL: client-node refuses it anyway.
    }
  }
  return [...secrets];
}

function isMap(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function listOf(value: unknown): unknown[] {
  return Array.isArray(value) ? value : [];
}

/** The body lines of a base64 PEM key (what a decoding error or a debug print would show), headers left out. */
function decodedKeyLines(data: string): string[] {
  const text = Buffer.from(data, 'base64').toString('utf8');
  if (!text.includes('-----BEGIN')) return [];
  return text
    .split(/\r?\n/)
    .map((line) => line.trim())
    .filter((line) => line.length >= 16 && !line.startsWith('-----'));
}
