import type { Logger } from 'pino';
import { judgeSpike, spikePeriods } from '../alerts/spike-rule.ts';
import { presentDigestItem } from '../digest/present-digest-item.ts';
import type { DeliveryChannels } from '../alerts/channels/channel.ts';
import type { AlertStore } from '../storage/alert-store.ts';
import type { AnchorStore } from '../storage/anchor-store.ts';
import type { FeedStore } from '../storage/feed-store.ts';
import type { ItemStore } from '../storage/item-store.ts';
import { pendingDeliveries } from './record-alert-hits.ts';

/** What spike evaluation needs. */
export interface SpikeDeps {
  alerts: AlertStore;
  anchors: AnchorStore;
  items: ItemStore;
  feeds: FeedStore;
  channels: DeliveryChannels;
  enqueueDeliveries(deliveryIds: string[]): Promise<void>;
  now(): number;
  log: Logger;
}

const ITEMS_PER_FIRING = 50;

/**
 * Evaluates every spike alert: counts of the entity (from the same per-item index as the
 * digest and volume) or of the query's matches, in the window against the baseline. A
 * firing alert rests for one window; the rest key makes a re-run (another worker, a retried
 * job) fire nothing twice.
 */
export async function evaluateSpikes(deps: SpikeDeps): Promise<number> {
  const now = deps.now();
  let fired = 0;
  for (const alert of await deps.alerts.listAll()) {
    const rule = alert.spike;
    if (!rule) continue;
    const periods = spikePeriods(now, rule.windowMinutes, rule.baselineHours);
    // The periods end inclusively (window up to now, baseline up to the window's first ms minus
    // one); stores count [from, to), and scores are whole ms, so each end moves on by one.
    const count = (from: number, to: number) =>
      rule.entity ? deps.items.countEntity(alert.anchorId, rule.entity, from, to + 1) : deps.alerts.countMatches(alert.id, from, to + 1);
    const windowCount = await count(periods.window.from, periods.window.to);
    if (windowCount < rule.minCount) continue;
    const baselineCount = await count(periods.baseline.from, periods.baseline.to);
    const verdict = judgeSpike(rule, windowCount, baselineCount, periods.windowMs, periods.baselineMs);
    if (!verdict.fires) continue;

    const ids = rule.entity
      ? await deps.items.entityIdsBetween(alert.anchorId, rule.entity, periods.window.from, periods.window.to + 1, ITEMS_PER_FIRING)
      : await deps.alerts.matchedIds(alert.id, periods.window.from, periods.window.to + 1, ITEMS_PER_FIRING);
    const items = await deps.items.getMany(ids);
    const anchor = await deps.anchors.get(alert.anchorId);
    const titles = await deps.feeds.titles(items.flatMap((i) => [i.feedId, ...Object.keys(i.sources)]));
    const digestItems = items.map((i) => presentDigestItem(i, anchor, titles));
    const baseline = Math.round(verdict.baseline * 100) / 100;
    const deliveries = pendingDeliveries(
      alert,
      `spike:${now}`,
      { type: 'alert.spike', alert: { id: alert.id, name: alert.name }, count: windowCount, baseline, items: digestItems },
      deps.channels,
    );
    const didFire = await deps.alerts.fireSpike({
      alert,
      firedAt: now,
      restMs: periods.windowMs,
      itemIds: ids,
      streamData: JSON.stringify({
        type: 'alert.spike',
        alert: { id: alert.id, name: alert.name },
        count: windowCount,
        baseline,
        matchedAt: new Date(now).toISOString(),
        items: digestItems.map((i) => ({ itemId: i.id, title: i.title, link: i.link, publishedAt: i.publishedAt })),
      }),
      deliveries,
    });
    if (!didFire) continue;
    fired++;
    deps.log.info({ alertId: alert.id, count: windowCount, baseline }, 'spike alert fired');
    if (deliveries.length > 0) await deps.enqueueDeliveries(deliveries.map((d) => d.id));
  }
  return fired;
}
