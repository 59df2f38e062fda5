import type { ItemStore } from '../storage/item-store.ts';
import type { AlertStore } from '../storage/alert-store.ts';

/** One hit as listed: the item's headline fields (null when the item has been retired) and when it matched. */
export interface ListedHit {
  itemId: string;
  title: string | null;
  link: string | null;
  publishedAt: number | null;
  matchedAt: number;
}

/** An alert's newest hits with the items they point at. */
export async function listAlertHits(alertId: string, limit: number, deps: { alerts: AlertStore; items: ItemStore }): Promise<ListedHit[]> {
  const hits = await deps.alerts.hits(alertId, limit);
  const byId = new Map((await deps.items.getMany(hits.map((h) => h.itemId))).map((i) => [i.id, i]));
  return hits.map((h) => {
    const item = byId.get(h.itemId);
    return { itemId: h.itemId, title: item?.title ?? null, link: item?.link ?? null, publishedAt: item?.publishedAt ?? null, matchedAt: h.matchedAt };
  });
}
