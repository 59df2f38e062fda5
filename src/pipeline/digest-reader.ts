import type { AnchorRecord } from '../model/anchor.ts';
import type { DigestItem } from '../model/digest-item.ts';
import type { StoredItem } from '../model/item.ts';
import { presentDigestItem } from '../digest/present-digest-item.ts';
import type { FeedStore } from '../storage/feed-store.ts';
import type { ItemStore } from '../storage/item-store.ts';

/** A page of DigestItems and the cursor of the next one (null on the last page). */
export interface DigestPage<T = DigestItem> {
  items: T[];
  nextCursor: string | null;
}

/**
 * Turns item ids into the contract's DigestItems: the items, their feeds' titles and, for
 * digest entries, the other items of their story as `alsoReportedBy`. Shared by the JSON
 * pages, the event stream, the Atom / JSON Feed outputs and alerts so they always agree.
 */
export class DigestReader {
  constructor(private readonly stores: { items: ItemStore; feeds: FeedStore }) {}

  /** A newest-first page of an anchor's digest, optionally only the items that mention one entity. */
  async digestPage(anchor: AnchorRecord, opts: { limit: number; cursor: string | null; sinceMs: number | null; entity: string | null }): Promise<DigestPage> {
    const page = await this.stores.items.pageDigest(anchor.id, opts);
    return { items: (await this.build(page.ids, anchor, true)).map(withoutStored), nextCursor: page.nextCursor };
  }

  /**
   * A newest-first page of every stored item (or one feed's), each with its tags for the
   * anchor and whether the anchor's digest shows it. Near-identical stories under different
   * links stay separate items here.
   */
  async itemsPage(anchor: AnchorRecord | null, opts: { feedId: string | null; limit: number; cursor: string | null }): Promise<DigestPage<DigestItem & { relevant: boolean }>> {
    const page = await this.stores.items.pageAll({ limit: opts.limit, cursor: opts.cursor, ...(opts.feedId ? { feedId: opts.feedId } : {}) });
    const built = await this.build(page.ids, anchor, false);
    return {
      items: built.map(({ stored, ...item }) => ({ ...item, relevant: anchor ? stored.tags[anchor.id]?.relevant === true : false })),
      nextCursor: page.nextCursor,
    };
  }

  /** One digest entry as the event stream sends it, or null when the item is gone. */
  async entry(itemId: string, anchor: AnchorRecord): Promise<DigestItem | null> {
    const [built] = await this.build([itemId], anchor, true);
    return built ? withoutStored(built) : null;
  }

  /**
   * DigestItems for the ids, in order; `withStories` folds each story's copies into its entry.
   * Reads that do not depend on each other go out together (one round trip each step: the
   * items with their story members, then the members with the items' feed titles, then only
   * the titles of feeds that just the members name), so a live event's render waits for two
   * round trips, not four, on a Redis an ingest keeps busy.
   */
  async build(ids: string[], anchor: AnchorRecord | null, withStories: boolean): Promise<Array<DigestItem & { stored: StoredItem }>> {
    const [items, members] = await Promise.all([
      this.stores.items.getMany(ids),
      withStories && ids.length > 0 ? this.stores.items.storyMembersOf([...new Set(ids)]) : new Map<string, string[]>(),
    ]);
    const feedIdsOf = (list: Iterable<StoredItem>, into: Set<string>) => {
      for (const item of list) {
        into.add(item.feedId);
        for (const feedId of Object.keys(item.sources)) into.add(feedId);
      }
      return into;
    };
    const itemFeeds = feedIdsOf(items, new Set());
    const [memberList, titles] = await Promise.all([this.stores.items.getMany([...new Set([...members.values()].flat())]), this.stores.feeds.titles(itemFeeds)]);
    const memberItems = new Map(memberList.map((i) => [i.id, i]));
    const memberFeeds = [...feedIdsOf(memberList, new Set())].filter((id) => !titles.has(id));
    if (memberFeeds.length > 0) for (const [id, title] of await this.stores.feeds.titles(memberFeeds)) titles.set(id, title);
    return items.map((item) => {
      const digestItem = presentDigestItem(item, anchor, titles);
      const seen = new Set([item.feedId, ...digestItem.alsoReportedBy.map((r) => r.feedId)]);
      for (const memberId of members.get(item.id) ?? []) {
        const member = memberItems.get(memberId);
        if (!member) continue;
        for (const [feedId, link] of [[member.feedId, member.link ?? ''], ...Object.entries(member.sources)] as Array<[string, string]>) {
          if (seen.has(feedId)) continue;
          seen.add(feedId);
          digestItem.alsoReportedBy.push({ feedId, title: titles.get(feedId) ?? null, link: link || member.link });
        }
      }
      return { ...digestItem, stored: item };
    });
  }
}

function withoutStored({ stored: _stored, ...item }: DigestItem & { stored: StoredItem }): DigestItem {
  return item;
}
