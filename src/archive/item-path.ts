/**
 * Paths inside Velero's backup tarball (pkg/archive, pkg/apis/velero/v1 constants, archive.GetVersionedItemFilePath).
 * The only module that knows them; pure.
 *
 *   resources/<resource>[.<group>][/<version>[-preferredversion]]/namespaces/<ns>/<name>.json
 *   resources/<resource>[.<group>][/<version>[-preferredversion]]/cluster/<name>.json
 */
export const RESOURCES_DIR = 'resources';
export const CLUSTER_DIR = 'cluster';
export const NAMESPACES_DIR = 'namespaces';
export const PREFERRED_VERSION_SUFFIX = '-preferredversion';
/** The tarball's first entry; holds the format version (ARCHIVE_FORMAT_VERSION) and a newline. */
export const FORMAT_VERSION_PATH = 'metadata/version';

const ITEM_EXTENSION = '.json';
/**
 * An API version as a folder name. Built-in versions look like v1, v2beta3, v1alpha1, but a CRD may name its
 * versions with any DNS-1035 label, and Velero writes those as they are, so any label is accepted.
 */
const API_VERSION = /^[a-z]([-a-z0-9]{0,61}[a-z0-9])?$/;

/** `deployments` + `apps` → `deployments.apps`; the core group ('') has no suffix: `pods`. */
export function groupResourceName(resource: string, group: string): string {
  return group === '' ? resource : `${resource}.${group}`;
}

export interface VersionDir {
  version: string;
  /** The `<version>-preferredversion` copy Velero writes next to the unversioned one. */
  preferred: boolean;
}

export interface ItemLocation {
  /** `resource.group` as groupResourceName makes it. */
  groupResource: string;
  /** Absent (or '') for cluster-scoped items. */
  namespace?: string;
  name: string;
  /** Absent: the unversioned tree, the one Velero's restore reads. */
  version?: string;
  preferred?: boolean;
}

export interface ParsedItemPath {
  groupResource: string;
  resource: string;
  /** '' for the core group. */
  group: string;
  versionDir?: VersionDir;
  /** Absent for cluster-scoped items. */
  namespace?: string;
  name: string;
}

export function itemPath(location: ItemLocation): string {
  const { groupResource, namespace, name, version, preferred } = location;
  // A slash would silently move the item to another folder (or resource); Kubernetes forbids it in all three.
  for (const [what, value] of [['resource', groupResource], ['name', name], ['namespace', namespace ?? 'x']]) {
    if (value === '' || value.includes('/')) throw new Error(`invalid ${what} for an archive path: '${value}'`);
  }
  let dir = `${RESOURCES_DIR}/${groupResource}`;
  if (version !== undefined) {
    if (!API_VERSION.test(version) || version.endsWith(PREFERRED_VERSION_SUFFIX)) {
      throw new Error(`invalid API version for an archive path: '${version}'`);
    }
    dir += `/${version}${preferred ? PREFERRED_VERSION_SUFFIX : ''}`;
  }
  const scope = namespace ? `${NAMESPACES_DIR}/${namespace}` : CLUSTER_DIR;
  return `${dir}/${scope}/${name}${ITEM_EXTENSION}`;
}

/**
 * An entry name as Velero's restore sees it: it joins names to a folder, which drops a leading `./` (GNU tar writes
 * those for `tar -C dir .`).
 */
export function normalizeEntryPath(path: string): string {
  let p = path;
  while (p.startsWith('./')) p = p.slice(2);
  return p;
}

/**
 * Entry names longer than this are nobody's item (the longest item path, with a 253-character group and name and
 * a 63-character resource, version and namespace, is under 800 characters).
 */
export const MAX_ENTRY_PATH_LENGTH = 4096;

/**
 * Why a restore must not take an entry of this name (as normalizeEntryPath left it), or undefined. Nothing is ever
 * extracted by name here (the spool is one file), but a name that is absolute or climbs with `..` is what an
 * extractor writing files would be tricked by (Velero's joins names to its temp folder unchecked), and `.` / `..`
 * segments would also be read as namespaces or resources. Neither Velero nor GNU tar writes such names.
 */
export function entryPathProblem(path: string): string | undefined {
  if (path.startsWith('/')) return 'its path is absolute';
  const segments = path.split('/');
  if (segments.includes('..')) return "its path climbs out of its folder with '..'";
  if (segments.includes('.')) return "its path has a '.' segment";
  if (path.includes('\0')) return 'its path holds a NUL byte';
  if (path.length > MAX_ENTRY_PATH_LENGTH) return `its path is ${path.length} characters long, longer than any item's`;
  return undefined;
}

/**
 * Names Kubernetes refuses as a path segment (apimachinery's IsValidPathSegmentName): `.` and `..` would make a
 * request URL point at the collection instead of the object.
 */
const DOT_SEGMENTS = new Set(['.', '..']);

/** The inverse of itemPath; undefined for anything that is not an item (`metadata/version`, stray files). */
export function parseItemPath(path: string): ParsedItemPath | undefined {
  const segments = path.split('/');
  if (segments[0] !== RESOURCES_DIR || segments.some((s) => s === '')) return undefined;
  const groupResource = segments[1];
  if (groupResource === undefined) return undefined;

  let rest = segments.slice(2);
  let versionDir: VersionDir | undefined;
  const maybeVersion = rest[0];
  if (maybeVersion !== undefined && maybeVersion !== CLUSTER_DIR && maybeVersion !== NAMESPACES_DIR) {
    const preferred = maybeVersion.endsWith(PREFERRED_VERSION_SUFFIX);
    const version = preferred ? maybeVersion.slice(0, -PREFERRED_VERSION_SUFFIX.length) : maybeVersion;
    if (!API_VERSION.test(version)) return undefined;
    versionDir = { version, preferred };
    rest = rest.slice(1);
  }

  let namespace: string | undefined;
  let file: string | undefined;
  if (rest[0] === CLUSTER_DIR && rest.length === 2) {
    file = rest[1];
  } else if (rest[0] === NAMESPACES_DIR && rest.length === 3) {
    namespace = rest[1];
    file = rest[2];
  }
  if (file === undefined || !file.endsWith(ITEM_EXTENSION) || file.length === ITEM_EXTENSION.length) return undefined;
  const name = file.slice(0, -ITEM_EXTENSION.length);
  if (DOT_SEGMENTS.has(name) || (namespace !== undefined && DOT_SEGMENTS.has(namespace)) || DOT_SEGMENTS.has(groupResource)) return undefined;

  // Resource plurals never contain dots, so the first dot separates resource from group.
  const dot = groupResource.indexOf('.');
  const parsed: ParsedItemPath = {
    groupResource,
    resource: dot < 0 ? groupResource : groupResource.slice(0, dot),
    group: dot < 0 ? '' : groupResource.slice(dot + 1),
    name
  };
  if (versionDir) parsed.versionDir = versionDir;
  if (namespace !== undefined) parsed.namespace = namespace;
  return parsed;
}

/** Velero's tarball format, written to metadata/version and the Backup's status.formatVersion. */
export const ARCHIVE_FORMAT_VERSION = '1.1.0';
