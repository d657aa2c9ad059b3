import type { Page, QueryOptions, SearchOptions, SearchResult } from "./entity-runtime.js";

/**
 * A declared query of a generated repository: call it for one page, or read
 * every page with `all` (items) or `pages` (pages with their cursors).
 *
 * @example
 * const { items, cursor } = await repos.viewingHistory.historyForProfile({ profileId }, { limit: 20 });
 * for await (const item of repos.viewingHistory.historyForProfile.all({ profileId })) {
 *   if (item.titleId === wanted) break; // no further page is read
 * }
 */
export interface QueryMethod<TParams, TItem, TRange> {
  /** One page; `options.cursor` continues from a previous page. */
  (params: TParams, options?: QueryOptions<TRange>): Promise<Page<TItem>>;
  /**
   * Every item of every page, in query order. Pages are fetched one at a time
   * when the loop needs them (`options.limit` is the page size, `options.cursor`
   * the page to start from); leaving the loop early reads no further page.
   */
  all(params: TParams, options?: QueryOptions<TRange>): AsyncGenerator<TItem, void, undefined>;
  /** Every page, fetched lazily like `all`; each page carries the cursor of the next one. */
  pages(params: TParams, options?: QueryOptions<TRange>): AsyncGenerator<Page<TItem>, void, undefined>;
}

/** `search` of an Elasticsearch repository: one page, or every hit lazily with `all` / `pages`. */
export interface SearchMethod<TItem> {
  /** One page of results. */
  (options?: SearchOptions<TItem>): Promise<SearchResult<TItem>>;
  /** Every matching item across pages, fetched lazily; leaving the loop early reads no further page. */
  all(options?: SearchOptions<TItem>): AsyncGenerator<TItem, void, undefined>;
  /** Every page of results, fetched lazily like `all`. */
  pages(options?: SearchOptions<TItem>): AsyncGenerator<SearchResult<TItem>, void, undefined>;
}

/**
 * Reads pages from `fetchPage`, starting at `cursor`, one page per step of
 * the consumer: the next page is requested only after the previous one was
 * handed out and the consumer asked for more. Stops after the page without a
 * cursor.
 */
export async function* readPages<P extends Page<unknown>>(
  fetchPage: (cursor: string | undefined) => Promise<P>,
  cursor: string | undefined,
): AsyncGenerator<P, void, undefined> {
  do {
    const page = await fetchPage(cursor);
    yield page;
    cursor = page.cursor;
  } while (cursor !== undefined);
}

/** The items of the pages of {@link readPages}, in order. */
export async function* readItems<T>(pages: AsyncIterable<Page<T>>): AsyncGenerator<T, void, undefined> {
  for await (const page of pages) yield* page.items;
}
