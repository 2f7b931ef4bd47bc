import { describe, expect, it } from '@jest/globals';
import type { ListPage } from '../../../src/kube/cluster.js';
import { itemsOfPages } from '../../../src/kube/paged-list.js';
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
