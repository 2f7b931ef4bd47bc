import type { ListOptions, ListPage } from './cluster.js';
import type { KubeObject } from '../model/kube-object.js';
import { DEFAULT_PAGE_ITEMS, PageSizer } from './page-sizer.js';

/** Every item of a LIST, through `listPage`: pages sized by bytes (page-sizer.ts), each fetched while the last is read. */
export function listInPages(listPage: (options: ListOptions, continueToken?: string) => Promise<ListPage>, options: ListOptions): AsyncIterable<KubeObject> {
  const sizer = new PageSizer(options.limit ?? DEFAULT_PAGE_ITEMS);
  return itemsOfPages(async (token) => {
    const page = await listPage({ ...options, limit: sizer.limit }, token);
    sizer.observe({ items: page.items.length, bytes: page.bytes });
    return page;
  });
}

/**
 * The items of a paginated LIST, fetched one page ahead: the API server serves page n+1 while the caller works on
 * page n (a backup's JSON and gzip), so the two overlap instead of each waiting for the other. At most two pages
 * are held, whatever the size of the list.
 */
export async function* itemsOfPages(fetchPage: (continueToken?: string) => Promise<ListPage>): AsyncIterable<KubeObject> {
  let next: Promise<ListPage> | undefined = fetchPage();
  try {
    while (next) {
      const page: ListPage = await next;
      next = page.continueToken ? fetchPage(page.continueToken) : undefined;
      yield* page.items;
    }
  } finally {
    // A caller that stops early (its own error, a break) leaves the prefetched page unread: its failure is nobody's.
    next?.catch(() => undefined);
  }
}
