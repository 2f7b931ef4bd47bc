import picomatch from 'picomatch';

/**
 * The one glob matcher: Velero's namespace and name patterns (`*`, `?`, `[abc]`). Namespaces hold no slashes,
 * so picomatch's path semantics never get in the way.
 */
export function globMatcher(patterns: readonly string[]): (value: string) => boolean {
  if (patterns.length === 0) return () => false;
  if (patterns.includes('*')) return () => true;
  return picomatch([...patterns], { dot: true, nocase: false });
}
