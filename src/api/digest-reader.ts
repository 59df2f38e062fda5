import type { AnchorRecord } from '../model/anchor.ts';
import type { StoredItem } from '../model/item.ts';
import type { Stores } from '../runtime/open-stores.ts';
import type { DigestItem } from '../model/digest-item.ts';
import { presentDigestItem } from '../digest/present-digest-item.ts';

/**
 * Turns item ids into the contract's DigestItems: the items, their feeds' titles and, for
 * digest entries, the other items of their story as `alsoReportedBy`. Shared by the JSON
 * pages, the event stream and the Atom / JSON Feed outputs so they always agree.
 */
export class DigestReader {
  constructor(private readonly stores: Stores) {}

  /** DigestItems for the ids, in order; `withStories` folds each story's copies into its entry. */
  async build(ids: string[], anchor: AnchorRecord | null, withStories: boolean): Promise<Array<DigestItem & { stored: StoredItem }>> {
    const items = await this.stores.items.getMany(ids);
    const members = withStories ? await this.stores.items.storyMembersOf(items.map((i) => i.id)) : new Map<string, string[]>();
    const memberItems = new Map((await this.stores.items.getMany([...new Set([...members.values()].flat())])).map((i) => [i.id, i]));
    const feedIds = new Set<string>();
    for (const item of [...items, ...memberItems.values()]) {
      feedIds.add(item.feedId);
      for (const feedId of Object.keys(item.sources)) feedIds.add(feedId);
    }
    const titles = await this.stores.feeds.titles(feedIds);
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
