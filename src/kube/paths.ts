import type { ResourceRef } from '../model/resource-ref.js';

/**
 * The REST path of a resource collection or item: `/api/v1/namespaces/ns/pods/web`, `/apis/apps/v1/deployments`.
 * `.` and `..` are refused as names (as Go's client does): encoded or not, URL normalisation turns them into
 * another address (`configmaps/..` is the Namespace itself).
 */
export function resourcePath(ref: ResourceRef, namespace?: string, name?: string): string {
  for (const segment of [namespace, name]) {
    if (segment === '.' || segment === '..') throw new Error(`'${segment}' is not a valid object or namespace name`);
  }
  if (name === '') throw new Error("'' is not a valid object name");
  const root = ref.group === '' ? `/api/${ref.version}` : `/apis/${ref.group}/${ref.version}`;
  const scope = ref.namespaced && namespace ? `/namespaces/${encodeURIComponent(namespace)}` : '';
  return `${root}${scope}/${ref.resource}${name === undefined ? '' : `/${encodeURIComponent(name)}`}`;
}

export function groupVersionPath(group: string, version: string): string {
  return group === '' ? `/api/${version}` : `/apis/${group}/${version}`;
}

export function apiVersionOf(group: string, version: string): string {
  return group === '' ? version : `${group}/${version}`;
}

/** `apps/v1` → {group:'apps', version:'v1'}; `v1` → core. */
export function splitApiVersion(apiVersion: string): { group: string; version: string } {
  const slash = apiVersion.indexOf('/');
  return slash < 0 ? { group: '', version: apiVersion } : { group: apiVersion.slice(0, slash), version: apiVersion.slice(slash + 1) };
}
