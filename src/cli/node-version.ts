/**
 * The Node.js major the CLI needs, checked before anything else is loaded: on an older Node the bundle fails deep in
 * a dependency with a stack trace that names neither Node nor the fix.
 */
export const REQUIRED_NODE_MAJOR = 24;

/** One line saying which Node is needed and how to get it; undefined when `version` (process.versions.node) is enough. */
export function nodeVersionProblem(version: string): string | undefined {
  const major = Number.parseInt(version.split('.')[0] ?? '', 10);
  if (Number.isInteger(major) && major >= REQUIRED_NODE_MAJOR) return undefined;
  return `kube-backup needs Node.js ${REQUIRED_NODE_MAJOR} or newer, and this is Node.js ${version}: install Node.js ${REQUIRED_NODE_MAJOR} (https://nodejs.org, or 'nvm install ${REQUIRED_NODE_MAJOR}') and run kube-backup with it`;
}
