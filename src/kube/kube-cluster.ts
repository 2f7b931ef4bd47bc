import type { KubeConfig } from '@kubernetes/client-node';
import pLimit from 'p-limit';
import { InputError, errorMessage } from '../util/errors.js';
import type {
  AccessCheck,
  Cluster,
  DiscoveryResult,
  ExecOptions,
  ExecResult,
  ExecTarget,
  ListOptions,
  ListPage,
  PatchType,
  WriteOptions
} from './cluster.js';
import { parseGroups, parseResources, type ApiGroupListDoc, type ApiResourceListDoc, type ApiVersionsDoc } from './discovery.js';
import { execInContainer } from './exec.js';
import { listInPages } from './paged-list.js';
import { DEFAULT_PAGE_ITEMS } from './page-sizer.js';
import { KubeApiError, KubeConnectionError, KubeHttpClient } from './http.js';
import { apiVersionOf, groupVersionPath, resourcePath } from './paths.js';
import type { KubeObject } from '../model/kube-object.js';
import type { ResourceRef } from '../model/resource-ref.js';

/** Asks for PartialObjectMetadata, with plain JSON as the fallback of a server or proxy that cannot transform. */
const METADATA_ONLY = 'application/json;as=PartialObjectMetadata;g=meta.k8s.io;v=v1,application/json';

const PATCH_CONTENT_TYPES: Record<PatchType, string> = {
  merge: 'application/merge-patch+json',
  json: 'application/json-patch+json',
  strategic: 'application/strategic-merge-patch+json'
};

/** The Cluster port on a real API server. */
export class KubeCluster implements Cluster {
  private readonly http: KubeHttpClient;
  readonly server: string;

  constructor(
    private readonly kc: KubeConfig,
    private readonly discoveryConcurrency = 8
  ) {
    this.http = new KubeHttpClient(kc);
    this.server = this.http.server.origin + this.http.server.pathname.replace(/\/$/, '');
  }

  async verifyAccess(): Promise<{ gitVersion: string }> {
    try {
      const version = await this.http.request<{ gitVersion: string }>('GET', '/version', { retry: { attempts: 2, baseDelayMs: 500, maxDelayMs: 500 }, timeoutMs: 15_000 });
      // /version is readable anonymously on many clusters; /api proves the credentials are accepted.
      await this.http.request('GET', '/api', { retry: false, timeoutMs: 15_000 });
      return { gitVersion: version.gitVersion };
    } catch (err) {
      throw this.accessError(err);
    }
  }

  private accessError(err: unknown): Error {
    const context = this.kc.getCurrentContext();
    if (err instanceof KubeConnectionError) {
      return new InputError('kubeconfig', `${err.message} (context '${context}')`, 'Check the server address in the kubeconfig and that this runner can reach it');
    }
    if (err instanceof KubeApiError && (err.statusCode === 401 || err.statusCode === 403)) {
      return new InputError('kubeconfig', `the API server at ${this.server} refused the credentials of context '${context}' (${err.reason})`, 'Refresh the token or certificate in the kubeconfig secret');
    }
    if (/certificate|self[- ]signed|SSL|TLS/i.test(errorMessage(err))) {
      return new InputError('kubeconfig', `TLS with ${this.server} failed: ${errorMessage(err)}`, 'Set certificate-authority-data for the cluster in the kubeconfig');
    }
    return err instanceof Error ? err : new Error(String(err));
  }

  async discover(): Promise<DiscoveryResult> {
    const [core, named] = await Promise.all([
      this.http.request<ApiVersionsDoc>('GET', '/api'),
      this.http.request<ApiGroupListDoc>('GET', '/apis')
    ]);
    const groups = parseGroups(core, named);
    const limit = pLimit(this.discoveryConcurrency);
    const failures: DiscoveryResult['failures'] = [];
    const perVersion = await Promise.all(
      groups.flatMap((group) =>
        group.versions.map((version) =>
          limit(async () => {
            try {
              return parseResources(await this.http.request<ApiResourceListDoc>('GET', groupVersionPath(group.name, version)));
            } catch (err) {
              failures.push({ groupVersion: apiVersionOf(group.name, version), message: errorMessage(err) });
              return [];
            }
          })
        )
      )
    );
    return { groups, resources: perVersion.flat(), failures };
  }

