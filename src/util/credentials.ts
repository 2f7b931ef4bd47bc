/**
 * The one rule for names that hold credentials (fields, env variables, annotation keys, flags, `key=value` in
 * text), shared by the plan's value masking and the hooks' output masking so the two never drift apart.
 */

/** Words that make a field's name a credential's, whatever else the name says. */
const CREDENTIAL_WORDS = new Set(
  (
    'password passwords passwd pwd pass passphrase secret secrets token tokens credential credentials cred creds apikey privatekey ' +
    'cert certs certificate certificates crt pem auth oauth authorization bearer cookie cookies session sessions jwt dsn htpasswd hmac salt signature kubeconfig'
  ).split(' ')
);

/** Words next to which `key` still names a key, not a secret: topologyKey, matchLabelKeys, configMapKeyRef. */
const KEY_NAMING_WORDS = new Set(['topology', 'label', 'labels', 'match', 'mismatch', 'config', 'map', 'ref', 'refs', 'sort', 'hash']);

/** Parts of a name written without separators (DBPASSWORD, clientsecret) that still say credential. */
const CREDENTIAL_PARTS = ['password', 'passwd', 'secret', 'token', 'credential', 'apikey', 'privatekey', 'accesskey', 'secretkey'];

/**
 * Whether a name (a field, an env variable, an annotation key, a flag) looks like a credential's: it holds one of
 * CREDENTIAL_WORDS as a word (split at separators and camelCase), or `key` next to another word (apiKey,
 * TLS_KEY, example.com/signing-key; a bare `key`, as in tolerations and selectors, and the KEY_NAMING_WORDS
 * compounds name a key, not a secret), or one of CREDENTIAL_PARTS anywhere.
 */
export function isCredentialName(name: string): boolean {
  const words = name
    .replace(/([a-z0-9])([A-Z])/g, '$1 $2')
    .replace(/([A-Z]+)([A-Z][a-z])/g, '$1 $2')
    .toLowerCase()
    .split(/[^a-z0-9]+/)
    .filter(Boolean);
  if (words.some((word) => CREDENTIAL_WORDS.has(word))) return true;
  const isKey = (word: string) => word === 'key' || word === 'keys';
  if (words.some(isKey) && words.some((word) => !isKey(word) && !KEY_NAMING_WORDS.has(word))) return true;
  const joined = words.join('');
  return CREDENTIAL_PARTS.some((part) => joined.includes(part));
}
