import type { AccessCheck, Cluster, DiscoveryResult, ExecOptions, ExecResult, ExecTarget, ListOptions, ListPage, PatchType, WriteOptions } from '../../src/kube/cluster.js';
import type { KubeObject } from '../../src/model/kube-object.js';
import type { ResourceRef } from '../../src/model/resource-ref.js';
import { listInPages } from '../../src/kube/paged-list.js';

/**
 * A real cluster passed through unchanged: test doubles extend it and change the calls they fault. `list` is paged
 * here through this.listPage, so a double that overrides listPage sees every page of every list, as KubeCluster
 * itself would call them.
 */
export class DelegatingCluster implements Cluster {
  constructor(protected readonly real: Cluster) {}
  get server() {
    return this.real.server;
  }
  verifyAccess(): Promise<{ gitVersion: string }> {
    return this.real.verifyAccess();
  }
  discover(): Promise<DiscoveryResult> {
    return this.real.discover();
  }
  listPage(ref: ResourceRef, options: ListOptions, continueToken?: string): Promise<ListPage> {
    return this.real.listPage(ref, options, continueToken);
  }
  list(ref: ResourceRef, options: ListOptions = {}): AsyncIterable<KubeObject> {
    return listInPages((pageOptions, token) => this.listPage(ref, pageOptions, token), options);
  }
  get(ref: ResourceRef, name: string, namespace?: string): Promise<KubeObject | undefined> {
    return this.real.get(ref, name, namespace);
  }
  reviewAccess(checks: readonly AccessCheck[]): Promise<boolean[]> {
    return this.real.reviewAccess(checks);
  }
  create(ref: ResourceRef, object: KubeObject, options?: WriteOptions): Promise<KubeObject> {
    return this.real.create(ref, object, options);
  }
  patch(ref: ResourceRef, name: string, patch: unknown, type: PatchType, options?: WriteOptions): Promise<KubeObject> {
    return this.real.patch(ref, name, patch, type, options);
  }
  delete(ref: ResourceRef, name: string, options?: WriteOptions & { propagationPolicy?: 'Foreground' | 'Background' | 'Orphan' }): Promise<boolean> {
    return this.real.delete(ref, name, options);
  }
  exec(target: ExecTarget, command: string[], options?: ExecOptions): Promise<ExecResult> {
    return this.real.exec(target, command, options);
  }
}
