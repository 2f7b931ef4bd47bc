import type { Readable, Writable } from 'node:stream';
import type { KubeObject } from '../model/kube-object.js';
import type { ResourceRef } from '../model/resource-ref.js';


/** One resource type as discovery describes it, at one group version. */
export interface ApiResource {
  /** '' for the core group. */
  group: string;
  version: string;
  /** Plural, lower case: `deployments`. */
  name: string;
  kind: string;
  singularName: string;
  namespaced: boolean;
  verbs: string[];
  shortNames: string[];
}

export interface ApiGroup {
  name: string;
  preferredVersion: string;
  /** Every served version, preferred first. */
  versions: string[];
}

export interface DiscoveryResult {
  groups: ApiGroup[];
  /** Every resource of every served group version, subresources excluded. */
  resources: ApiResource[];
  /** Group versions whose discovery failed (an aggregated API that is down): a warning, not a failure. */
  failures: { groupVersion: string; message: string }[];
}

export interface ListOptions {
  namespace?: string;
  labelSelector?: string;
  fieldSelector?: string;
  /** Items per page; list takes it as the most, and keeps each page near PAGE_BYTES (page-sizer.ts). */
  limit?: number;
}

export interface ListPage {
  items: KubeObject[];
  /** Set when more pages follow. */
  continueToken?: string;
  resourceVersion?: string;
  /** The response's size, for sizing the next page. */
  bytes?: number;
}

export interface WriteOptions {
  namespace?: string;
  dryRun?: boolean;
  fieldManager?: string;
  /**
   * Answer with the written object's metadata only (a PartialObjectMetadata): for callers that need no more than
   * its uid. The server then encodes, and we parse, a fraction of each object: a restore's largest share of both.
   */
  metadataOnly?: boolean;
}

export type PatchType = 'merge' | 'json' | 'strategic';

export interface ExecTarget {
  namespace: string;
  pod: string;
  container: string;
}

export interface ExecOptions {
  /** Streamed with back-pressure; before Kubernetes 1.29 its end cannot be signalled, so read exactly what is sent. */
  stdin?: Readable;
  /** Ended when the command succeeds, destroyed with the reason when it fails: never ends on bad data. */
  stdout?: Writable;
  stderr?: Writable;
  /** Kills the wait (not the process in the container, which Kubernetes cannot do) after this long. */
  timeoutMs?: number;
  /** Closes the connection when aborted (the process in the container may run on). */
  signal?: AbortSignal;
}

export interface ExecResult {
  exitCode: number;
  /** Captured when no stdout stream was given (bounded; for hooks and probes, not for data). */
  stdout: string;
  stderr: string;
}

/** One permission, as RBAC and SelfSubjectAccessReview name it. */
export interface AccessCheck {
  verb: string;
  /** '' for the core group, '*' for every group. */
  group: string;
  /** Plural, or '*' for every resource. */
  resource: string;
  subresource?: string;
  /** One object; unset: any. */
  name?: string;
  /** Unset: cluster-wide (every namespace, for a namespaced resource). */
  namespace?: string;
}

/**
 * The Kubernetes port. The engine sees clusters only through this; the real implementation is KubeCluster,
 * which moves raw JSON over the API server's REST interface.
 */
export interface Cluster {
  /** The API server URL, for messages. Never includes credentials. */
  readonly server: string;
  /** Fails with an InputError naming the kubeconfig when the server cannot be reached or refuses the credentials. */
  verifyAccess(): Promise<{ gitVersion: string }>;
  discover(): Promise<DiscoveryResult>;
  listPage(ref: ResourceRef, options: ListOptions, continueToken?: string): Promise<ListPage>;
  /** Every object, page by page: at most two pages are held, each near PAGE_BYTES whatever its objects' size. */
  list(ref: ResourceRef, options?: ListOptions): AsyncIterable<KubeObject>;
  /** The object, or undefined when it does not exist. */
  get(ref: ResourceRef, name: string, namespace?: string): Promise<KubeObject | undefined>;
  create(ref: ResourceRef, object: KubeObject, options?: WriteOptions): Promise<KubeObject>;
  patch(ref: ResourceRef, name: string, patch: unknown, type: PatchType, options?: WriteOptions): Promise<KubeObject>;
  /** Missing objects are not an error (returns false). */
  delete(ref: ResourceRef, name: string, options?: WriteOptions & { propagationPolicy?: 'Foreground' | 'Background' | 'Orphan' }): Promise<boolean>;
  exec(target: ExecTarget, command: string[], options?: ExecOptions): Promise<ExecResult>;
  /** Whether these credentials may do each check (SelfSubjectAccessReview, which every user may create), in order. */
  reviewAccess(checks: readonly AccessCheck[]): Promise<boolean[]>;
}
