import type { Cluster } from '../kube/cluster.js';
import { backupableResources, type ScopedResource } from '../kube/resources.js';
import type { ResourceRef } from '../model/resource-ref.js';

/** What the target cluster serves, by group-resource; refreshed after CRDs are restored. */
export class TargetResources {
  private byGroupResource = new Map<string, ScopedResource>();
  failures: string[] = [];

  private constructor(private readonly cluster: Cluster) {}

  static async discover(cluster: Cluster): Promise<TargetResources> {
    const target = new TargetResources(cluster);
    await target.refresh();
    return target;
  }

  async refresh(): Promise<void> {
    const discovery = await this.cluster.discover();
    this.byGroupResource = new Map(backupableResources(discovery).map((r) => [r.groupResource, r]));
    this.failures = discovery.failures.map((f) => `discovery of ${f.groupVersion} failed: ${f.message}`);
  }

  all(): ScopedResource[] {
    return [...this.byGroupResource.values()];
  }

  get(groupResource: string): ScopedResource | undefined {
    return this.byGroupResource.get(groupResource);
  }

  /** Served versions, preferred first. */
  versions(groupResource: string): string[] {
    const scoped = this.byGroupResource.get(groupResource);
    return scoped ? [scoped.resource.version, ...scoped.otherVersions] : [];
  }

  ref(groupResource: string, version: string): ResourceRef | undefined {
    const scoped = this.byGroupResource.get(groupResource);
    return scoped && { group: scoped.resource.group, version, resource: scoped.resource.name, namespaced: scoped.resource.namespaced };
  }
}
