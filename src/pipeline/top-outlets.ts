import type { FeedStore } from '../storage/feed-store.ts';
import type { ItemStore } from '../storage/item-store.ts';

/** One outlet's share of a digest: how many of its stories it carried. */
export interface OutletCount {
  feedId: string;
  title: string | null;
  count: number;
}

/** Digest entries of the range read at most. */
const MAX_STORIES = 100_000;
const BATCH = 500;

/**
 * The outlets that carried an anchor's digest stories published in [from, to), most first:
 * every feed that carried a story (its own item, a same-link copy or a near-identical copy)
 * counts that story once.
 */
export async function topOutlets(
  anchorId: string,
  range: { from: number; to: number },
  limit: number,
  deps: { items: ItemStore; feeds: FeedStore },
): Promise<OutletCount[]> {
  const perFeed = new Map<string, number>();
  const ids = (await deps.items.digestItemsBetween(anchorId, range.from, range.to, MAX_STORIES)).map((e) => e.id);
  for (let i = 0; i < ids.length; i += BATCH) {
    const batch = ids.slice(i, i + BATCH);
    const members = await deps.items.storyMembersOf(batch);
    const loaded = new Map((await deps.items.getMany([...batch, ...[...members.values()].flat()])).map((it) => [it.id, it]));
    for (const id of batch) {
      const carriers = new Set<string>();
      for (const it of [loaded.get(id), ...(members.get(id) ?? []).map((m) => loaded.get(m))]) {
        if (!it) continue;
        carriers.add(it.feedId);
        for (const feedId of Object.keys(it.sources)) carriers.add(feedId);
      }
      for (const feedId of carriers) perFeed.set(feedId, (perFeed.get(feedId) ?? 0) + 1);
    }
  }
  const titles = await deps.feeds.titles(perFeed.keys());
  return [...perFeed]
    .map(([feedId, count]) => ({ feedId, title: titles.get(feedId) ?? null, count }))
    .sort((a, b) => b.count - a.count || a.feedId.localeCompare(b.feedId))
    .slice(0, limit);
}
