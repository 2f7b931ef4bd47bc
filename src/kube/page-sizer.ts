/**
 * A LIST page of 500 items is under a megabyte for most kinds, but Helm keeps each release revision in a Secret of
 * up to a megabyte, and ConfigMaps can be as large: 500 of those would be held at once, twice (the page being read
 * and the one fetched ahead), for every resource type walked in parallel. So pages are sized by bytes: each next
 * page asks for as many items as the last page's average object fits in PAGE_BYTES, never more than the caller's
 * limit. The first page of every list asks for FIRST_PAGE_ITEMS, whatever an earlier list found: a namespace of
 * small Secrets says nothing about the next one's Helm releases.
 */
export const PAGE_BYTES = 2 * 1024 * 1024;
export const FIRST_PAGE_ITEMS = 50;
/** Items per page when the caller names no limit (kubectl's and Velero's default too). */
export const DEFAULT_PAGE_ITEMS = 500;

export class PageSizer {
  #limit: number;

  constructor(
    private readonly maxItems: number,
    private readonly maxBytes = PAGE_BYTES
  ) {
    this.#limit = Math.min(maxItems, FIRST_PAGE_ITEMS);
  }

  /** Items to ask for in the next page. */
  get limit(): number {
    return this.#limit;
  }

  /** A page received; an empty one (or one of unknown size) says nothing about the objects' size. */
  observe(page: { items: number; bytes?: number }): void {
    if (!page.items || !page.bytes) return;
    const fitting = Math.floor((this.maxBytes * page.items) / page.bytes);
    this.#limit = Math.max(1, Math.min(this.maxItems, fitting));
  }
}
