import type { AnchorRecord } from '../model/anchor.ts';
import { bucketIndex } from '../volume/time-buckets.ts';
import { matchStoredItems, type MatchStoredDeps } from './match-stored-items.ts';

/**
 * Items per bucket that an alert query matches, over the stored items of the range: the same
 * matcher as live alerts (matchStoredItems), bounded by `maxItems` items tested per request.
 */
export async function querySeries(query: string, anchor: AnchorRecord, bounds: number[], deps: MatchStoredDeps, maxItems: number): Promise<number[]> {
  const matched = await matchStoredItems(query, anchor, { from: bounds[0]!, to: bounds[bounds.length - 1]! }, deps, maxItems);
  const counts = new Array<number>(bounds.length - 1).fill(0);
  for (const item of matched) {
    const b = bucketIndex(bounds, item.publishedAt);
    if (b >= 0) counts[b]!++;
  }
  return counts;
}
