import { withRetry } from '../feishu/retry.js';
import type { BitableApi, LiveRecord, SearchBody } from './api.js';

/**
 * Every row a search matches, a page of 500 at a time (docs/platform/feishu.md#24-search), each page retried on
 * transient failures (a 429 waits for its reset).
 */
export async function* searchPages(api: BitableApi, appToken: string, tableId: string, body: SearchBody): AsyncGenerator<LiveRecord[]> {
  let pageToken: string | undefined;
  do {
    const page = await withRetry(() => api.search(appToken, tableId, body, { pageSize: 500, ...(pageToken ? { pageToken } : {}) }));
    yield page.items;
    pageToken = page.hasMore ? page.pageToken : undefined;
  } while (pageToken);
}
