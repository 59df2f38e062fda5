import { createHash } from 'node:crypto';
import type { DeliveryChannel, DeliveryChannels } from '../alerts/channels/channel.ts';
import { presentDigestItem } from '../digest/present-digest-item.ts';
import type { AlertRecord, ChannelKind } from '../model/alert.ts';
import type { AnchorRecord } from '../model/anchor.ts';
import type { AlertEvent } from '../model/delivery.ts';
import type { StoredItem } from '../model/item.ts';
import type { ItemTags } from '../model/tags.ts';
import type { AlertStore, HitInput, PendingDelivery } from '../storage/alert-store.ts';
import type { FeedStore } from '../storage/feed-store.ts';

/** A keyword alert that matched an item (before dedupe by story). */
export interface KeywordMatch {
  alert: AlertRecord;
  item: StoredItem;
  anchor: AnchorRecord;
  /** The item's tags for the anchor from this pass (not yet written). */
  tags: ItemTags;
}

/**
 * The id of the delivery of one event of an alert through one channel: the same however
 * often it is recomputed (a webhook's keeps the form it had before channels, so retries of
 * old deliveries keep their ids).
 */
export function deliveryIdFor(alertId: string, eventId: string, kind: ChannelKind = 'webhook'): string {
  const material = kind === 'webhook' ? `${alertId}:${eventId}` : `${alertId}:${eventId}:${kind}`;
  return `msg_${createHash('sha256').update(material).digest('hex').slice(0, 24)}`;
}

/** The pending deliveries of one event: one per channel on which the alert has a live target, each rendered by its channel. */
export function pendingDeliveries(alert: AlertRecord, eventId: string, event: AlertEvent, channels: DeliveryChannels): PendingDelivery[] {
  return (Object.values(channels) as DeliveryChannel[]).flatMap((channel) => {
    const target = channel.targetOf(alert);
    return target ? [{ id: deliveryIdFor(alert.id, eventId, channel.kind), channel: channel.kind, body: channel.render(event, target as never) }] : [];
  });
}

/**
 * Records keyword-alert hits, once per alert and story (`storyOf` gives an item's story
 * leader, the item itself when it has none), with the owner's stream entry and a pending
 * delivery per live target of the alert. Returns the delivery ids that were created.
 */
export async function recordAlertHits(
  matches: KeywordMatch[],
  storyOf: (itemId: string) => string,
  deps: { alerts: AlertStore; feeds: FeedStore; channels: DeliveryChannels; now(): number },
): Promise<string[]> {
  if (matches.length === 0) return [];
  const titles = await deps.feeds.titles(matches.flatMap((m) => [m.item.feedId, ...Object.keys(m.item.sources)]));
  const matchedAt = deps.now();
  const hits: HitInput[] = matches.map(({ alert, item, anchor, tags }) => {
    const storyId = storyOf(item.id);
    const digestItem = presentDigestItem({ ...item, tags: { ...item.tags, [anchor.id]: tags } }, anchor, titles);
    const event: AlertEvent = { type: 'alert.hit', alert: { id: alert.id, name: alert.name }, item: digestItem };
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
      deliveries: pendingDeliveries(alert, storyId, event, deps.channels),
    };
  });
  const created = await deps.alerts.recordHits(hits);
  return hits.flatMap((h, i) => (created[i] ? h.deliveries.map((d) => d.id) : []));
}