  async listPage(ref: ResourceRef, options: ListOptions, continueToken?: string): Promise<ListPage> {
    const path = resourcePath(ref, options.namespace);
    const query = { limit: options.limit ?? DEFAULT_PAGE_ITEMS, continue: continueToken, labelSelector: options.labelSelector, fieldSelector: options.fieldSelector };
    type ListDoc = { items?: KubeObject[]; metadata?: { continue?: string; resourceVersion?: string } };
    let response: { body: ListDoc; bytes: number };
    try {
      response = await this.http.sizedRequest<ListDoc>('GET', path, { query });
    } catch (err) {
      // A continue token outlives its snapshot after etcd compaction (410 Expired); the server then offers a
      // token for an inconsistent continuation, which is what a backup of a live cluster can honestly do.
      const fresh = err instanceof KubeApiError && err.statusCode === 410 ? (err.status?.metadata as { continue?: string } | undefined)?.continue : undefined;
      if (!fresh) throw err;
      response = await this.http.sizedRequest<ListDoc>('GET', path, { query: { ...query, continue: fresh } });
    }
    const { body: doc, bytes } = response;
    const apiVersion = apiVersionOf(ref.group, ref.version);
    const kind = listItemKind(doc as { kind?: string });
    // LIST responses leave apiVersion and kind out of their items; a stored item must carry them.
    const items = (doc.items ?? []).map((item) => ({ ...item, apiVersion: item.apiVersion ?? apiVersion, kind: item.kind ?? kind }) as KubeObject);
    return { items, continueToken: doc.metadata?.continue || undefined, resourceVersion: doc.metadata?.resourceVersion, bytes };
  }

  list(ref: ResourceRef, options: ListOptions = {}): AsyncIterable<KubeObject> {
    return listInPages((pageOptions, token) => this.listPage(ref, pageOptions, token), options);
  }

  async get(ref: ResourceRef, name: string, namespace?: string): Promise<KubeObject | undefined> {
    try {
      return await this.http.request<KubeObject>('GET', resourcePath(ref, namespace, name));
    } catch (err) {
      if (err instanceof KubeApiError && err.statusCode === 404) return undefined;
      throw err;
    }
  }

  create(ref: ResourceRef, object: KubeObject, options: WriteOptions = {}): Promise<KubeObject> {
    const namespace = options.namespace ?? object.metadata.namespace;
    return this.http.request<KubeObject>('POST', resourcePath(ref, namespace), { body: object, query: writeQuery(options), accept: options.metadataOnly ? METADATA_ONLY : undefined });
  }

  patch(ref: ResourceRef, name: string, patch: unknown, type: PatchType, options: WriteOptions = {}): Promise<KubeObject> {
    return this.http.request<KubeObject>('PATCH', resourcePath(ref, options.namespace, name), {
      body: patch,
      contentType: PATCH_CONTENT_TYPES[type],
      query: writeQuery(options)
    });
  }

  async delete(ref: ResourceRef, name: string, options: WriteOptions & { propagationPolicy?: 'Foreground' | 'Background' | 'Orphan' } = {}): Promise<boolean> {
    try {
      await this.http.request('DELETE', resourcePath(ref, options.namespace, name), {
        query: writeQuery(options),
        body: options.propagationPolicy ? { kind: 'DeleteOptions', apiVersion: 'v1', propagationPolicy: options.propagationPolicy } : undefined
      });
      return true;
    } catch (err) {
      if (err instanceof KubeApiError && err.statusCode === 404) return false;
      throw err;
    }
  }

  exec(target: ExecTarget, command: string[], options?: ExecOptions): Promise<ExecResult> {
    return execInContainer(this.kc, target, command, options, (t) => this.whyNoExec(t));
  }

  async reviewAccess(checks: readonly AccessCheck[]): Promise<boolean[]> {
    const limit = pLimit(this.discoveryConcurrency);
    return Promise.all(
      checks.map((check) =>
        limit(async () => {
          const review = await this.http.request<{ status?: { allowed?: boolean } }>('POST', '/apis/authorization.k8s.io/v1/selfsubjectaccessreviews', {
            body: {
              apiVersion: 'authorization.k8s.io/v1',
              kind: 'SelfSubjectAccessReview',
              spec: { resourceAttributes: { verb: check.verb, group: check.group, resource: check.resource, subresource: check.subresource, name: check.name, namespace: check.namespace } }
            }
          });
          return review.status?.allowed === true;
        })
      )
    );
  }

  /** Why exec into a container is refused, when the pod itself can tell. */
  private async whyNoExec(target: ExecTarget): Promise<string | undefined> {
    const pod = await this.get({ group: '', version: 'v1', resource: 'pods', namespaced: true }, target.pod, target.namespace).catch(() => undefined);
    if (!pod) return 'the pod does not exist';
    const spec = pod.spec as { containers?: { name: string }[]; initContainers?: { name: string }[] } | undefined;
    const names = [...(spec?.containers ?? []), ...(spec?.initContainers ?? [])].map((c) => c.name);
    if (!names.includes(target.container)) return `the pod has no such container (it has: ${names.join(', ')})`;
    const phase = (pod.status as { phase?: string } | undefined)?.phase;
    return phase !== 'Running' ? `the pod is ${phase ?? 'in no phase'}, not Running` : undefined;
  }

  close(): void {
    this.http.close();
  }
}

function writeQuery(options: WriteOptions): Record<string, string | undefined> {
  return { dryRun: options.dryRun ? 'All' : undefined, fieldManager: options.fieldManager };
}

/** `DeploymentList` → `Deployment`; custom resource lists follow the same convention. */
function listItemKind(doc: { kind?: string }): string | undefined {
  return doc.kind?.endsWith('List') ? doc.kind.slice(0, -'List'.length) : undefined;
}
