// Every stored transaction a query matches, following the cursor page by page (newest first): restoring state,
// drift windows, the promotion gate's labelled window and the exports all read storage this way.
import type { ListQuery, ScoredTransaction, Storage } from './types.js';

/** Page size of each list call: the largest the list routes allow. */
const PAGE = 500;

/** Stops after `max` records (default all). */
export async function listAll(
  storage: Pick<Storage, 'list'>,
  query: Omit<ListQuery, 'limit' | 'cursor'>,
  max = Infinity,
): Promise<ScoredTransaction[]> {
  const records: ScoredTransaction[] = [];
  let cursor: string | undefined;
  do {
    const page = await storage.list({ ...query, limit: PAGE, ...(cursor ? { cursor } : {}) });
    records.push(...page.items);
    cursor = page.nextCursor ?? undefined;
  } while (cursor && records.length < max);
  return records;
}
