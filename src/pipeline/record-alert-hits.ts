import { createHash } from 'node:crypto';
import { presentDigestItem } from '../digest/present-digest-item.ts';
import type { AlertRecord } from '../model/alert.ts';
import type { AlertStore, HitInput } from '../storage/alert-store.ts';
import type { AnchorRecord } from '../model/anchor.ts';
import type { FeedStore } from '../storage/feed-store.ts';
import type { StoredItem } from '../model/item.ts';
import type { ItemTags } from '../model/tags.ts';

/** A keyword alert that matched an item (before dedupe by story). */
export interface KeywordMatch {
  alert: AlertRecord;
  item: StoredItem;
  anchor: AnchorRecord;
  /** The item's tags for the anchor from this pass (not yet written). */
  tags: ItemTags;
}

/** The webhook-id of the delivery for an alert and a story: the same however often it is recomputed. */
export function deliveryIdFor(alertId: string, storyId: string): string {
  return `msg_${createHash('sha256').update(`${alertId}:${storyId}`).digest('hex').slice(0, 24)}`;
}

/**
 * Records keyword-alert hits, once per alert and story (`storyOf` gives an item's story
 * leader, the item itself when it has none), with the owner's stream entry and, where the
 * alert has a live webhook, a pending delivery. Returns the delivery ids that were created.
 */
export async function recordAlertHits(
  matches: KeywordMatch[],
  storyOf: (itemId: string) => string,
  deps: { alerts: AlertStore; feeds: FeedStore; now(): number },
): Promise<string[]> {
  if (matches.length === 0) return [];
  const titles = await deps.feeds.titles(matches.flatMap((m) => [m.item.feedId, ...Object.keys(m.item.sources)]));
  const matchedAt = deps.now();
  const hits: HitInput[] = matches.map(({ alert, item, anchor, tags }) => {
    const storyId = storyOf(item.id);
    const digestItem = presentDigestItem({ ...item, tags: { ...item.tags, [anchor.id]: tags } }, anchor, titles);
    const webhook = alert.webhook && !alert.webhook.disabled ? alert.webhook : null;
    return {
      alertId: alert.id,
      owner: alert.owner,
      storyId,
      itemId: item.id,
      matchedAt,
      streamData: JSON.stringify({
        alert: { id: alert.id, name: alert.name },
        itemId: item.id,
        title: item.title,
        link: item.link,
        publishedAt: new Date(item.publishedAt).toISOString(),
        matchedAt: new Date(matchedAt).toISOString(),
        item: digestItem,
      }),
      delivery: webhook
        ? { id: deliveryIdFor(alert.id, storyId), body: JSON.stringify({ type: 'alert.hit', alert: { id: alert.id, name: alert.name }, item: digestItem }) }
        : null,
    };
  });
  const created = await deps.alerts.recordHits(hits);
  return hits.flatMap((h, i) => (created[i] && h.delivery ? [h.delivery.id] : []));
}
