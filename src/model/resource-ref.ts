/** What an API call addresses: a resource type at a version, and for namespaced types a namespace. */
export interface ResourceRef {
  group: string;
  version: string;
  resource: string;
  namespaced: boolean;
}
