import { splitList } from '../util/lists.js';
import { InputError } from '../util/errors.js';

/** A namespace name: a DNS-1123 label. */
const NAMESPACE_NAME = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;
/** A storage class name: a DNS-1123 subdomain. */
const SUBDOMAIN = /^[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?$/;

/**
 * `namespace-mappings: old:new,other:new2` (commas or lines), Velero's `--namespace-mappings`, as Velero's
 * spec.namespaceMapping. Both sides must be namespace names; a namespace may be mapped once. Several namespaces
 * may map to one (Velero allows it; their items must not collide). Empty means no mapping.
 */
export function parseNamespaceMappings(raw: string | undefined, input = 'namespace-mappings'): Record<string, string> {
  return parsePairs(raw, input, NAMESPACE_NAME, 'namespace', "a namespace name: at most 63 lower-case letters, digits or '-', starting and ending with a letter or digit");
}

/** `storage-class-mappings: old:new` (Velero's change-storage-class ConfigMap, as one input). Empty means none. */
export function parseStorageClassMappings(raw: string | undefined, input = 'storage-class-mappings'): Record<string, string> {
  return parsePairs(raw, input, SUBDOMAIN, 'storage class', "a storage class name: lower-case letters, digits, '-' or '.', starting and ending with a letter or digit");
}

function parsePairs(raw: string | undefined, input: string, valid: RegExp, what: string, rule: string): Record<string, string> {
  const pairs: Record<string, string> = {};
  for (const entry of splitList(raw)) {
    const parts = entry.split(':').map((p) => p.trim());
    if (parts.length !== 2 || !parts[0] || !parts[1]) {
      throw new InputError(input, `'${entry}' is not a mapping`, `Write old:new pairs separated by commas, e.g. ${what === 'namespace' ? 'prod:staging,web:web-copy' : 'gp2:gp3'}`);
    }
    const [from, to] = parts as [string, string];
    for (const name of [from, to]) {
      if (!valid.test(name)) throw new InputError(input, `'${name}' in '${entry}' is not a valid ${what} name`, `Use ${rule}`);
    }
    if (Object.hasOwn(pairs, from)) throw new InputError(input, `${what} '${from}' is mapped twice (to '${pairs[from]}' and '${to}')`, `Map each ${what} once`);
    pairs[from] = to;
  }
  return pairs;
}
