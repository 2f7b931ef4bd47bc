import { RESOURCE_NAME } from '../storage/layout.js';
import { InputError } from '../util/errors.js';
import { splitList } from '../util/lists.js';

const NAME_RULE = "lower-case letters, digits, '-' or '.', starting and ending with a letter or digit";

/** A Kubernetes object name (a DNS-1123 subdomain) of at most `max` characters: backups, restores, schedules. */
export function checkName(input: string, value: string, max = 63): void {
  if (value.length > max || !RESOURCE_NAME.test(value)) throw new InputError(input, `'${value}' is not a valid name`, `Use at most ${max} ${NAME_RULE}`);
}

// A namespace is a DNS-1123 label; a pattern may add Velero's glob characters.
const NAMESPACE_PATTERN = /^[a-z0-9*?[\]!-]{1,63}$/;

/** `include-namespaces` and `exclude-namespaces`: namespace names or globs (`team-*`), comma-separated. */
export function parseNamespacePatterns(raw: string | undefined, input: string): string[] {
  const patterns = splitList(raw);
  for (const pattern of patterns) {
    if (!NAMESPACE_PATTERN.test(pattern)) {
      throw new InputError(input, `'${pattern}' is not a namespace name or pattern`, "Use namespace names (lower-case letters, digits, '-') or globs such as team-*, comma-separated");
    }
  }
  return patterns;
}

// A resource as kubectl takes it: plural, singular, kind or short name, optionally with its group (`deploy`,
// `Deployment`, `deployments.apps`), or `*`.
const RESOURCE_PATTERN = /^(\*|[A-Za-z0-9-]+(\.[a-z0-9-]+)*)$/;

/** `include-resources` and `exclude-resources`: checked for form here, resolved against discovery by the run. */
export function parseResourceNames(raw: string | undefined, input: string): string[] {
  const names = splitList(raw);
  for (const name of names) {
    if (!RESOURCE_PATTERN.test(name)) {
      throw new InputError(input, `'${name}' is not a resource name`, "Use resource.group names as 'kubectl api-resources' lists them (deployments.apps, configmaps), short names or kinds, comma-separated");
    }
  }
  return names;
}
