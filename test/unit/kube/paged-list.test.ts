import { describe, expect, it } from '@jest/globals';
import type { ListOptions, ListPage } from '../../../src/kube/cluster.js';
import { itemsOfPages, listInPages } from '../../../src/kube/paged-list.js';
import { FIRST_PAGE_ITEMS, PAGE_BYTES, PageSizer } from '../../../src/kube/page-sizer.js';
import type { KubeObject } from '../../../src/model/kube-object.js';

const item = (name: string): KubeObject => ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name } });

/** Three pages of two items; every fetch and every item read is written to `events` in the order it happened. */
function pagedList(events: string[], failAt?: string) {
  const pages: Record<string, ListPage> = {
    first: { items: [item('a'), item('b')], continueToken: 'second' },
    second: { items: [item('c'), item('d')], continueToken: 'third' },
    third: { items: [item('e'), item('f')] }
  };
  return async (token = 'first'): Promise<ListPage> => {
    events.push(`fetch ${token}`);
    if (token === failAt) throw new Error(`page ${token} failed`);
    return pages[token]!;
  };
}

describe('itemsOfPages: a paginated LIST read one page ahead', () => {
  it('asks for the next page before the caller has read the current one, and yields every item in order', async () => {
    const events: string[] = [];
    for await (const object of itemsOfPages(pagedList(events))) {
      events.push(`read ${object.metadata.name}`);
      await new Promise((resolve) => setImmediate(resolve));
    }
    expect(events).toEqual(['fetch first', 'fetch second', 'read a', 'read b', 'fetch third', 'read c', 'read d', 'read e', 'read f']);
  });

  it('fails the walk with the failure of a page it reaches', async () => {
    const read: string[] = [];
    const walk = async () => {
      for await (const object of itemsOfPages(pagedList([], 'second'))) read.push(object.metadata.name!);
    };
    await expect(walk()).rejects.toThrow('page second failed');
    expect(read).toEqual(['a', 'b']);
  });

  it('leaves no unhandled rejection when the caller stops before a prefetched page that fails', async () => {
    const unhandled: unknown[] = [];
    const onUnhandled = (reason: unknown) => unhandled.push(reason);
    process.on('unhandledRejection', onUnhandled);
    try {
      for await (const object of itemsOfPages(pagedList([], 'second'))) if (object.metadata.name === 'a') break;
      await new Promise((resolve) => setTimeout(resolve, 20));
    } finally {
      process.off('unhandledRejection', onUnhandled);
    }
    expect(unhandled).toEqual([]);
  });
});

describe('PageSizer: pages sized by bytes, not only by items', () => {
  it('asks for FIRST_PAGE_ITEMS first, or the caller\'s limit when that is smaller', () => {
    expect(new PageSizer(500).limit).toBe(FIRST_PAGE_ITEMS);
    expect(new PageSizer(20).limit).toBe(20);
  });

  it('then as many items as the last page\'s average object fits in the budget, within 1 and the caller\'s limit', () => {
    const sizer = new PageSizer(500, 1000);
    sizer.observe({ items: 10, bytes: 200 }); // 20 bytes each: 50 fit
    expect(sizer.limit).toBe(50);
    sizer.observe({ items: 4, bytes: 1000 }); // 250 each: 4 fit
    expect(sizer.limit).toBe(4);
    sizer.observe({ items: 1, bytes: 5000 }); // larger than the budget: still one at a time, never none
    expect(sizer.limit).toBe(1);
    sizer.observe({ items: 50, bytes: 50 }); // tiny: as many as the caller allows
    expect(sizer.limit).toBe(500);
  });

  it('learns nothing from an empty page or one of unknown size', () => {
    const sizer = new PageSizer(500, 1000);
    sizer.observe({ items: 4, bytes: 1000 });
    sizer.observe({ items: 0, bytes: 120 });
    sizer.observe({ items: 7 });
    expect(sizer.limit).toBe(4);
  });
});

describe('listInPages: every item, each page asked for with the size its objects allow', () => {
  it('asks for the first page small, then sizes each next one by the last; passes the other options through', async () => {
    // 400 objects of 10 KiB: after the first page, PAGE_BYTES / 10 KiB (204) fit in a page.
    const names = Array.from({ length: 400 }, (_, i) => `cm-${i}`);
    const asked: { limit?: number; namespace?: string; token?: string }[] = [];
    const listPage = async (options: ListOptions, token?: string): Promise<ListPage> => {
      asked.push({ limit: options.limit, namespace: options.namespace, token });
      const start = Number(token ?? 0);
      const end = Math.min(names.length, start + options.limit!);
      return { items: names.slice(start, end).map(item), continueToken: end < names.length ? String(end) : undefined, bytes: (end - start) * 10 * 1024 };
    };
    const read: string[] = [];
    for await (const object of listInPages(listPage, { namespace: 'team', limit: 500 })) read.push(object.metadata.name!);
    expect(read).toEqual(names);
    const fitting = Math.floor(PAGE_BYTES / (10 * 1024));
    expect(asked).toEqual([
      { limit: FIRST_PAGE_ITEMS, namespace: 'team', token: undefined },
      { limit: fitting, namespace: 'team', token: String(FIRST_PAGE_ITEMS) },
      { limit: fitting, namespace: 'team', token: String(FIRST_PAGE_ITEMS + fitting) }
    ]);
  });
});
