import type { KubeObject } from '../model/kube-object.js';

/** New uids of the objects this restore created, by what an ownerReference names: group, kind, namespace, name. */
export class OwnerRegistry {
  private readonly uids = new Map<string, string>();

  add(object: KubeObject, uid: string): void {
    this.uids.set(this.key(object.apiVersion ?? '', object.kind ?? '', object.metadata.namespace, object.metadata.name ?? ''), uid);
  }

  readonly lookup = (apiVersion: string, kind: string, namespace: string | undefined, name: string): string | undefined =>
    this.uids.get(this.key(apiVersion, kind, namespace, name)) ?? this.uids.get(this.key(apiVersion, kind, undefined, name));

  private key(apiVersion: string, kind: string, namespace: string | undefined, name: string): string {
    const group = apiVersion.includes('/') ? apiVersion.slice(0, apiVersion.indexOf('/')) : '';
    return `${group}|${kind}|${namespace ?? ''}|${name}`;
  }
}
